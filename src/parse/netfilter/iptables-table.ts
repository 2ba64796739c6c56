/**
 * One table of an iptables-save dump while it is read: its chains, and their rules translated at once (eager) or
 * queued as line ranges and translated the first time the chain's `rules` are read (on use). iptables-save writes a
 * chain's rules together, so a chain's queue is nearly always one range of line numbers.
 */
import type { Chain, Rule, VerdictStatement } from '../../model/netfilter.js';
import { ParseError, type ParseWarning } from '../../util/parse-error.js';
import { chainVerdict as chainVerdictOf } from './intern.js';
import { OnUseChain, type RuleTranslator } from './on-use-chain.js';
import { translateRule, type RuleCtx } from './iptables-rule.js';
import { tokenize, type Token } from './tokenize.js';

/** What translation needs of the parse: the lines of the dump and where warnings go. */
export interface TableSource {
  source: string;
  family: 'ip' | 'ip6';
  /** The whole dump: queued rules are offsets into it. */
  text: string;
  warnings: ParseWarning[];
  onUse: boolean;
}

export interface PendingRule {
  chain: string;
  line: number;
  text: string;
  tokens: Token[];
  /** Index of the first word after `-A CHAIN`. */
  start: number;
  /** On use: where the line is in the dump (from/to offsets without the newline). */
  at?: { from: number; to: number; line: number };
}

/** A declared chain and the (shared, frozen) verdicts that jump or go to it. */
export interface ChainEntry {
  chain: Chain;
  jump?: VerdictStatement;
  goto?: VerdictStatement;
  /**
   * On use, the chain's rule lines not translated yet, as ranges of adjacent lines in the dump: offsets [from, to)
   * and the first one's line number; when the chain's lines are not all adjacent (kube-proxy's restore order, blank
   * lines, fragments), further ranges in `more` as `[from, to, line, …]`.
   */
  from?: number;
  to?: number;
  line?: number;
  more?: number[];
}

export interface PendingTable {
  name: string;
  line: number;
  src: TableSource;
  chains: Map<string, ChainEntry>;
  /** Rules waiting for every chain name to be known (fragments, non-strict). */
  rules: PendingRule[];
  /** The chain the previous rule went to: iptables-save writes a chain's rules together. */
  last?: ChainEntry;
  ctx?: RuleCtx;
  /** On use: translates a chain's queued lines when its rules are first read (one per table). */
  translator?: RuleTranslator;
}

const COUNTERS = /^\[\d+:\d+\]\s+/;

export function newTable(name: string, line: number, src: TableSource): PendingTable {
  return { name, line, src, chains: new Map(), rules: [] };
}

export function addChain(t: PendingTable, name: string, line: number): ChainEntry {
  let c = t.chains.get(name);
  if (!c) {
    if (t.src.onUse) {
      const chain = new OnUseChain(name, t.translator ??= { translateRules: (ch) => translatePending(t, t.chains.get(ch.name)!), countRules: (ch) => countPending(t, t.chains.get(ch.name)!) });
      chain.line = line;
      c = { chain };
    } else c = { chain: { name, rules: [], line } };
    t.chains.set(name, c);
  }
  return c;
}

/** On use: files the line at text offsets [from, to) under the chain, extending its last range when adjacent. */
export function queueLine(entry: ChainEntry, from: number, to: number, line: number): void {
  if (entry.to === undefined) {
    entry.from = from;
    entry.to = to;
    entry.line = line;
    return;
  }
  const more = entry.more;
  if (more === undefined) {
    if (entry.to + 1 === from) entry.to = to;
    else entry.more = [from, to, line];
  } else if (more[more.length - 2]! + 1 === from) more[more.length - 2] = to;
  else more.push(from, to, line);
}

