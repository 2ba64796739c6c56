import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/util/parse-error.js';
import { parseIptablesSave, type IptablesSaveOpts } from '../../../src/parse/netfilter/iptables-save.js';
import type { Expr, Ruleset } from '../../../src/model/netfilter.js';
import { corpusFiles, readCorpus } from '../../support/corpus.js';
import { chain, exprsOf, nfFixture, table, thrown } from './support.js';

const opts = (source: string, extra: Partial<IptablesSaveOpts> = {}): IptablesSaveOpts => ({ source, family: 'ip', origin: 'iptables-nft', ...extra });
const parse = (text: string, extra: Partial<IptablesSaveOpts> = {}): Ruleset => parseIptablesSave(text, opts('test', extra));
const rulesIn = (rs: Ruleset, t: string, c: string) => chain(table(rs, t), c).rules;

/** How each corpus file in iptables/ is read: the -S files need their table, the fragment is non-strict. */
const CORPUS_OPTS: Record<string, Partial<IptablesSaveOpts>> = {
  'real-eks-aws-vpc-cni-node-iptables-S-filter.txt': { table: 'filter' },
  'real-eks-aws-vpc-cni-node-iptables-S-nat.txt': { table: 'nat' },
  'k8s-docs-debug-service-iptables-save-grep-hostnames.FRAGMENT.rules': { table: 'nat', strict: false },
};
const LIST_FORMAT = new Set(['real-node-flannel-weave-iptables-list-filter.txt']);

describe('parseIptablesSave on the corpus', () => {
  for (const file of corpusFiles('iptables')) {
    if (LIST_FORMAT.has(file)) continue;
    it(`parses ${file} with every rule kept`, () => {
      const text = readCorpus('iptables', file);
      const rs = parseIptablesSave(text, opts(file, CORPUS_OPTS[file]));
      const ruleLines = text.split('\n').filter((l) => /^(\[\d+:\d+\] )?-A /.test(l)).length;
      expect(rs.tables.flatMap((t) => t.chains.flatMap((c) => c.rules))).toHaveLength(ruleLines);
      expect(rs.warnings.filter((w) => w.code === 'unknown-match' || w.code === 'unknown-target')).toEqual([]);
    });
  }

  it('the kernel re-dump of TestOverallIPTablesRules parses without warnings', () => {
    const rs = parseIptablesSave(readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-save.rules'), opts('redump'));
    expect(rs.warnings).toEqual([]);
    expect(rs.tables.map((t) => t.name)).toEqual(['filter', 'nat']);
  });

  it('says that `iptables -L` output is not save format, and what to capture instead', () => {
    for (const [folder, file] of [
      ['iptables', 'real-node-flannel-weave-iptables-list-filter.txt'],
      ['ipvs', 'k8s-ipvs-readme-iptables-nat-nL-loadbalancer.txt'],
    ] as const) {
      const e = thrown(() => parseIptablesSave(readCorpus(folder, file), opts(file)));
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).message).toMatch(/this is `iptables -L` output.*capture with iptables-save/);
      expect((e as ParseError).line).toBe(folder === 'iptables' ? 2 : 1);
    }
  });
});

