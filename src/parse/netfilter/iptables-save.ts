/**
 * `iptables-save` / `ip6tables-save` (nf_tables and legacy backends, with or without counters) and
 * `iptables -S` (-P/-N/-A lines of one table) → the unified netfilter model.
 */
import type { Chain, Rule, Ruleset, Table, TableOrigin, VerdictStatement } from '../../model/netfilter.js';
import { ParseError, type ParseWarning } from '../error.js';
import { builtinChain } from './base-chains.js';
import { chainVerdict as chainVerdictOf } from './intern.js';
import { translateRule, type RuleCtx } from './iptables-rule.js';
import { tokenize, type Token } from './tokenize.js';

export interface IptablesSaveOpts {
  source: string;
  family: 'ip' | 'ip6';
  origin: TableOrigin;
  /** The table `iptables -t TABLE -S` listed (the -S format does not name it); also used for fragments. */
  table?: string;
  /**
   * Strict (default): a rule for a chain that was never declared is a ParseError. Non-strict accepts
   * fragments (`iptables-save | grep …`): undeclared chains are created, with a warning.
   */
  strict?: boolean;
  /**
   * When rules are translated into expressions. `eager` (default) translates every rule while parsing, so a malformed
   * rule is a ParseError and `warnings` is complete on return. `on-use` does only the structural pass (tables, chains,
   * policies, which lines belong to which chain: a few times the cost of splitting the text) and translates a chain's
   * rules the first time its `rules` are read — a trace reads a handful of the 60,000 chains of a 10,000-service
   * kube-proxy dump. A rule that does not translate then becomes a rule whose only expression is an `unknown-match`
   * quoting the error (the simulator makes any path through it uncertain), and warnings about rules are appended to
   * the returned ruleset's `warnings` when their chain is first read.
   */
  rules?: 'eager' | 'on-use';
}

interface PendingRule {
  chain: string;
  line: number;
  text: string;
  tokens: Token[];
  /** Index of the first word after `-A CHAIN`. */
  start: number;
}

interface PendingTable {
  name: string;
  line: number;
  chains: Map<string, ChainEntry>;
  rules: PendingRule[];
  /** The chain the previous rule went to: iptables-save writes a chain's rules together. */
  last?: ChainEntry;
  ctx?: RuleCtx;
}

/** A declared chain and the (shared, frozen) verdicts that jump or go to it. */
interface ChainEntry {
  chain: Chain;
  jump?: VerdictStatement;
  goto?: VerdictStatement;
  /** On-use translation: the chain's rule lines, in order, until its rules are first read. */
  pending?: { lines: number[]; texts: string[] };
}

const LIST_FORMAT = /^(Chain \S+ \((policy \S+|\d+ references)|target\s+prot\s+opt\s+source)/;
const COUNTERS = /^\[\d+:\d+\]\s+/;

/** Parses the text; throws ParseError on structural errors (see IptablesSaveOpts.strict). */
export function parseIptablesSave(text: string, opts: IptablesSaveOpts): Ruleset {
  const warnings: ParseWarning[] = [];
  const tables: PendingTable[] = [];
  const strict = opts.strict ?? true;
  const onUse = opts.rules === 'on-use';
  let open: PendingTable | undefined;
  let implicit: PendingTable | undefined; // -S format / fragment: no *table line
  const fail: Fail = (msg, line, column) => {
    throw new ParseError(opts.source, msg, line, column);
  };

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const first = line.charCodeAt(0);
    if (line.length === 0 || first === 35 /* # */) {
      if (line.startsWith('# Warning: iptables-legacy tables present'))
        warnings.push({ code: 'legacy-tables-present', message: 'iptables-legacy tables are also present on this node: collect iptables-legacy-save too', line: lineNo });
      continue;
    }
    if (first === 42 /* * */) {
      if (open) fail(`table *${open.name} (line ${open.line}) has no COMMIT before *${line.slice(1)}`, lineNo, 1);
      open = { name: line.slice(1).trim(), line: lineNo, chains: new Map(), rules: [] };
      if (open.name === '') fail('table name missing after *', lineNo, 2);
      tables.push(open);
      continue;
    }
    if (first === 67 /* C */ && line.trimEnd() === 'COMMIT') {
      if (!open) fail('COMMIT without a *table line before it', lineNo, 1);
      open = undefined;
      continue;
    }
    if ((first === 67 /* C */ || first === 116 /* t */) && LIST_FORMAT.test(line))
      fail('this is `iptables -L` output (the human list format); capture with iptables-save (or iptables -S) instead', lineNo, 1);
    if (first === 58 /* : */) {
      if (!open) fail('chain declaration before any *table line', lineNo, 1);
      declareChain(open, line, lineNo, opts, warnings, fail);
      continue;
    }
    if (onUse && first === 45 /* - */) {
      const name = plainAppendChain(line);
      if (name !== undefined) {
        const table = open ?? (implicit ??= implicitTable(opts, lineNo, '-A', fail, tables));
        queueRule(table, name, lineNo, line, 4, strict, opts);
        continue;
      }
    }
    const tokens = tokenize(line, opts.source, lineNo);
    const ti = first === 91 /* [ */ && COUNTERS.test(line) ? 1 : 0; // skip the [p:b] word
    const cmd = tokens[ti];
    if (!cmd) continue;
    const table = open ?? (implicit ??= implicitTable(opts, lineNo, cmd.value, fail, tables));
    const name = tokens[ti + 1]?.value;
    switch (cmd.value) {
      case '-A':
      case '--append':
        if (name === undefined) fail('-A needs a chain name', lineNo, cmd.end + 1);
        if (onUse) {
          queueRule(table, name, lineNo, line, tokens[ti + 1]!.start + 1, strict, opts);
          break;
        }
        // Declarations precede rules in both formats, so strict parsing translates at once; non-strict
        // (fragments) waits until every chain name in the text is known.
        if (strict) addRule(table, { chain: name, line: lineNo, text: line, tokens, start: ti + 2 }, opts, warnings);
        else table.rules.push({ chain: name, line: lineNo, text: line, tokens, start: ti + 2 });
        break;
      case '-N':
      case '--new-chain':
        if (name === undefined) fail('-N needs a chain name', lineNo, cmd.end + 1);
        addChain(table, name, lineNo);
        break;
      case '-P':
      case '--policy': {
        const policy = tokens[ti + 2]?.value;
        if (name === undefined || policy === undefined) fail('-P needs a chain and a policy', lineNo, cmd.end + 1);
        setPolicy(table, name, policy, lineNo, opts, warnings, fail);
        break;
      }
      default:
        fail(`unexpected line: expected *table, :CHAIN, -A, -N, -P or COMMIT, got "${cmd.value}"`, lineNo, cmd.start + 1);
    }
  }
  if (open) fail(`table *${open.name} (line ${open.line}) has no COMMIT`, lines.length);
  return { tables: tables.map((t) => finishTable(t, opts, strict, warnings)), warnings };
}

