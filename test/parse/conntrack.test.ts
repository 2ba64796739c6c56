import { describe, expect, it } from 'vitest';
import { parseConntrack } from '../../src/parse/conntrack.js';
import { ParseError } from '../../src/util/parse-error.js';
import { corpusFiles, readCorpus } from '../support/corpus.js';
import { fixture, thrown } from './fixtures.js';

const src = { source: 'conntrack' };

describe('parseConntrack on kernel output (test/fixtures/conntrack)', () => {
  const plain = parseConntrack(fixture('conntrack', 'conntrack-L.txt'), src);
  it('shows the DNAT of the service flow and the mark set with it', () => {
    const svc = plain.value.entries.find((e) => e.original.dst === '10.96.0.10');
    expect(svc).toMatchObject({
      l3: 'ipv4', protocol: 'tcp', state: 'TIME_WAIT', flags: ['ASSURED'], mark: 0x4000, use: 1,
      original: { src: '10.9.0.1', dport: 80 },
      reply: { src: '10.9.0.2', dst: '10.9.0.1', sport: 8080 },
    });
    expect(svc?.reply.dport).toBe(svc?.original.sport);
  });
  it('reads icmp ids, UNREPLIED and zones', () => {
    expect(plain.value.entries.find((e) => e.protocol === 'icmp')).toMatchObject({ original: { icmp: { type: 8, code: 0, id: 4242 } }, reply: { icmp: { type: 0, code: 0, id: 4242 } } });
    expect(plain.value.entries.find((e) => e.zone === 7)).toMatchObject({ protocol: 'udp', flags: ['UNREPLIED'], original: { dport: 5353 } });
    expect(plain.warnings).toEqual([]);
  });
  it('reads the stderr summary and the extended form identically', () => {
    expect(parseConntrack(fixture('conntrack', 'conntrack-L.stderr'), src).value).toEqual({ entries: [], reportedCount: 4 });
    const ext = parseConntrack(fixture('conntrack', 'conntrack-L-extended.txt'), src).value.entries;
    const key = (e: (typeof ext)[number]) => [e.l3, e.protocol, e.state, e.original, e.reply, e.flags, e.mark, e.zone].map((x) => JSON.stringify(x)).join();
    expect(ext.map(key).sort()).toEqual(plain.value.entries.map(key).sort());
  });
  it('reads IPv6 entries (conntrack -L -f ipv6)', () => {
    const [e] = parseConntrack(fixture('conntrack', 'conntrack-L-f-ipv6.txt'), src).value.entries;
    expect(e).toMatchObject({ l3: 'ipv6', protocol: 'tcp', original: { src: 'fd09::1', dst: 'fd09::2', dport: 9090 } });
  });
});

