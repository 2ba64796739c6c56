import { describe, expect, it } from 'vitest';
import type { MapElement, Ruleset } from '../../../src/model/netfilter.js';
import { ParseError } from '../../../src/util/parse-error.js';
import { parseNftJson } from '../../../src/parse/netfilter/nft-json.js';
import { corpusFiles, readCorpus } from '../../support/corpus.js';
import { chain, exprsOf, nfFixture, table, thrown } from './support.js';

const parse = (text: string): Ruleset => parseNftJson(text, { source: 'test' });
const FIXTURES = [
  'probe.nft.json',
  'k8s-TestOverallNFTablesRules.nft.json',
  'zoo.iptables-nft.nft.json',
  'ip6.ip6tables-nft.nft.json',
  'synthetic-20x5.kube-proxy.nft.json',
];
const rulesOf = (rs: Ruleset, t: string, c: string) => chain(table(rs, t), c).rules;
const set = (rs: Ruleset, t: string, name: string) => table(rs, t).sets.find((s) => s.name === name)!;

describe('parseNftJson on kernel dumps', () => {
  const redumps = corpusFiles('kernel-redump').filter((f) => f.endsWith('.nft.json'));
  for (const [label, text] of [
    ...redumps.map((f) => [`kernel-redump/${f}`, readCorpus('kernel-redump', f)] as const),
    ...FIXTURES.map((f) => [`fixtures/${f}`, nfFixture(f)] as const),
  ]) {
    it(`parses ${label}, keeping every rule with its handle`, () => {
      const rs = parse(text);
      const doc = JSON.parse(text) as { nftables: Record<string, { handle?: number }>[] };
      const handles = doc.nftables.filter((o) => 'rule' in o).map((o) => o.rule!.handle);
      expect(rs.tables.flatMap((t) => t.chains.flatMap((c) => c.rules.map((r) => r.handle))).sort()).toEqual(handles.sort());
      expect(rs.warnings).toEqual([]);
    });
  }
});