/**
 * The chain of a plain `-A NAME …` line (what iptables-save writes for every rule), found without tokenising;
 * undefined for anything else (counters, long options, blanks other than one space), which the tokeniser handles.
 */
function plainAppendChain(line: string): string | undefined {
  if (line.charCodeAt(1) !== 65 /* A */ || line.charCodeAt(2) !== 32) return undefined;
  const end = line.indexOf(' ', 3);
  if (end <= 3) return undefined;
  for (let i = 3; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c === 9 || c === 34 || c === 92) return undefined; // tab, quote, backslash: the tokeniser's business
  }
  return line.slice(3, end);
}

/** On-use translation: files the line under its chain (strict: the chain must be declared already). */
function queueRule(t: PendingTable, chain: string, line: number, text: string, column: number, strict: boolean, opts: IptablesSaveOpts): void {
  let entry = t.last !== undefined && t.last.chain.name === chain ? t.last : t.chains.get(chain);
  if (!entry) {
    if (strict) throw new ParseError(opts.source, `-A ${chain}: chain not declared in table ${t.name}`, line, column);
    // A fragment may append to a chain it never declares; finishTable warns about it.
    t.rules.push({ chain, line, text, tokens: [], start: -1 });
    return;
  }
  t.last = entry;
  const p = (entry.pending ??= { lines: [], texts: [] });
  p.lines.push(line);
  p.texts.push(text);
}

type Fail = (msg: string, line: number, column?: number) => never;

function implicitTable(opts: IptablesSaveOpts, line: number, cmd: string, fail: Fail, tables: PendingTable[]): PendingTable {
  if (opts.table === undefined) {
    if (cmd === '-A' || cmd === '--append')
      fail('rule before any *table line: pass the table this fragment comes from, or capture the whole iptables-save output', line, 1);
    fail('`iptables -S` output does not name its table: pass it (iptables -t nat -S → table "nat")', line, 1);
  }
  const t: PendingTable = { name: opts.table, line, chains: new Map(), rules: [] };
  tables.push(t);
  return t;
}

function addChain(t: PendingTable, name: string, line: number): Chain {
  let c = t.chains.get(name);
  if (!c) {
    c = { chain: { name, rules: [], line } };
    t.chains.set(name, c);
  }
  return c.chain;
}

/** `-j name` / `-g name` to a chain of this table: the shared verdict, made on first use. */
function chainVerdict(t: PendingTable, name: string, goto: boolean): VerdictStatement | undefined {
  const c = t.chains.get(name);
  if (!c) return undefined;
  if (goto) return (c.goto ??= chainVerdictOf('goto', name));
  return (c.jump ??= chainVerdictOf('jump', name));
}

function declareChain(t: PendingTable, line: string, lineNo: number, opts: IptablesSaveOpts, warnings: ParseWarning[], fail: Fail): void {
  const m = /^:(\S+)\s+(\S+)(?:\s+\[\d+:\d+\])?\s*$/.exec(line);
  if (!m) fail('bad chain declaration: expected ":NAME POLICY [packets:bytes]"', lineNo, 1);
  setPolicy(t, m[1]!, m[2]!, lineNo, opts, warnings, fail); // declares the chain too
}

