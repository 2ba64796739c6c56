/**
 * On-use translation (`rules: 'on-use'`, what the node model uses): the structural pass plus per-chain translation on
 * first read must give exactly what the eager parser gives, translate only the chains that are read, and turn a rule
 * that does not translate into an uncertain rule instead of failing the whole dump.
 */
import { describe, expect, it } from 'vitest';
import { ParseError, type ParseWarning } from '../../../src/util/parse-error.js';
import { parseIptablesSave, type IptablesSaveOpts } from '../../../src/parse/netfilter/iptables-save.js';
import { parseNftJson } from '../../../src/parse/netfilter/nft-json.js';
import { rulesPending } from '../../../src/parse/netfilter/on-use-chain.js';
import { ruleCount, type Ruleset } from '../../../src/model/netfilter.js';
import { corpusFiles, readCorpus } from '../../support/corpus.js';
import { chain, nfFixture, table, thrown } from './support.js';

const opts: IptablesSaveOpts = { source: 'test', family: 'ip', origin: 'iptables-nft' };

const byLine = (ws: ParseWarning[]): ParseWarning[] =>
  [...ws].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || a.code.localeCompare(b.code) || a.message.localeCompare(b.message));

/** Reads every chain's rules (translating them all), then returns a plain copy of tables and warnings. */
function forced(rs: Ruleset): { tables: unknown; warnings: ParseWarning[] } {
  for (const t of rs.tables) for (const c of t.chains) void c.rules;
  return { tables: structuredClone(rs.tables), warnings: byLine(rs.warnings) };
}

/** Rules per chain, counted as the consumer sees them (ruleCount must not translate). */
const counts = (rs: Ruleset): number[] => rs.tables.flatMap((t) => t.chains.map(ruleCount));

/** The forced result, or the ParseError's place and message. */
function outcome(parse: () => Ruleset): unknown {
  try {
    return forced(parse());
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return { error: e.message, line: e.line, column: e.column };
  }
}