describe('kube-proxy TestOverallIPTablesRules', () => {
  const rs = () => parseIptablesSave(readCorpus('iptables', 'k8s-proxier-test-TestOverallIPTablesRules.rules'), opts('overall'));

  it('keeps the statistic probabilities of the endpoint choice', () => {
    const svc4 = rulesIn(rs(), 'nat', 'KUBE-SVC-4SW47YFZTEDKD3PK');
    expect(svc4.map((r) => r.exprs.find((e) => e.kind === 'random'))).toEqual([undefined, { kind: 'random', probability: 0.5 }, undefined]);
    expect(svc4[1]!.exprs.at(-1)).toEqual({ kind: 'verdict', verdict: 'jump', target: 'KUBE-SEP-UKSFD7AGPMPPLUHC' });
    expect(svc4[1]!.comment).toBe('ns4/svc4:p80 -> 10.180.0.4:80');
  });

  it('reads the DNAT targets of every endpoint chain', () => {
    const nat = table(rs(), 'nat');
    const dnats = nat.chains.filter((c) => c.name.startsWith('KUBE-SEP-')).flatMap((c) => exprsOf(c.rules, 'nat'));
    expect(dnats.map((d) => `${d.addr}:${d.port}`).sort()).toEqual(
      ['10.180.0.1:80', '10.180.0.2:80', '10.180.0.3:80', '10.180.0.3:80', '10.180.0.4:80', '10.180.0.5:80'],
    );
    expect(dnats.every((d) => d.type === 'dnat' && d.family === 'ip')).toBe(true);
  });

  it('turns KUBE-MARK-MASQ and the KUBE-POSTROUTING clear into the kernel and/xor form', () => {
    expect(rulesIn(rs(), 'nat', 'KUBE-MARK-MASQ')[0]!.exprs).toEqual([{ kind: 'mark', target: 'meta', and: 0xffffbfff, xor: 0x4000 }]);
    const post = rulesIn(rs(), 'nat', 'KUBE-POSTROUTING');
    expect(post[0]!.exprs).toEqual([
      { kind: 'match', left: { kind: 'bitwise', op: '&', left: { kind: 'meta', key: 'mark' }, right: 0x4000 }, op: '!=', right: { kind: 'int', value: 0x4000 } },
      { kind: 'verdict', verdict: 'return' },
    ]);
    expect(post[1]!.exprs).toEqual([{ kind: 'mark', target: 'meta', and: 0xffffffff, xor: 0x4000 }]);
    expect(post[2]!.exprs).toEqual([{ kind: 'nat', type: 'masquerade' }]);
  });

  it('models session affinity with recent rcheck/set', () => {
    const svc5 = rulesIn(rs(), 'nat', 'KUBE-SVC-NUKIZ6OKUXPJNT4C');
    expect(exprsOf(svc5, 'recent')).toEqual([{ kind: 'recent', name: 'KUBE-SEP-I77PXRDZVX7PMWMN', mode: 'rcheck', seconds: 10800, reap: true, side: 'src' }]);
    const sep = rulesIn(rs(), 'nat', 'KUBE-SEP-I77PXRDZVX7PMWMN');
    expect(sep[1]!.exprs.map((e) => e.kind)).toEqual(['recent', 'match', 'nat']);
  });

  it('rejects services without endpoints and keeps nfacct as an always-match', () => {
    const rej = rulesIn(rs(), 'filter', 'KUBE-SERVICES')[0]!;
    expect(rej.comment).toBe('ns6/svc6:p80 has no endpoints');
    expect(rej.exprs.at(-1)).toEqual({ kind: 'reject' });
    const fwd = rulesIn(rs(), 'filter', 'KUBE-FORWARD')[0]!;
    expect(fwd.exprs[1]).toMatchObject({ kind: 'always', reason: expect.stringContaining('accounting only') });
    expect(fwd.text).toContain('--nfacct-name ct_state_invalid_dropped_pkts');
    expect(fwd.line).toBe(14);
  });

  it('maps addrtype to fib and conntrack states to flag sets', () => {
    const last = rulesIn(rs(), 'nat', 'KUBE-SERVICES').at(-1)!;
    expect(last.exprs[0]).toEqual({ kind: 'match', left: { kind: 'fib', flags: ['daddr'], result: 'type' }, op: '==', right: { kind: 'symbol', value: 'local' } });
    const fw = rulesIn(rs(), 'filter', 'KUBE-FIREWALL')[0]!;
    expect(fw.exprs[2]).toEqual({
      kind: 'match',
      left: { kind: 'ct', key: 'state' },
      op: '!=',
      right: { kind: 'set', elements: ['related', 'established', 'dnat'].map((value) => ({ kind: 'symbol', value })) },
    });
  });

  it("reads pkttype's unicast as the kernel's PACKET_HOST, nft's `host` (test/lab/match-oracle.test.ts holds it to the kernel)", () => {
    const rules = rulesIn(parse('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m pkttype --pkt-type unicast\n-A INPUT -m pkttype ! --pkt-type Broadcast\nCOMMIT\n'), 'filter', 'INPUT');
    expect(rules.map((r) => r.exprs[0])).toEqual([
      { kind: 'match', left: { kind: 'meta', key: 'pkttype' }, op: '==', right: { kind: 'symbol', value: 'host' } },
      { kind: 'match', left: { kind: 'meta', key: 'pkttype' }, op: '!=', right: { kind: 'symbol', value: 'broadcast' } },
    ]);
  });

  it('gives user chains no base and the tables no built-in chains the dump did not declare', () => {
    expect(table(rs(), 'nat').chains.every((c) => c.base === undefined)).toBe(true);
  });
});