describe('kube-proxy nftables mode', () => {
  const k3s = () => parse(readCorpus('kernel-redump', 'k3s-kube-proxy-nftables.nft.json'));
  const overall = () => parse(nfFixture('k8s-TestOverallNFTablesRules.nft.json'));

  it('reads the k3s numgen vmap: 9 endpoints, one goto each', () => {
    const svc = rulesOf(k3s(), 'kube-proxy', 'service-P6J77WGM-riset/hellopod-np-svc/tcp/');
    const vmap = exprsOf(svc, 'vmap')[0]!;
    expect(vmap.key).toEqual({ kind: 'numgen', mode: 'random', mod: 9, offset: 0 });
    expect(vmap.map.kind).toBe('inline');
    const els = vmap.map.kind === 'inline' ? vmap.map.elements : [];
    expect(els.map((e) => (e.key.kind === 'int' ? e.key.value : -1))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(els[0]!.value).toEqual({ kind: 'verdict', verdict: 'goto', target: 'endpoint-VNXJG24O-riset/hellopod-np-svc/tcp/__10.42.2.218/8080' });
    expect(table(k3s(), 'kube-proxy').origin).toBe('nft');
  });

  it('reads the service-ips verdict map with concatenated keys', () => {
    const m = set(k3s(), 'kube-proxy', 'service-ips');
    expect(m.type).toEqual(['ipv4_addr', 'inet_proto', 'inet_service']);
    expect(m.map).toBe('verdict');
    expect((m.elements as MapElement[])[0]).toEqual({
      key: { kind: 'concat', parts: [{ kind: 'addr', value: '10.43.0.10' }, { kind: 'symbol', value: 'tcp' }, { kind: 'int', value: 53 }] },
      value: { kind: 'verdict', verdict: 'goto', target: 'service-NWBZK7IH-kube-system/kube-dns/tcp/dns-tcp' },
    });
    const services = rulesOf(k3s(), 'kube-proxy', 'services');
    expect(services[0]!.exprs).toEqual([
      {
        kind: 'vmap',
        key: { kind: 'concat', parts: [{ kind: 'payload', protocol: 'ip', field: 'daddr' }, { kind: 'meta', key: 'l4proto' }, { kind: 'payload', protocol: 'th', field: 'dport' }] },
        map: { kind: 'ref', name: 'service-ips' },
      },
    ]);
  });

  it('reads the no-endpoint verdict maps with their element comments', () => {
    const m = set(overall(), 'kube-proxy', 'no-endpoint-services').elements as MapElement[];
    expect(m.map((e) => [e.comment, 'verdict' in e.value ? `${e.value.verdict} ${e.value.target ?? ''}`.trim() : '?'])).toEqual([
      ['ns2/svc2:p80', 'drop'],
      ['ns2/svc2:p80', 'drop'],
      ['ns6/svc6:p80', 'goto reject-chain'],
    ]);
    const np = set(overall(), 'kube-proxy', 'no-endpoint-nodeports').elements as MapElement[];
    expect(np[0]).toEqual({ key: { kind: 'concat', parts: [{ kind: 'symbol', value: 'tcp' }, { kind: 'int', value: 3001 }] }, value: { kind: 'verdict', verdict: 'drop' }, comment: 'ns2/svc2:p80' });
    const k3sNoEp = set(k3s(), 'kube-proxy', 'no-endpoint-services').elements as MapElement[];
    expect(k3sNoEp[0]!.comment).toBe('riset/otelcol-opentelemetry-collector:otlp');
  });

  it('reads session affinity: the set with its timeout, the lookup and the update', () => {
    const aff = 'affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80';
    expect(set(overall(), 'kube-proxy', aff)).toMatchObject({ type: 'ipv4_addr', flags: ['timeout'], timeout: 10800, elements: [] });
    const svc = rulesOf(overall(), 'kube-proxy', 'service-HVFWP5L3-ns5/svc5/tcp/p80');
    expect(svc.find((r) => r.exprs.some((e) => e.kind === 'match' && e.right.kind === 'setref'))!.exprs).toEqual([
      { kind: 'match', left: { kind: 'payload', protocol: 'ip', field: 'saddr' }, op: '==', right: { kind: 'setref', name: aff } },
      { kind: 'verdict', verdict: 'goto', target: 'endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80' },
    ]);
    const ep = rulesOf(overall(), 'kube-proxy', 'endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80');
    expect(exprsOf(ep, 'set-update')).toEqual([{ kind: 'set-update', op: 'update', set: aff, key: { kind: 'payload', protocol: 'ip', field: 'saddr' } }]);
    expect(exprsOf(ep, 'nat')).toEqual([{ kind: 'nat', type: 'dnat', addr: '10.180.0.3', port: 80 }]);
  });

  it('turns `mark set mark or/xor 0x4000` (nft encodes them as | and ^) into and/xor', () => {
    expect(rulesOf(overall(), 'kube-proxy', 'mark-for-masquerade')[0]!.exprs).toEqual([{ kind: 'mark', target: 'meta', and: 0xffffbfff, xor: 0x4000 }]);
    const masq = rulesOf(overall(), 'kube-proxy', 'masquerading');
    expect(masq.map((r) => r.text)).toEqual(['meta mark & 0x4000 == 0 return', 'meta mark set meta mark xor 0x4000', 'masquerade fully-random']);
    expect(masq[1]!.exprs).toEqual([{ kind: 'mark', target: 'meta', and: 0xffffffff, xor: 0x4000 }]);
  });

  it('reads base chains with priorities and rule comments', () => {
    expect(chain(table(overall(), 'kube-proxy'), 'filter-prerouting-pre-dnat').base).toEqual({ type: 'filter', hook: 'prerouting', priority: -110, policy: 'accept' });
    expect(chain(table(overall(), 'kube-proxy'), 'nat-postrouting').base).toEqual({ type: 'nat', hook: 'postrouting', priority: 100, policy: 'accept' });
    const check = rulesOf(overall(), 'kube-proxy', 'cluster-ips-check');
    expect(check[0]!.comment).toBe('Reject traffic to invalid ports of ClusterIPs');
    expect(check[0]!.exprs.at(-1)).toEqual({ kind: 'reject', with: 'icmp port-unreachable' });
    expect(rulesOf(overall(), 'kube-proxy', 'filter-forward')[0]!.exprs[0]).toEqual({
      kind: 'match', left: { kind: 'ct', key: 'state' }, op: 'in', right: { kind: 'set', elements: [{ kind: 'symbol', value: 'new' }] },
    });
  });
});

describe('expression zoo (probe.nft.json)', () => {
  const rs = () => parse(nfFixture('probe.nft.json'));
  const ing = () => rulesOf(rs(), 'probe', 'ing');
  const byHandle = (h: number) => rs().tables.flatMap((t) => t.chains.flatMap((c) => c.rules)).find((r) => r.handle === h)!;

  it('reads chains of every family with hook, priority, policy', () => {
    expect(chain(table(rs(), 'probe'), 'ing').base).toEqual({ type: 'filter', hook: 'input', priority: 5, policy: 'drop' });
    expect(chain(table(rs(), 'ndev'), 'ing').base?.hook).toBe('ingress');
    expect(table(rs(), 'br').family).toBe('bridge');
  });

  it('reads fib, ct status, tcp flags, anonymous sets, ranges and interface wildcards', () => {
    expect(ing()[1]!.exprs[0]).toEqual({ kind: 'match', left: { kind: 'meta', key: 'iifname' }, op: '==', right: { kind: 'string', value: 'veth*' } });
    expect(byHandle(22).exprs[0]).toEqual({ kind: 'match', left: { kind: 'fib', flags: ['saddr', 'iif'], result: 'oif' }, op: '==', right: { kind: 'symbol', value: 'missing' } });
    expect(byHandle(26).exprs[0]).toEqual({
      kind: 'match', left: { kind: 'bitwise', op: '&', left: { kind: 'payload', protocol: 'tcp', field: 'flags' }, right: 0x12 }, op: '==', right: { kind: 'int', value: 2 },
    });
    expect(byHandle(21).exprs[1]).toMatchObject({ right: { kind: 'range', from: { value: 1000 }, to: { value: 2000 } } });
    expect(byHandle(18).exprs[0]).toMatchObject({ op: '!=', right: { kind: 'set', elements: [{ kind: 'prefix', len: 8 }, { kind: 'prefix', len: 12 }] } });
  });

  it('reads mark copies, constant marks, ct zone, nftrace', () => {
    expect(byHandle(33).exprs).toEqual([{ kind: 'mark-copy', from: 'meta', to: 'ct', mask: 0xffffffff }]);
    expect(byHandle(34).exprs).toEqual([{ kind: 'mark-copy', from: 'ct', to: 'meta', mask: 0xffffffff }]);
    expect(byHandle(35).exprs).toEqual([{ kind: 'mark', target: 'meta', and: 0xffff0000, xor: 0 }]);
    expect(byHandle(36).exprs).toEqual([{ kind: 'mark', target: 'ct', and: 0, xor: 0x10 }]);
    expect(byHandle(54).exprs).toEqual([{ kind: 'ct-set', key: 'zone', value: { kind: 'int', value: 5 } }]);
    expect(byHandle(13).exprs).toEqual([{ kind: 'nftrace' }]);
  });

  it('reads every nat form: map lookup, IPv6, port ranges, redirect, masquerade flags', () => {
    expect(byHandle(44).exprs[1]).toEqual({ kind: 'nat', type: 'dnat', family: 'ip', addrMap: { key: { kind: 'payload', protocol: 'ip', field: 'daddr' }, map: { kind: 'ref', name: 'dnatmap' } } });
    expect(byHandle(46).exprs.at(-1)).toEqual({ kind: 'nat', type: 'dnat', family: 'ip6', addr: 'fd00::11', port: 8080 });
    expect(byHandle(48).exprs.at(-1)).toEqual({ kind: 'nat', type: 'dnat', family: 'ip', addr: '10.0.0.7', port: 9000, portTo: 9010 });
    expect(byHandle(47).exprs.at(-1)).toEqual({ kind: 'nat', type: 'redirect', port: 3128 });
    expect(byHandle(50).exprs.at(-1)).toEqual({ kind: 'nat', type: 'masquerade', flags: ['random', 'persistent'] });
    expect(byHandle(52).exprs.at(-1)).toEqual({ kind: 'nat', type: 'masquerade', port: 1024, portTo: 2000 });
    expect(byHandle(53).comment).toBe('hello world');
  });

  it('reads sets and maps: intervals, concatenations with timeout/comment elements, data maps', () => {
    expect(set(rs(), 'probe', 'cidrs').elements.map((e) => e.key)).toEqual([
      { kind: 'prefix', addr: '10.0.0.0', len: 8 },
      { kind: 'addr', value: '172.16.0.1' },
      { kind: 'range', from: { kind: 'addr', value: '192.168.1.1' }, to: { kind: 'addr', value: '192.168.1.9' } },
    ]);
    expect(set(rs(), 'probe', 'ports6').elements[1]).toEqual({
      key: { kind: 'concat', parts: [{ kind: 'addr', value: 'fd00::1' }, { kind: 'symbol', value: 'tcp' }, { kind: 'int', value: 80 }] },
      comment: 'c1',
    });
    const dm = set(rs(), 'probe', 'dnatmap');
    expect(dm.map).toEqual(['ipv4_addr', 'inet_service']);
    expect(dm.elements[0]).toEqual({ key: { kind: 'addr', value: '10.96.0.1' }, value: { kind: 'concat', parts: [{ kind: 'addr', value: '10.0.0.5' }, { kind: 'int', value: 6443 }] } });
  });

  it('reads the numgen inc vmap with offset and renders a readable text', () => {
    expect(byHandle(56).exprs[0]).toMatchObject({ kind: 'vmap', key: { kind: 'numgen', mode: 'inc', mod: 2, offset: 5 } });
    expect(byHandle(56).text).toBe('numgen inc mod 2 offset 5 vmap { 5 : accept, 6 : drop }');
    expect(byHandle(24).text).toBe('icmp type echo-request limit rate 5/second accept');
  });
});

describe('iptables-nft tables in the nft dump', () => {
  it('flags tables with xt expressions or iptables chains as iptables-nft, with xt kept as unknown', () => {
    const rs = parse(readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-nft.nft.json'));
    expect(rs.tables.map((t) => [t.name, t.origin, t.dump])).toEqual([
      ['filter', 'iptables-nft', 'nft-json'],
      ['nat', 'iptables-nft', 'nft-json'],
    ]);
    const rej = rulesOf(rs, 'filter', 'KUBE-SERVICES')[0]!;
    expect(rej.exprs.at(-1)).toMatchObject({ kind: 'unknown-statement', text: 'xt target REJECT', reason: expect.stringContaining('read this table from iptables-save') });
    expect(rej.exprs.find((e) => e.kind === 'always')).toMatchObject({ text: 'xt match comment' });
    const zoo = parse(nfFixture('zoo.iptables-nft.nft.json'));
    expect(zoo.tables.every((t) => t.origin === 'iptables-nft')).toBe(true);
  });
});

describe('bad input', () => {
  const meta = '{"metainfo": {"version": "1.0.6", "json_schema_version": 1}}';

  it('describes any JSON value in a message, even one String() cannot convert (found by the property tests)', () => {
    const e = thrown(() => parse('{"nftables": [{"metainfo": {"json_schema_version": {"toString": {}}}}]}')) as ParseError;
    expect(e).toBeInstanceOf(ParseError);
    expect(e.message).toContain('schema version {"toString":{}}');
  });

  it('checks the schema version first', () => {
    const e = thrown(() => parse('{"nftables": [{"metainfo": {"json_schema_version": 2}}]}')) as ParseError;
    expect(e).toBeInstanceOf(ParseError);
    expect(e.message).toMatch(/schema version 2/);
    expect(e.path).toBe('nftables[0].metainfo.json_schema_version');
  });

  it('names the JSON path of structural errors and says what to capture', () => {
    expect((thrown(() => parse('table ip x {}')) as ParseError).message).toMatch(/nft -j list ruleset/);
    const e = thrown(() => parse(`{"nftables": [${meta}, {"chain": {"family": "ip", "table": "t", "name": "c"}}]}`)) as ParseError;
    expect(e.path).toBe('nftables[1].chain');
    expect(e.message).toMatch(/before its table/);
  });

  it('keeps unknown expressions verbatim with a warning naming their path', () => {
    const rs = parse(`{"nftables": [${meta}, {"table": {"family": "inet", "name": "t"}}, {"chain": {"family": "inet", "table": "t", "name": "c"}},
      {"rule": {"family": "inet", "table": "t", "chain": "c", "handle": 3, "expr": [{"match": {"op": "==", "left": {"osf": {"key": "name"}}, "right": "Linux"}}, {"synproxy": {"mss": 1460}}, {"accept": null}]}}]}`);
    const r = rulesOf(rs, 't', 'c')[0]!;
    expect(r.exprs.map((e) => e.kind)).toEqual(['unknown-match', 'unknown-statement', 'verdict']);
    expect(rs.warnings.map((w) => w.path)).toEqual(['nftables[3].rule.expr[0]', 'nftables[3].rule.expr[1]']);
  });
});
