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
}

const LIST_FORMAT = /^(Chain \S+ \((policy \S+|\d+ references)|target\s+prot\s+opt\s+source)/;
const COUNTERS = /^\[\d+:\d+\]\s+/;

/** Parses the text; throws ParseError on structural errors (see IptablesSaveOpts.strict). */
export function parseIptablesSave(text: string, opts: IptablesSaveOpts): Ruleset {
  const warnings: ParseWarning[] = [];
  const tables: PendingTable[] = [];
  const strict = opts.strict ?? true;
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
  for (const r of t.rules) addRule(t, r, opts, warnings);
  return { family: opts.family, name: t.name, origin: opts.origin, dump: 'iptables-save', chains: [...t.chains.values()].map((c) => c.chain), sets: [] };
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
