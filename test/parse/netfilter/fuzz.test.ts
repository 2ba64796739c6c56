/** Property tests: random and mutated dumps never make a parser throw anything but ParseError. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Ruleset } from '../../../src/model/netfilter.js';
import { ParseError } from '../../../src/util/parse-error.js';
import { parseIpsetSave } from '../../../src/parse/netfilter/ipset.js';
import { parseIptablesSave } from '../../../src/parse/netfilter/iptables-save.js';
import { parseNftJson } from '../../../src/parse/netfilter/nft-json.js';
import { corpusFiles, readCorpus } from '../../support/corpus.js';
import { FUZZ_RUNS, nfFixture } from './support.js';

/** Runs f; a ParseError is an accepted outcome, anything else fails the property. */
function onlyParseError(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof ParseError) return true;
    throw e;
  }
}

const SAVE_TEXTS = [
  ...corpusFiles('iptables').map((f) => readCorpus('iptables', f)),
  readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-save.rules'),
  nfFixture('zoo.iptables-save.rules'),
  nfFixture('zoo.iptables-save-c.rules'),
  nfFixture('ip6.ip6tables-save.rules'),
];
const JSON_TEXTS = [
  ...corpusFiles('kernel-redump').filter((f) => f.endsWith('.json')).map((f) => readCorpus('kernel-redump', f)),
  nfFixture('probe.nft.json'),
  nfFixture('k8s-TestOverallNFTablesRules.nft.json'),
];
const WORDS = ['"', '\\', '!', ' ', '\n', '-A', '-N', '-P', '-m', '-j', '-g', '-s', '-p', '-c', '--dport', '--mark', '0x4000/0x4000',
  ':', '*nat', '*filter', 'COMMIT', ':X - [0:0]', '[1:2]', 'tcp', 'KUBE-SVC-X', 'recent', '--set-xmark', '[::1]:80', '10.0.0.1/33', '+', '#', 'constructor', '__proto__', 'toString'];

/** A text with up to 8 edits (delete a span, insert a word, duplicate a span) at random places. */
const mutated = (texts: string[], words: string[]) =>
  fc
    .tuple(
      fc.constantFrom(...texts),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.constantFrom('del', 'ins', 'dup'), fc.constantFrom(...words)), { maxLength: 8 }),
    )
    .map(([text, edits]) => {
      let t = text;
      for (const [pos, len, op, word] of edits) {
        const p = t.length === 0 ? 0 : pos % t.length;
        if (op === 'del') t = t.slice(0, p) + t.slice(p + len);
        else if (op === 'ins') t = t.slice(0, p) + word + t.slice(p);
        else t = t.slice(0, p) + t.slice(p, p + len) + t.slice(p);
      }
      return t;
    });

/** A kernel JSON dump with up to 6 values of one of its objects replaced by random JSON, or deleted. */
const mutatedJson = fc
  .tuple(
    fc.constantFrom(...JSON_TEXTS.map((t) => JSON.parse(t) as { nftables: unknown[] })),
    fc.nat(),
    fc.array(fc.tuple(fc.nat(), fc.option(fc.jsonValue({ maxDepth: 3 }))), { maxLength: 6 }),
  )
  .map(([doc, which, edits]) => {
    const items = [...doc.nftables];
    const k = which % items.length;
    const item = structuredClone(items[k]);
    const slots: [Record<string, unknown> | unknown[], string | number][] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach((x, i) => (slots.push([v, i]), walk(x)));
      else if (typeof v === 'object' && v !== null) for (const [key, x] of Object.entries(v)) (slots.push([v as Record<string, unknown>, key]), walk(x));
    };
    walk(item);
    for (const [pick, replacement] of edits) {
      const slot = slots[pick % Math.max(1, slots.length)];
      if (!slot) continue;
      const [holder, key] = slot;
      if (replacement === null && !Array.isArray(holder)) delete (holder as Record<string, unknown>)[key as string];
      else (holder as Record<string, unknown>)[key as string] = replacement;
    }
    items[k] = item;
    return JSON.stringify({ nftables: items });
  });

/** Reads every chain's rules (translating what was left for later) and returns plain copies to compare. */
function readAll(rs: Ruleset): unknown {
  for (const t of rs.tables) for (const c of t.chains) void c.rules;
  const order = (a: { line?: number; path?: string; message: string }, b: typeof a): number =>
    (a.line ?? 0) - (b.line ?? 0) || (a.path ?? '').localeCompare(b.path ?? '') || a.message.localeCompare(b.message);
  return { tables: structuredClone(rs.tables), warnings: [...rs.warnings].sort(order) };
}

const saveOpts = { source: 'fuzz', family: 'ip' as const, origin: 'iptables-nft' as const };