const SAVE_DUMPS: [string, string, Partial<IptablesSaveOpts>][] = [
  ...corpusFiles('iptables').map((f): [string, string, Partial<IptablesSaveOpts>] => [`corpus iptables/${f}`, readCorpus('iptables', f), f.includes('-S-filter') ? { table: 'filter' } : {}]),
  ['kernel-redump TestOverallIPTablesRules', readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-save.rules'), {}],
  ['zoo', nfFixture('zoo.iptables-save.rules'), {}],
  ['zoo with counters', nfFixture('zoo.iptables-save-c.rules'), {}],
  ['ip6', nfFixture('ip6.ip6tables-save.rules'), { family: 'ip6' }],
  ['legacy', nfFixture('legacy.iptables-save.rules'), { origin: 'iptables-legacy' }],
  ['-S of nat', nfFixture('k8s-TestOverallIPTablesRules.nat.iptables-S.txt'), { table: 'nat' }],
  ['-S of mangle', nfFixture('zoo.mangle.iptables-S.txt'), { table: 'mangle' }],
];

describe('iptables-save, rules translated on use', () => {
  it.each(SAVE_DUMPS)('%s: once every chain is read, equals the eager parse (rules, order, warnings, or the same error)', (_name, text, extra) => {
    // -S output and fragments name no table: give one, as a caller must (the list-format file fails either way).
    for (const strict of [true, false]) {
      const o = { ...opts, table: 'nat', ...extra, strict };
      expect(outcome(() => parseIptablesSave(text, { ...o, rules: 'on-use' }))).toEqual(outcome(() => parseIptablesSave(text, o)));
    }
  });

  it('counts every chain\'s rules without translating them, as many as the eager parse has', () => {
    for (const [, text, extra] of SAVE_DUMPS.filter(([name]) => !name.includes('list-filter'))) {
      const o = { ...opts, table: 'nat', strict: false, ...extra };
      const onUse = parseIptablesSave(text, { ...o, rules: 'on-use' });
      expect(counts(onUse)).toEqual(counts(parseIptablesSave(text, o)));
      expect(onUse.tables.flatMap((t) => t.chains).every(rulesPending)).toBe(true);
    }
  });

  it('translates a chain only when its rules are read', () => {
    const rs = parseIptablesSave(readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-save.rules'), { ...opts, rules: 'on-use' });
    const nat = table(rs, 'nat');
    const withRules = nat.chains.filter(rulesPending);
    expect(withRules.length).toBeGreaterThan(10);
    const services = chain(nat, 'KUBE-SERVICES');
    expect(services.rules.length).toBeGreaterThan(0);
    expect(rulesPending(services)).toBe(false);
    expect(withRules.filter(rulesPending)).toHaveLength(withRules.length - 1);
    // The chain holds a plain array afterwards: the same object on every read.
    expect(services.rules).toBe(services.rules);
  });

  it('a rule that does not tokenise is an uncertain rule with a warning, not a failed dump', () => {
    const text = ['*filter', ':INPUT ACCEPT [0:0]', ':X - [0:0]', '-A X -s 10.0.0.1/32 -j ACCEPT', '-A X -m comment --comment "open -j DROP', '-A INPUT -j X', 'COMMIT', ''].join('\n');
    const e = thrown(() => parseIptablesSave(text, opts));
    expect(e).toBeInstanceOf(ParseError);
    expect(e).toMatchObject({ line: 5 });

    const rs = parseIptablesSave(text, { ...opts, rules: 'on-use' });
    expect(rs.warnings).toEqual([]);
    const x = chain(table(rs, 'filter'), 'X');
    expect(x.rules.map((r) => r.exprs.map((ex) => ex.kind))).toEqual([['match', 'verdict'], ['unknown-match']]);
    expect(x.rules[1]).toMatchObject({ index: 1, line: 5, exprs: [{ reason: expect.stringContaining('unterminated double quote') }] });
    expect(rs.warnings).toEqual([expect.objectContaining({ code: 'parse-error', line: 5 })]);
  });

  it('structural errors are still ParseErrors at the same line and column', () => {
    const undeclared = ['*filter', ':INPUT ACCEPT [0:0]', '-A NOPE -j ACCEPT', 'COMMIT', ''].join('\n');
    const noCommit = ['*filter', ':INPUT ACCEPT [0:0]', '-A INPUT -j ACCEPT', ''].join('\n');
    for (const text of [undeclared, noCommit]) {
      const eager = thrown(() => parseIptablesSave(text, opts));
      const onUse = thrown(() => parseIptablesSave(text, { ...opts, rules: 'on-use' }));
      expect(onUse).toBeInstanceOf(ParseError);
      expect(onUse).toMatchObject({ message: (eager as ParseError).message, line: (eager as ParseError).line, column: (eager as ParseError).column });
    }
  });

  it('a fragment appending to a chain it declares later keeps its rules in line order', () => {
    const text = ['-A X -s 10.0.0.1/32 -j ACCEPT', '-N X', '-A X -s 10.0.0.2/32 -j DROP', '-A X -s 10.0.0.3/32 -j RETURN', ''].join('\n');
    const o = { ...opts, table: 'filter', strict: false };
    const eager = parseIptablesSave(text, o);
    const onUse = parseIptablesSave(text, { ...o, rules: 'on-use' });
    expect(chain(table(onUse, 'filter'), 'X').rules.map((r) => r.line)).toEqual([1, 3, 4]);
    expect(forced(onUse)).toEqual(forced(eager));
  });
});

const NFT_DUMPS: [string, string][] = [
  ...corpusFiles('kernel-redump').filter((f) => f.endsWith('.json')).map((f): [string, string] => [`kernel-redump/${f}`, readCorpus('kernel-redump', f)]),
  ['probe.nft.json', nfFixture('probe.nft.json')],
  ['k8s-TestOverallNFTablesRules.nft.json', nfFixture('k8s-TestOverallNFTablesRules.nft.json')],
  ['zoo.iptables-nft.nft.json', nfFixture('zoo.iptables-nft.nft.json')],
  ['ip6.ip6tables-nft.nft.json', nfFixture('ip6.ip6tables-nft.nft.json')],
  ['synthetic-20x5.kube-proxy.nft.json', nfFixture('synthetic-20x5.kube-proxy.nft.json')],
];

describe('nft -j, rules parsed on use', () => {
  // nft prints compact JSON; re-serialising a pretty-printed file gives exactly that shape.
  it.each(NFT_DUMPS)('%s (as printed and compact): once every chain is read, equals the eager parse', (_name, text) => {
    for (const t of [text, JSON.stringify(JSON.parse(text))]) {
      expect(outcome(() => parseNftJson(t, { source: 'test', rules: 'on-use' }))).toEqual(outcome(() => parseNftJson(t, { source: 'test' })));
    }
  });

  it('counts every chain\'s rules without parsing them, as many as the eager parse has', () => {
    for (const [, text] of NFT_DUMPS) {
      const compact = JSON.stringify(JSON.parse(text));
      const onUse = parseNftJson(compact, { source: 'test', rules: 'on-use' });
      expect(counts(onUse)).toEqual(counts(parseNftJson(compact, { source: 'test' })));
      expect(onUse.tables.flatMap((t) => t.chains).every(rulesPending)).toBe(true);
    }
  });

  it('compact text is read on use: chains stay untranslated until read; other text is parsed eagerly', () => {
    const text = JSON.stringify(JSON.parse(nfFixture('k8s-TestOverallNFTablesRules.nft.json')));
    const rs = parseNftJson(text, { source: 'test', rules: 'on-use' });
    const kp = table(rs, 'kube-proxy');
    const services = chain(kp, 'services');
    expect(kp.chains.every(rulesPending)).toBe(true);
    expect(services.rules.length).toBeGreaterThan(0);
    expect(kp.chains.filter(rulesPending)).toHaveLength(kp.chains.length - 1);
    const pretty = parseNftJson(JSON.stringify(JSON.parse(text), null, 1), { source: 'test', rules: 'on-use' });
    expect(pretty.tables.flatMap((t) => t.chains).some(rulesPending)).toBe(false);
  });

  it('a rule item that is not valid JSON is an uncertain rule with a warning on use, and a ParseError eagerly', () => {
    const doc = JSON.parse(nfFixture('k8s-TestOverallNFTablesRules.nft.json')) as { nftables: Record<string, { chain?: string }>[] };
    const at = doc.nftables.findIndex((i) => i['rule']?.chain === 'services');
    const broken = JSON.stringify(doc).replace(JSON.stringify(doc.nftables[at]), (s) => s.replace('"expr":[', '"expr":[,'));
    expect(thrown(() => parseNftJson(broken, { source: 'test' }))).toBeInstanceOf(ParseError);

    const rs = parseNftJson(broken, { source: 'test', rules: 'on-use' });
    const first = chain(table(rs, 'kube-proxy'), 'services').rules[0]!;
    expect(first.exprs).toEqual([{ kind: 'unknown-match', text: expect.stringContaining('"chain":"services"'), reason: expect.stringMatching(/^not parsed: /) }]);
    expect(rs.warnings).toContainEqual(expect.objectContaining({ code: 'parse-error', path: `nftables[${at}].rule` }));
  });

  it('structural errors are the eager parser\'s errors', () => {
    const text = JSON.stringify(JSON.parse(nfFixture('probe.nft.json')));
    for (const bad of [text.replace('"json_schema_version":1', '"json_schema_version":2'), text.slice(0, -3), text.replace('{"table":', '{"tablet":')]) {
      expect(outcome(() => parseNftJson(bad, { source: 'test', rules: 'on-use' }))).toEqual(outcome(() => parseNftJson(bad, { source: 'test' })));
    }
  });
});