/** The queued ranges in text order (a fragment's chain declared late has its earlier lines queued after the rest). */
function queuedRanges(entry: ChainEntry): [number, number, number][] {
  if (entry.to === undefined) return [];
  const ranges: [number, number, number][] = [[entry.from!, entry.to, entry.line!]];
  const more = entry.more ?? [];
  for (let k = 0; k < more.length; k += 3) ranges.push([more[k]!, more[k + 1]!, more[k + 2]!]);
  return ranges.sort((a, b) => a[0] - b[0]);
}

/** Queued lines: one per newline inside each range, plus its last line. */
function countPending(t: PendingTable, entry: ChainEntry): number {
  let n = 0;
  for (const [from, to] of queuedRanges(entry)) {
    n++;
    for (let p = t.src.text.indexOf('\n', from); p >= 0 && p < to; p = t.src.text.indexOf('\n', p + 1)) n++;
  }
  return n;
}

function translatePending(t: PendingTable, entry: ChainEntry): void {
  const ranges = queuedRanges(entry);
  entry.from = entry.to = entry.line = entry.more = undefined;
  const { text, source } = t.src;
  for (const [from, to, first] of ranges) {
    let line = first;
    for (let p = from; p <= to; line++) {
      let end = text.indexOf('\n', p);
      if (end < 0 || end > to) end = to;
      let rule = text.slice(p, end);
      if (rule.charCodeAt(rule.length - 1) === 13 /* \r */) rule = rule.slice(0, -1);
      translateLine(t, entry, line, rule, source);
      p = end + 1;
    }
  }
}

/** One queued line → a rule of its chain; a line that does not translate becomes a rule that says why. */
function translateLine(t: PendingTable, entry: ChainEntry, line: number, text: string, source: string): void {
  try {
    const tokens = tokenize(text, source, line);
    const ti = text.charCodeAt(0) === 91 /* [ */ && COUNTERS.test(text) ? 1 : 0;
    t.last = entry;
    addRule(t, { chain: entry.chain.name, line, text, tokens, start: ti + 2 });
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    t.src.warnings.push({ code: 'parse-error', message: e.message, line });
    const rules = entry.chain.rules;
    rules.push({ index: rules.length, line, text, exprs: [{ kind: 'unknown-match', text, reason: `not parsed: ${e.message}` }] });
  }
}

/** `-j name` / `-g name` to a chain of this table: the shared verdict, made on first use. */
function chainVerdict(t: PendingTable, name: string, goto: boolean): VerdictStatement | undefined {
  const c = t.chains.get(name);
  if (!c) return undefined;
  if (goto) return (c.goto ??= chainVerdictOf('goto', name));
  return (c.jump ??= chainVerdictOf('jump', name));
}

/** Translates one rule into its chain (which must exist: ParseError at the chain name otherwise). */
export function addRule(t: PendingTable, r: PendingRule): void {
  const entry = t.last !== undefined && t.last.chain.name === r.chain ? t.last : t.chains.get(r.chain);
  if (!entry) {
    const col = r.tokens[r.start - 1]!.start + 1;
    throw new ParseError(t.src.source, `-A ${r.chain}: chain not declared in table ${t.name}`, r.line, col);
  }
  // One context per table, pointed at each rule in turn (translateRule keeps no reference to it).
  const ctx = (t.ctx ??= { family: t.src.family, line: r.line, text: r.text, warnings: t.src.warnings, chainVerdict: (n, goto) => chainVerdict(t, n, goto) });
  ctx.line = r.line;
  ctx.text = r.text;
  const body = translateRule(r.tokens, r.start, ctx);
  t.last = entry;
  const chain = entry.chain;
  // Both shapes written out whole: adding `comment` afterwards would give every rule a second allocation.
  const rule: Rule =
    body.comment === undefined
      ? { index: chain.rules.length, line: r.line, text: r.text, exprs: body.exprs }
      : { index: chain.rules.length, line: r.line, text: r.text, exprs: body.exprs, comment: body.comment };
  chain.rules.push(rule);
}
