import { describe, expect, it } from 'vitest';
import { firstPacketPath, parseTrace, parseTraceLine } from './trace.js';

// Lines as `nft -a monitor trace` printed them in a lab node namespace (nft 1.0.6, iptables-nft rules).
const SYN = 'ip saddr 10.244.0.10 ip daddr 10.96.0.10 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 34258 ip length 60 tcp sport 55858 tcp dport 80 tcp flags == syn tcp window 64860';
const OUTPUT = [
  `trace id 9e9a73a6 ip netx-trace pre packet: iif "cni0" ether saddr 2a:80:98:41:12:4f ether daddr 02:b4:dd:d3:e5:84 ${SYN} `,
  'trace id 9e9a73a6 ip netx-trace pre rule tcp dport { 80, 8080 } meta nftrace set 1 # handle 4 (verdict continue)',
  'trace id 9e9a73a6 ip netx-trace pre policy accept ',
  `trace id 9e9a73a6 ip nat PREROUTING packet: iif "cni0" ${SYN} `,
  'trace id 9e9a73a6 ip nat PREROUTING rule  counter packets 1 bytes 40 jump KUBE-SERVICES # handle 31 (verdict jump KUBE-SERVICES)',
  'trace id 9e9a73a6 ip nat KUBE-SEP-IQIBSY2R4USWK4F3 rule meta l4proto tcp   counter packets 0 bytes 0 dnat to 10.244.2.10:8080 # handle 53 (verdict accept)',
  'trace id 4c9fc67d ip mangle FORWARD packet: iif "cni0" oif "flannel.1" ip saddr 10.244.0.10 ip daddr 10.244.2.10 ip id 34258 tcp sport 55858 tcp dport 8080 tcp flags == syn',
  'trace id 4c9fc67d ip mangle FORWARD policy accept meta mark 0x00004000 ',
  'trace id 017c9d80 ip nat PREROUTING packet: iif "cni0" ip saddr 10.244.0.10 ip daddr 10.96.0.10 ip id 34259 tcp sport 55858 tcp dport 80 tcp flags == ack',
  'trace id 017c9d80 ip nat PREROUTING policy accept ',
  '2026/11/22 23:00:47 something else',
].join('\n');

describe('nft monitor trace parsing', () => {
  it('reads packet lines: interfaces, addresses, ports and the IP id', () => {
    const e = parseTraceLine(OUTPUT.split('\n')[0] ?? '');
    expect(e).toMatchObject({ traceId: '9e9a73a6', family: 'ip', table: 'netx-trace', chain: 'pre', kind: 'packet' });
    expect(e?.packet).toEqual({ iif: 'cni0', saddr: '10.244.0.10', daddr: '10.96.0.10', ipId: 34258, protocol: 'tcp', sport: 55858, dport: 80 });
  });

  it('reads rule lines with handle and verdict, whitespace normalised', () => {
    const e = parseTraceLine('trace id 9e9a73a6 ip nat PREROUTING rule  counter packets 1 bytes 40 jump KUBE-SERVICES # handle 31 (verdict jump KUBE-SERVICES)');
    expect(e).toMatchObject({ kind: 'rule', table: 'nat', chain: 'PREROUTING', handle: 31, verdict: 'jump KUBE-SERVICES', rule: 'counter packets 1 bytes 40 jump KUBE-SERVICES' });
  });

  it('reads policy lines and keeps what the kernel adds after the verdict', () => {
    expect(parseTraceLine('trace id 1 ip mangle FORWARD policy accept meta mark 0x00004000 ')).toMatchObject({ kind: 'policy', verdict: 'accept', extra: 'meta mark 0x00004000' });
    expect(parseTraceLine('trace id 1 ip nat PREROUTING policy accept ')).toMatchObject({ kind: 'policy', verdict: 'accept' });
  });

  it('ignores lines that are not trace events', () => {
    expect(parseTraceLine('2026/11/22 23:00:47 socat[13858] E connect')).toBeUndefined();
    expect(parseTrace(OUTPUT)).toHaveLength(10);
  });

  it('the first packet spans trace ids (br_netfilter re-enters) and stops at the next IP id; the oracle table is left out', () => {
    const path = firstPacketPath(parseTrace(OUTPUT), 'netx-trace');
    expect(path.map((e) => `${e.table}/${e.chain}/${e.kind}`)).toEqual([
      'nat/PREROUTING/packet',
      'nat/PREROUTING/rule',
      'nat/KUBE-SEP-IQIBSY2R4USWK4F3/rule',
      'mangle/FORWARD/packet',
      'mangle/FORWARD/policy',
    ]);
  });
});