describe('real nodes and other formats', () => {
  it('reads `iptables -S` (EKS nat): policies, AWS CONNMARK restore with masks, set-xmark marks', () => {
    const rs = parseIptablesSave(readCorpus('iptables', 'real-eks-aws-vpc-cni-node-iptables-S-nat.txt'), opts('eks', { table: 'nat' }));
    const pre = rulesIn(rs, 'nat', 'PREROUTING');
    expect(chain(table(rs, 'nat'), 'PREROUTING').base).toEqual({ type: 'nat', hook: 'prerouting', priority: -100, policy: 'accept' });
    expect(pre[1]!.exprs[0]).toEqual({ kind: 'match', left: { kind: 'meta', key: 'iifname' }, op: '==', right: { kind: 'string', value: 'eni*' } });
    expect(pre[2]!.exprs).toEqual([{ kind: 'mark-copy', from: 'ct', to: 'meta', mask: 0x80 }]);
    expect(rulesIn(rs, 'nat', 'KUBE-MARK-MASQ')[0]!.exprs).toEqual([{ kind: 'mark', target: 'meta', and: 0xffffbfff, xor: 0x4000 }]);
    expect(rulesIn(rs, 'nat', 'KUBE-POSTROUTING').flatMap((r) => r.exprs).filter((e) => e.kind === 'nat')).toEqual([
      { kind: 'nat', type: 'masquerade', flags: ['fully-random'] },
    ]);
  });

  it('requires the table for -S output and for fragments, and reads the fragment non-strictly', () => {
    expect((thrown(() => parse('-P INPUT ACCEPT\n')) as ParseError).message).toMatch(/does not name its table/);
    const frag = readCorpus('iptables', 'k8s-docs-debug-service-iptables-save-grep-hostnames.FRAGMENT.rules');
    expect((thrown(() => parse(frag)) as ParseError).message).toMatch(/rule before any \*table/);
    expect((thrown(() => parse(frag, { table: 'nat' })) as ParseError).message).toMatch(/chain not declared/);
    const rs = parse(frag, { table: 'nat', strict: false });
    const svc = rulesIn(rs, 'nat', 'KUBE-SVC-NWV5X2332I4OT4T3');
    expect(exprsOf(svc, 'random').map((r) => r.probability)).toEqual([0.33332999982, 0.5]);
    expect(rs.warnings.some((w) => w.code === 'undeclared-chain')).toBe(true);
    // Old kube-proxy: the SEP marks with --set-xmark 0x00004000/0x00004000, the same as --or-mark 0x4000.
    expect(exprsOf(rulesIn(rs, 'nat', 'KUBE-SEP-57KPRZ3JQVENLNBR'), 'mark')).toEqual([{ kind: 'mark', target: 'meta', and: 0xffffbfff, xor: 0x4000 }]);
  });

  it('reads unquoted multi-word comments (upstream cleanup test input) with a warning', () => {
    const rs = parse(readCorpus('iptables', 'k8s-cleanup-test-initial-filter-nat-mangle.rules'));
    expect(rulesIn(rs, 'filter', 'INPUT')[1]!.comment).toBe('kubernetes health check service ports');
    expect(rs.warnings.some((w) => w.code === 'unquoted-comment' && w.line === 14)).toBe(true);
    expect(rs.tables.map((t) => t.name)).toEqual(['filter', 'nat', 'mangle']);
  });
});