function setPolicy(t: PendingTable, name: string, policy: string, line: number, opts: IptablesSaveOpts, warnings: ParseWarning[], fail: Fail): void {
  const c = addChain(t, name, line);
  const b = builtinChain(t.name, name);
  if (!b) {
    if (policy !== '-') warnings.push({ code: 'policy-on-user-chain', message: `policy ${policy} on user chain ${name} in table ${t.name} is ignored`, line });
    return;
  }
  if (policy === '-') {
    // iptables-restore input may say "keep the current policy"; a fresh chain's policy is ACCEPT.
    warnings.push({ code: 'policy-unknown', message: `built-in chain ${name} in table ${t.name} has policy "-" (unchanged): assuming ACCEPT, the kernel default`, line });
    policy = 'ACCEPT';
  }
  if (policy !== 'ACCEPT' && policy !== 'DROP') fail(`built-in chain ${name} needs policy ACCEPT or DROP, got ${policy}`, line);
  c.base = { type: b.type, hook: b.hook, priority: b.priority, policy: policy === 'DROP' ? 'drop' : 'accept' };
  void opts;
}

function finishTable(t: PendingTable, opts: IptablesSaveOpts, strict: boolean, warnings: ParseWarning[]): Table {
  if (!strict) {
    for (const r of t.rules) {
      if (!t.chains.has(r.chain)) {
        warnings.push({ code: 'undeclared-chain', message: `chain ${r.chain} is used but not declared in table ${t.name}`, line: r.line });
        addChain(t, r.chain, r.line);
      }
    }
  }
  if (opts.rules === 'on-use') {
    // Lines of chains undeclared when they were read (fragments) join their chain now, in line order with the rest.
    const touched = new Set<ChainEntry>();
    for (const r of t.rules) {
      const entry = t.chains.get(r.chain)!;
      const p = (entry.pending ??= { lines: [], texts: [] });
      p.lines.push(r.line);
      p.texts.push(r.text);
      touched.add(entry);
    }
    for (const entry of touched) entry.pending = inLineOrder(entry.pending!);
    for (const entry of t.chains.values()) if (entry.pending) translateOnUse(t, entry, opts, warnings);
  } else for (const r of t.rules) addRule(t, r, opts, warnings);
  return { family: opts.family, name: t.name, origin: opts.origin, dump: 'iptables-save', chains: [...t.chains.values()].map((c) => c.chain), sets: [] };
}

function inLineOrder(p: { lines: number[]; texts: string[] }): { lines: number[]; texts: string[] } {
  const order = p.lines.map((_, i) => i).sort((a, b) => p.lines[a]! - p.lines[b]!);
  return { lines: order.map((i) => p.lines[i]!), texts: order.map((i) => p.texts[i]!) };
}

/**
 * Makes `entry.chain.rules` translate the pending lines the first time it is read, then hold the result as a
 * plain data property (same key order, so the chain looks like an eagerly parsed one to every reader).
 */
function translateOnUse(t: PendingTable, entry: ChainEntry, opts: IptablesSaveOpts, warnings: ParseWarning[]): void {
  const chain = entry.chain;
  // Replaced by a data property before translating: addRule appends to chain.rules.
  const store: Rule[] = [];
  Object.defineProperty(chain, 'rules', {
    configurable: true,
    enumerable: true,
    get(): Rule[] {
      Object.defineProperty(chain, 'rules', { value: store, writable: true, enumerable: true, configurable: true });
      const { lines, texts } = entry.pending!;
      entry.pending = undefined;
      for (let i = 0; i < lines.length; i++) translateLine(t, entry, lines[i]!, texts[i]!, opts, warnings);
      return store;
    },
  });
}

/** One queued line → a rule of its chain; a line that does not translate becomes a rule that says why. */
function translateLine(t: PendingTable, entry: ChainEntry, line: number, text: string, opts: IptablesSaveOpts, warnings: ParseWarning[]): void {
  try {
    const tokens = tokenize(text, opts.source, line);
    const ti = text.charCodeAt(0) === 91 /* [ */ && COUNTERS.test(text) ? 1 : 0;
    t.last = entry;
    addRule(t, { chain: entry.chain.name, line, text, tokens, start: ti + 2 }, opts, warnings);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    warnings.push({ code: 'parse-error', message: e.message, line });
    const rules = entry.chain.rules;
    rules.push({ index: rules.length, line, text, exprs: [{ kind: 'unknown-match', text, reason: `not parsed: ${e.message}` }] });
  }
}

function addRule(t: PendingTable, r: PendingRule, opts: IptablesSaveOpts, warnings: ParseWarning[]): void {
  const entry = t.last !== undefined && t.last.chain.name === r.chain ? t.last : t.chains.get(r.chain);
  if (!entry) {
    const col = r.tokens[r.start - 1]!.start + 1;
    throw new ParseError(opts.source, `-A ${r.chain}: chain not declared in table ${t.name}`, r.line, col);
  }
  // One context per table, pointed at each rule in turn (translateRule keeps no reference to it).
  const ctx = (t.ctx ??= { family: opts.family, line: r.line, text: r.text, warnings, chainVerdict: (n, goto) => chainVerdict(t, n, goto) });
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