describe('parseConntrack', () => {
  it('shows the DNAT and SNAT of a ClusterIP connection (corpus)', () => {
    const { value } = parseConntrack(readCorpus('conntrack', 'real-clusterip-dnat-plus-snat-conntrack-entry.txt'), src);
    expect(value.entries).toEqual([
      {
        l3: 'ipv4', protocol: 'tcp', timeout: 118, state: 'TIME_WAIT', line: 1, flags: ['ASSURED'], mark: 0, use: 1,
        original: { src: '172.16.1.152', dst: '10.32.0.251', sport: 43400, dport: 80 },
        reply: { src: '10.64.2.4', dst: '172.16.1.152', sport: 80, dport: 43400 },
      },
    ]);
  });
  it('reads a kubeadm node dump: service VIP 10.96.0.1:443 answered by the apiserver (corpus)', () => {
    const { value, warnings } = parseConntrack(readCorpus('conntrack', 'real-kubeadm-flannel-node-conntrack-L-partial.txt'), src);
    expect(warnings).toEqual([]);
    expect(value.entries).toHaveLength(8);
    const vip = value.entries.find((e) => e.original.dst === '10.96.0.1');
    expect(vip).toMatchObject({ state: 'ESTABLISHED', original: { dport: 443 }, reply: { src: '192.168.10.100', sport: 6443 } });
    const udp = value.entries.filter((e) => e.protocol === 'udp');
    expect(udp.map((e) => [e.state, e.original.dport, e.use])).toEqual([[undefined, 123, undefined], [undefined, 53, undefined]]);
  });
  it('skips the summary line, keeps its count and warns about the mismatch (corpus)', () => {
    const { value, warnings } = parseConntrack(readCorpus('conntrack', 'real-nodeport-conntrack-L-grep-with-summary-line.txt'), src);
    expect(value.reportedCount).toBe(4);
    expect(value.entries).toHaveLength(1);
    expect(value.entries[0]).toMatchObject({ line: 2, original: { dst: '10.64.2.4', dport: 80 } });
    expect(warnings.map((w) => w.code)).toEqual(['count-mismatch']);
  });
  it('parses every corpus file', () => {
    for (const f of corpusFiles('conntrack')) expect(parseConntrack(readCorpus('conntrack', f), { source: f }).value.entries.length, f).toBeGreaterThan(0);
  });
  it('reads icmp, ipv6, zone, UNREPLIED and the extended form', () => {
    const text = [
      'ipv4     2 icmp     1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=4242 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=4242 mark=0 zone=3 use=1',
      'ipv6     10 tcp      6 431999 ESTABLISHED src=fd00::1 dst=fd00::2 sport=1 dport=2 src=fd00::2 dst=fd00::1 sport=2 dport=1 [ASSURED] mark=16384 use=1',
      'tcp      6 119 SYN_SENT2 src=10.0.0.1 dst=10.0.0.4 sport=1 dport=2 [UNREPLIED] src=10.0.0.4 dst=10.0.0.1 sport=2 dport=1 mark=0 use=1',
      'sctp     132 3 CLOSED src=10.0.0.1 dst=10.0.0.3 sport=5000 dport=6000 src=10.0.0.3 dst=10.0.0.1 sport=6000 dport=5000 mark=0 use=1',
    ].join('\n');
    const [icmp, v6, sent2, sctp] = parseConntrack(text, src).value.entries;
    expect(sent2?.state).toBe('SYN_SENT2');
    expect(icmp).toMatchObject({ protocol: 'icmp', flags: ['UNREPLIED'], zone: 3, original: { icmp: { type: 8, code: 0, id: 4242 } }, reply: { icmp: { type: 0 } } });
    expect(v6).toMatchObject({ l3: 'ipv6', mark: 16384, state: 'ESTABLISHED', timeout: 431999 });
    expect(sctp).toMatchObject({ protocol: 'sctp', state: 'CLOSED', original: { dport: 6000 } });
  });
  it('skips a malformed entry (that line, not the table) and reports it with line and column', () => {
    const r = parseConntrack('tcp 6 1 ESTABLISHED src=1.2.3.4 dst=1.2.3.5 sport=1 dport=2 src=1.2.3.5 dst=1.2.3.4 sport=2 dport=1\ntcp 6 1 src=1.2.3.999 dst=x', src);
    expect(r.value.entries).toHaveLength(1);
    expect(r.value.skipped).toEqual([{ line: 2, text: 'tcp 6 1 src=1.2.3.999 dst=x', reason: expect.stringMatching(/^line 2: /) }]);
    expect(r.warnings).toContainEqual(expect.objectContaining({ code: 'skipped-line', line: 2 }));
    // No readable entry at all: the dump is not conntrack output.
    const e = thrown(() => parseConntrack('tcp 6 1 src=1.2.3.999 dst=x', src));
    expect(e).toBeInstanceOf(ParseError);
    expect(e).toMatchObject({ line: 1 });
    expect(thrown(() => parseConntrack('tcp 6 1 ESTABLISHED src=1.2.3.4', src))).toMatchObject({ line: 1 });
  });
});