describe('kernel-produced fixtures (iptables-nft and legacy)', () => {
  const zoo = () => parse(nfFixture('zoo.iptables-save.rules'));

  it('translates the match/target zoo; only u32 and string stay unknown', () => {
    const unknown = zoo().tables.flatMap((t) => t.chains.flatMap((c) => exprsOf(c.rules, 'unknown-match')));
    expect(unknown.map((u) => u.text)).toEqual(['-m u32 --u32 "0x0>>0x16&0x3c@0x8=0x1"', '-m string --string "GET /" --algo bm']);
    expect(zoo().warnings.map((w) => w.code)).toEqual(['unknown-match', 'unknown-match']);
    expect(zoo().tables.flatMap((t) => t.chains.flatMap((c) => exprsOf(c.rules, 'unknown-statement')))).toEqual([]);
  });

  const out = () => rulesIn(zoo(), 'mangle', 'OUTPUT');
  const find = (pred: (e: Expr) => boolean): Expr | undefined => out().flatMap((r) => r.exprs).find(pred);

  it('normalises MARK --and-mark / --xor-mark as the kernel prints them back', () => {
    // Input: --and-mark 0xffff00ff, --xor-mark 0x10; the kernel prints --set-xmark 0x0/0xff00 and 0x10/0x0.
    expect(out()[0]!.exprs).toEqual([{ kind: 'mark', target: 'meta', and: 0xffff00ff, xor: 0 }]);
    expect(out()[1]!.exprs).toEqual([{ kind: 'mark', target: 'meta', and: 0xffffffff, xor: 0x10 }]);
    expect(out()[2]!.exprs).toEqual([{ kind: 'mark-copy', from: 'meta', to: 'ct', mask: 0xffffffff }]);
  });

  it('reads multiport, ipset, recent, nth, tcp flags, physdev, TPROXY and CT', () => {
    expect(find((e) => e.kind === 'match' && e.right.kind === 'set' && e.left.kind === 'payload')).toMatchObject({
      right: { elements: [{ value: 80 }, { value: 443 }, { kind: 'range', from: { value: 8000 }, to: { value: 8010 } }] },
    });
    expect(exprsOf(out(), 'ipset')).toEqual([
      { kind: 'ipset', name: 'KUBE-CLUSTER-IP', dirs: ['dst', 'dst'], negate: false },
      { kind: 'ipset', name: 'cali40all-ipam-pools', dirs: ['src'], negate: true },
    ]);
    expect(exprsOf(out(), 'nth')).toEqual([{ kind: 'nth', every: 3, packet: 1 }]);
    expect(exprsOf(rulesIn(zoo(), 'filter', 'INPUT'), 'recent')).toEqual([
      { kind: 'recent', name: 'SSH', mode: 'update', seconds: 60, hitcount: 4, mask: '255.255.255.255', side: 'src' },
    ]);
    const syn = rulesIn(zoo(), 'mangle', 'OUTPUT').find((r) => r.text.includes('--tcp-flags FIN,SYN,RST,ACK SYN'))!;
    expect(syn.exprs[2]).toEqual({ kind: 'match', left: { kind: 'bitwise', op: '&', left: { kind: 'payload', protocol: 'tcp', field: 'flags' }, right: 0x17 }, op: '==', right: { kind: 'int', value: 2 } });
    expect(rulesIn(zoo(), 'mangle', 'FORWARD')[1]!.exprs.slice(0, 2)).toEqual([
      { kind: 'match', left: { kind: 'meta', key: 'physdev-in' }, op: '==', right: { kind: 'string', value: 'veth*' } },
      { kind: 'match', left: { kind: 'meta', key: 'physdev-is-bridged' }, op: '==', right: { kind: 'int', value: 1 } },
    ]);
    expect(exprsOf(rulesIn(zoo(), 'mangle', 'PREROUTING'), 'tproxy')).toEqual([
      { kind: 'tproxy', family: 'ip', port: 3128, addr: '127.0.0.1', mark: { and: 0xfffffffe, xor: 1 } },
    ]);
    expect(rulesIn(zoo(), 'raw', 'PREROUTING').map((r) => r.exprs.at(-1))).toEqual([
      { kind: 'notrack' },
      { kind: 'ct-set', key: 'helper', value: { kind: 'string', value: 'ftp' } },
      { kind: 'ct-set', key: 'zone', value: { kind: 'int', value: 3 } },
    ]);
  });

  it('types the mangle OUTPUT chain as route and reads FORWARD DROP policy', () => {
    expect(chain(table(zoo(), 'mangle'), 'OUTPUT').base).toEqual({ type: 'route', hook: 'output', priority: -150, policy: 'accept' });
    expect(chain(table(zoo(), 'filter'), 'FORWARD').base?.policy).toBe('drop');
    expect(chain(table(zoo(), 'raw'), 'PREROUTING').base?.priority).toBe(-300);
  });

  it('reads SNAT flags, REDIRECT, goto and negated interfaces (Docker)', () => {
    const post = rulesIn(zoo(), 'nat', 'POSTROUTING');
    expect(post[1]!.exprs.at(-1)).toEqual({ kind: 'nat', type: 'snat', addr: '1.2.3.4', family: 'ip', flags: ['random', 'persistent'] });
    expect(rulesIn(zoo(), 'nat', 'PREROUTING')[1]!.exprs.at(-1)).toEqual({ kind: 'nat', type: 'redirect', port: 3129 });
    expect(rulesIn(zoo(), 'nat', 'OUTPUT')[0]!.exprs.at(-1)).toEqual({ kind: 'verdict', verdict: 'goto', target: 'DOCKER' });
    expect(post[0]!.exprs[1]).toEqual({ kind: 'match', left: { kind: 'meta', key: 'oifname' }, op: '!=', right: { kind: 'string', value: 'docker0' } });
  });

  it('reads counters (-c) the same as without, and the -S form of the same table', () => {
    const withCounters = parse(nfFixture('zoo.iptables-save-c.rules'));
    const strip = (rs: Ruleset) => rs.tables.map((t) => t.chains.map((c) => c.rules.map((r) => r.exprs)));
    expect(strip(withCounters)).toEqual(strip(zoo()));
    const s = parse(nfFixture('zoo.mangle.iptables-S.txt'), { table: 'mangle' });
    expect(table(s, 'mangle').chains.map((c) => c.rules.map((r) => r.exprs))).toEqual(table(zoo(), 'mangle').chains.map((c) => c.rules.map((r) => r.exprs)));
  });

  it('reads ip6tables-save: IPv6 DNAT with brackets, icmpv6, ip6 payloads', () => {
    const rs = parseIptablesSave(nfFixture('ip6.ip6tables-save.rules'), opts('ip6', { family: 'ip6' }));
    expect(rulesIn(rs, 'nat', 'KUBE-SEP-V6')[0]!.exprs.at(-1)).toEqual({ kind: 'nat', type: 'dnat', addr: 'fd00:10:244::5', port: 6443, family: 'ip6' });
    expect(rulesIn(rs, 'nat', 'KUBE-SVC-V6')[0]!.exprs[0]).toEqual({ kind: 'match', left: { kind: 'payload', protocol: 'ip6', field: 'daddr' }, op: '==', right: { kind: 'addr', value: 'fd00:10:96::1' } });
    expect(exprsOf(rulesIn(rs, 'nat', 'KUBE-SVC-V6'), 'random')[0]!.probability).toBeCloseTo(1 / 3, 9);
    expect(rulesIn(rs, 'filter', 'INPUT')[0]!.exprs[1]).toEqual({ kind: 'match', left: { kind: 'payload', protocol: 'icmpv6', field: 'type' }, op: '==', right: { kind: 'int', value: 128 } });
    expect(table(rs, 'nat').family).toBe('ip6');
  });

  it('reads the legacy backend header', () => {
    const rs = parseIptablesSave(nfFixture('legacy.iptables-save.rules'), opts('legacy', { origin: 'iptables-legacy' }));
    expect(rs.tables[0]).toMatchObject({ name: 'nat', origin: 'iptables-legacy', dump: 'iptables-save' });
    expect(rulesIn(rs, 'nat', 'KUBE-MARK-MASQ')[0]!.exprs).toEqual([{ kind: 'mark', target: 'meta', and: 0xffffbfff, xor: 0x4000 }]);
  });
});

