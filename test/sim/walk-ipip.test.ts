/**
 * IP-in-IP between two Calico-shaped nodes (routes as in corpus iproute/real-calico-ipip-node-ip-route-show.txt:
 * pods on /32 `dev caliX scope link` routes, the own IPAM block blackholed, remote blocks `via NODE dev tunl0 onlink`,
 * tunl0 `ipip remote any local any` with an address of the block). The kernel on this machine has no ipip module, so
 * the expectations follow ip_tunnel_xmit / ipip_rcv as documented in the simulator (src/sim/ipip.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Ruleset } from '../../src/model/netfilter.js';
import { parseIptablesSave } from '../../src/parse/netfilter/iptables-save.js';
import { parseIpLink } from '../../src/parse/iproute/link.js';
import type { Branch, Step } from '../../src/sim/index.js';
import { EMPTY_RULESET } from './topology.js';
import { A, B, calicoNode, podToPod } from './calico-topology.js';

const steps = (b: Branch): Step[] => b.hops.flatMap((h) => h.steps);
const filterInput = (rules: string[]): Ruleset => parseIptablesSave(['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ...rules, 'COMMIT', ''].join('\n'), { source: 'test', family: 'ip', origin: 'iptables-nft' });

describe('IPIP (Calico tunl0)', () => {
  it('pod to pod across nodes: wrapped towards the route\'s next hop, unwrapped by tunl0, delivered without NAT', () => {
    const b = podToPod([calicoNode(A), calicoNode(B)]);
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ disposition: 'delivered', endpoint: { ip: B.pod.ip, pod: B.pod.name, node: 'node-b' } });
    const s = steps(b[0]!);
    const encap = s.find((x) => x.kind === 'encap')!;
    expect(encap.detail).toMatchObject({ tunnel: 'ipip', outerDst: B.ip });
    // The outer packet: protocol 4 from the address the route to node-b picks (ens33's).
    expect(encap.packetAfter).toMatchObject({ proto: 'ipencap', daddr: B.ip });
    const sent = s.find((x) => x.kind === 'route' && x.packetBefore?.proto === 'ipencap')!;
    expect(sent.packetBefore?.saddr).toBe(A.ip);
    expect(s.find((x) => x.kind === 'decap')).toMatchObject({ detail: { tunnel: 'ipip', dev: 'tunl0' } });
    expect(b[0]!.hops.map((h) => h.node)).toEqual(['node-a', 'node-b']);
    expect(b[0]!.final).toMatchObject({ saddr: A.pod.ip, daddr: B.pod.ip, dport: 8080 });
  });

  it('netfilter on the receiving node sees protocol 4 (`-p ipv4`, as Calico writes it) before decapsulation', () => {
    const drop = filterInput(['-A INPUT -p ipv4 -j DROP']);
    const dropped = podToPod([calicoNode(A), calicoNode(B, drop)]);
    expect(dropped[0]).toMatchObject({ disposition: 'dropped' });
    expect(steps(dropped[0]!).some((x) => x.chain === 'INPUT' && x.verdict === 'drop' && /-p ipv4/.test(x.rule ?? ''))).toBe(true);
    const allowFromNodes = filterInput([`-A INPUT -p ipv4 -s ${A.ip}/32 -j ACCEPT`, '-A INPUT -p ipv4 -j DROP']);
    expect(podToPod([calicoNode(A), calicoNode(B, allowFromNodes)])[0]).toMatchObject({ disposition: 'delivered' });
  });

  it('no up IPIP device on the receiving node: the tunnel packet is dropped there', () => {
    const b = podToPod([calicoNode(A), calicoNode(B, EMPTY_RULESET, { flags: ['NOARP'], state: 'DOWN' })]);
    expect(b[0]).toMatchObject({ disposition: 'dropped' });
    expect(b[0]!.reason).toMatch(/no up IPIP tunnel/);
  });

  it('a point-to-point tunnel sends to its remote, not to the route\'s next hop', () => {
    const b = podToPod([calicoNode(A, EMPTY_RULESET, { ipip: { remote: B.ip, local: A.ip } }), calicoNode(B, EMPTY_RULESET, { ipip: { remote: A.ip, local: B.ip } })]);
    expect(b[0]).toMatchObject({ disposition: 'delivered' });
    expect(steps(b[0]!).find((x) => x.kind === 'encap')?.detail).toMatchObject({ outerDst: B.ip, evidence: `the tunnel's remote ${B.ip}` });
  });
});

describe('ip -d link: ipip details', () => {
  it('JSON and text forms: `any` ends are left unset', () => {
    const json = JSON.stringify([
      { ifindex: 3, ifname: 'tunl0', flags: ['NOARP', 'UP', 'LOWER_UP'], mtu: 1480, operstate: 'UNKNOWN', link_type: 'ipip', linkinfo: { info_kind: 'ipip', info_data: { proto: 'ipip', remote: 'any', local: 'any', ttl: 0, pmtudisc: false } } },
      { ifindex: 4, ifname: 'ipip-p2p', flags: ['POINTOPOINT', 'NOARP', 'UP'], mtu: 1480, operstate: 'UNKNOWN', link_type: 'ipip', link: 'eth0', linkinfo: { info_kind: 'ipip', info_data: { proto: 'ipip', remote: '192.0.2.2', local: '192.0.2.1', link: 'eth0', ttl: 64, pmtudisc: true } } },
    ]);
    const links = parseIpLink(json, { source: 'test' }).value;
    expect(links.map((l) => [l.kind, l.ipip])).toEqual([
      ['ipip', {}],
      ['ipip', { local: '192.0.2.1', remote: '192.0.2.2', dev: 'eth0' }],
    ]);
    const text = '3: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n    link/ipip 0.0.0.0 brd 0.0.0.0 promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 \n    ipip ipip remote any local any ttl inherit nopmtudisc addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535\n';
    expect(parseIpLink(text, { source: 'test' }).value.map((l) => [l.name, l.kind, l.ipip])).toEqual([['tunl0', 'ipip', {}]]);
  });
});