describe('netfilter parsers under random input', () => {
  it('iptables-save: mutated real dumps', () => {
    fc.assert(fc.property(mutated(SAVE_TEXTS, WORDS), fc.boolean(), (text, strict) => onlyParseError(() => parseIptablesSave(text, { ...saveOpts, strict, table: 'nat' }))), { numRuns: FUZZ_RUNS });
  });

  it('iptables-save, rules on use: parsing throws only ParseError, reading rules never throws, and agrees with eager', () => {
    fc.assert(
      fc.property(mutated(SAVE_TEXTS, WORDS), fc.boolean(), (text, strict) => {
        const o = { ...saveOpts, strict, table: 'nat' };
        let onUse: Ruleset;
        try {
          onUse = parseIptablesSave(text, { ...o, rules: 'on-use' });
        } catch (e) {
          if (e instanceof ParseError) return true;
          throw e;
        }
        const lazy = readAll(onUse); // must not throw: a rule that does not translate becomes an uncertain rule
        try {
          expect(lazy).toEqual(readAll(parseIptablesSave(text, o)));
        } catch (e) {
          if (!(e instanceof ParseError)) throw e; // eager rejects what on-use keeps as an unparsed rule
        }
        return true;
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('iptables-save: lines assembled from iptables words', () => {
    const line = fc.array(fc.constantFrom(...WORDS, 'X', 'INPUT', 'ACCEPT', 'DNAT', '--to-destination', 'MARK', '--or-mark', 'statistic', '--probability', '0.5', 'set', '--match-set', 'a', 'src,dst'), { maxLength: 14 }).map((w) => w.join(' '));
    const doc = fc.array(line, { maxLength: 12 }).map((ls) => `*filter\n:INPUT ACCEPT [0:0]\n:X - [0:0]\n${ls.join('\n')}\nCOMMIT\n`);
    fc.assert(fc.property(doc, (text) => onlyParseError(() => parseIptablesSave(text, saveOpts))), { numRuns: FUZZ_RUNS });
  });

  it('iptables-save and ipset: arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) =>
        onlyParseError(() => parseIptablesSave(text, saveOpts)) && onlyParseError(() => parseIpsetSave(text, { source: 'fuzz' })),
      ),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('nft JSON: mutated kernel dumps', () => {
    fc.assert(fc.property(mutatedJson, (text) => onlyParseError(() => parseNftJson(text, { source: 'fuzz' }))), { numRuns: FUZZ_RUNS });
  });

  it('nft JSON, rules on use: parsing throws only ParseError, reading rules never throws, and agrees with eager', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedJson, mutated(JSON_TEXTS.map((t) => JSON.stringify(JSON.parse(t))), ['{', '}', '[', ']', ',', '"', ':', '\\', '{"xt":'])), (text) => {
        let onUse: Ruleset;
        try {
          onUse = parseNftJson(text, { source: 'fuzz', rules: 'on-use' });
        } catch (e) {
          if (e instanceof ParseError) return true;
          throw e;
        }
        const lazy = readAll(onUse); // must not throw: a rule that does not parse becomes an uncertain rule
        try {
          expect(lazy).toEqual(readAll(parseNftJson(text, { source: 'fuzz' })));
        } catch (e) {
          if (!(e instanceof ParseError)) throw e; // eager rejects what on-use keeps as an unparsed rule
        }
        return true;
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('nft JSON: arbitrary JSON and broken text', () => {
    const meta = { metainfo: { json_schema_version: 1 } };
    const doc = fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 6 }).map((items) => JSON.stringify({ nftables: [meta, ...items] }));
    fc.assert(fc.property(fc.oneof(doc, mutated(JSON_TEXTS, ['{', '}', '[', ']', ',', '"', ':', 'null', '1'])), (text) => onlyParseError(() => parseNftJson(text, { source: 'fuzz' }))), { numRuns: FUZZ_RUNS });
  });

  // The bound is a fixed depth, not wherever the stack ends: the same document parses the same way on every runtime.
  const nestedMatch = (n: number, right: string = '1') => {
    const left = `${'{"&":['.repeat(n)}{"meta":{"key":"mark"}}${',1]}'.repeat(n)}`;
    const text = `{"nftables":[{"metainfo":{"json_schema_version":1}},{"table":{"family":"ip","name":"t"}},{"chain":{"family":"ip","table":"t","name":"c"}},{"rule":{"family":"ip","table":"t","chain":"c","expr":[{"match":{"op":"==","left":${left},"right":${right}}}]}}]}`;
    return parseNftJson(text, { source: 'deep' }).tables[0]!.chains[0]!.rules[0]!.exprs[0]!;
  };

  it('nft JSON: a deeply nested expression is kept as unknown, not a crash', () => {
    const e = nestedMatch(20000);
    expect(e.kind).toBe('unknown-match');
    expect(e.kind === 'unknown-match' && e.reason).toBe('expression nested more than 32 levels');
  });

  it('nft JSON: nesting is cut at 32 levels, selectors and values alike', () => {
    expect(nestedMatch(32).kind).toBe('match');
    expect(nestedMatch(33).kind).toBe('unknown-match');
    const sets = (n: number) => `${'{"set":['.repeat(n)}1${']}'.repeat(n)}`;
    expect(nestedMatch(0, sets(32)).kind).toBe('match');
    const deepValue = nestedMatch(0, sets(33));
    expect(deepValue.kind === 'unknown-match' && deepValue.reason).toBe('value nested more than 32 levels');
  });
});