describe('structure, quoting and unknowns', () => {
  const head = '*filter\n:INPUT ACCEPT [0:0]\n:X - [0:0]\n';

  it('points structural errors at line and column', () => {
    const missing = thrown(() => parse(`${head}-A INPUT -j ACCEPT\n`)) as ParseError;
    expect(missing).toBeInstanceOf(ParseError);
    expect(missing.message).toMatch(/\*filter \(line 1\) has no COMMIT/);
    const undeclared = thrown(() => parse(`${head}-A NOPE -j ACCEPT\nCOMMIT\n`)) as ParseError;
    expect([undeclared.line, undeclared.column]).toEqual([4, 4]);
    const quote = thrown(() => parse(`${head}-A INPUT -m comment --comment "open -j ACCEPT\nCOMMIT\n`)) as ParseError;
    expect([quote.line, quote.column]).toEqual([4, 31]);
    expect((thrown(() => parse('COMMIT\n')) as ParseError).line).toBe(1);
    expect((thrown(() => parse(`${head}bogus\nCOMMIT\n`)) as ParseError).message).toMatch(/unexpected line/);
  });

  it('unescapes quoted comments like iptables-save writes them', () => {
    const rs = parse(`${head}-A INPUT -m comment --comment "say \\"hi\\" \\\\ -j DROP" -j X\nCOMMIT\n`);
    const r = rulesIn(rs, 'filter', 'INPUT')[0]!;
    expect(r.comment).toBe('say "hi" \\ -j DROP');
    expect(r.exprs).toEqual([{ kind: 'verdict', verdict: 'jump', target: 'X' }]);
  });

  it('keeps unknown matches and targets verbatim, with warnings, never dropping the rule', () => {
    const rs = parse(`${head}-A INPUT -m bpf --bytecode "4,48 0 0 9" -j FOO --bar 1\n-A INPUT -p tcp --dport 22 --frobnicate -j ACCEPT\nCOMMIT\n`);
    const [a, b] = rulesIn(rs, 'filter', 'INPUT');
    expect(a!.exprs).toEqual([
      { kind: 'unknown-match', text: '-m bpf --bytecode "4,48 0 0 9"', reason: 'match module bpf is not modelled' },
      { kind: 'unknown-statement', text: '-j FOO --bar 1', reason: 'target FOO is not modelled' },
    ]);
    // An unknown option poisons its whole module: the match is not half-translated.
    expect(b!.exprs.map((e) => e.kind)).toEqual(['match', 'unknown-match', 'verdict']);
    expect(rs.warnings.map((w) => [w.code, w.line])).toEqual([
      ['unknown-match', 4],
      ['unknown-target', 4],
      ['unknown-match', 5],
    ]);
  });

  it('reads -s lists, old `-s ! addr` negation, masks and MARK --set-mark', () => {
    const rs = parse(`${head}-A INPUT -s 10.0.0.1,10.1.0.0/16 -d ! 192.168.0.0/255.255.0.0 -j MARK --set-mark 0x1/0xff\nCOMMIT\n`);
    expect(rulesIn(rs, 'filter', 'INPUT')[0]!.exprs).toEqual([
      { kind: 'match', left: { kind: 'payload', protocol: 'ip', field: 'saddr' }, op: '==', right: { kind: 'set', elements: [{ kind: 'addr', value: '10.0.0.1' }, { kind: 'prefix', addr: '10.1.0.0', len: 16 }] } },
      { kind: 'match', left: { kind: 'payload', protocol: 'ip', field: 'daddr' }, op: '!=', right: { kind: 'prefix', addr: '192.168.0.0', len: 16 } },
      { kind: 'mark', target: 'meta', and: 0xffffff00, xor: 1 },
    ]);
  });

  it('treats input words that name Object.prototype members as plain unknown names', () => {
    const rs = parse('*constructor\n:constructor ACCEPT [0:0]\n-A constructor -m constructor --x -p toString --dport 1 -j toString\nCOMMIT\n');
    expect(rulesIn(rs, 'constructor', 'constructor')[0]!.exprs.map((e) => e.kind)).toEqual(['unknown-match', 'match', 'unknown-match', 'unknown-statement']);
    expect(chain(table(rs, 'constructor'), 'constructor').base).toBeUndefined();
  });

  it('reads the Calico and Cilium idioms: -p ipv4 (IPIP), rpfilter --validmark --invert, socket --nowildcard', () => {
    const rs = parse(`${head}-A INPUT -p ipv4 -m comment --comment "cali:PajejrV4aFdkZojI" -j ACCEPT\n-A INPUT -m rpfilter --validmark --invert -j DROP\n-A INPUT -p tcp -m socket --transparent --nowildcard -j MARK --set-xmark 0x200/0xffffffff\nCOMMIT\n`);
    const [ipip, rpf, sock] = rulesIn(rs, 'filter', 'INPUT');
    expect(ipip!.exprs[0]).toEqual({ kind: 'match', left: { kind: 'meta', key: 'l4proto' }, op: '==', right: { kind: 'symbol', value: 'ipencap' } });
    expect(ipip!.comment).toBe('cali:PajejrV4aFdkZojI');
    expect(rpf!.exprs[0]).toEqual({ kind: 'match', left: { kind: 'fib', flags: ['saddr', 'mark', 'iif'], result: 'oif' }, op: '==', right: { kind: 'symbol', value: 'missing' } });
    expect(sock!.exprs.slice(1, 4)).toEqual([
      { kind: 'match', left: { kind: 'socket', key: 'exists' }, op: '==', right: { kind: 'int', value: 1 } },
      { kind: 'match', left: { kind: 'socket', key: 'transparent' }, op: '==', right: { kind: 'int', value: 1 } },
      { kind: 'match', left: { kind: 'socket', key: 'wildcard' }, op: '==', right: { kind: 'int', value: 0 } },
    ]);
    expect(sock!.exprs[4]).toEqual({ kind: 'mark', target: 'meta', and: 0, xor: 0x200 });
  });
});
