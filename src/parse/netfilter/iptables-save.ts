/**
 * `iptables-save` / `ip6tables-save` (nf_tables and legacy backends, with or without counters) and
 * `iptables -S` (-P/-N/-A lines of one table) → the unified netfilter model.
 */
import type { LostPart, Ruleset, Table, TableOrigin } from '../../model/netfilter.js';
import { ParseError, type ParseWarning } from '../../util/parse-error.js';
import { IPTABLES_TABLES, builtinChain, builtinChains } from './base-chains.js';
import { addChain, addRule, newTable, queueLine, type ChainEntry, type PendingTable, type TableSource } from './iptables-table.js';
import { tokenize } from './tokenize.js';

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
  /**
   * Recover from a bad line instead of throwing: the line is skipped and its table recorded in the ruleset's `lost`
   * (the model then treats that table as unread), a dump cut before its end records the tables it never reached, and
   * `iptables -S` output (no `*table` line) is read as the one table its built-in chains name, the others recorded as
   * not in the dump. Only text that is no iptables dump at all (`iptables -L` output) still throws.
   */
  recover?: boolean;
}

const LIST_FORMAT = /^(Chain \S+ \((policy \S+|\d+ references)|target\s+prot\s+opt\s+source)/;
const COUNTERS = /^\[\d+:\d+\]\s+/;

/** Parses the text; throws ParseError on structural errors (see IptablesSaveOpts.strict and .rules). */
export function parseIptablesSave(text: string, opts: IptablesSaveOpts): Ruleset {
  const warnings: ParseWarning[] = [];
  const tables: PendingTable[] = [];
  const strict = opts.strict ?? true;
  const src: TableSource = { source: opts.source, family: opts.family, text, warnings, onUse: opts.rules === 'on-use' };
  let open: PendingTable | undefined;
  let implicit: PendingTable | undefined; // -S format / fragment: no *table line
  /** On use: the chain of the previous plain `-A` line, to file the next one without slicing its name. */
  let lastPlain: ChainEntry | undefined;
  const fail: Fail = (msg, line, column) => {
    throw new ParseError(opts.source, msg, line, column);
  };
  const lost: LostPart[] = [];
  const seen = new Set<string>();
  const recover = opts.recover === true;
  // `iptables -S` output has no `*table` line at all; a save with a stray line outside its tables is no such output.
  const implicitOpts = recover && opts.table === undefined && !/^\*/m.test(text) ? { ...opts, table: listedTable(text) } : opts;

  // Lines are found with indexOf, not split: on use, a rule line is filed by its offsets and never made a string.
  let lineNo = 0;
  for (let pos = 0; pos <= text.length; ) {
    const start = pos;
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    pos = end + 1;
    lineNo++;
    try {
      if (src.onUse && text.charCodeAt(start) === 45 /* - */ && text.charCodeAt(start + 1) === 65 /* A */ && text.charCodeAt(start + 2) === 32) {
        const table = open ?? (implicit ??= implicitTable(implicitOpts, lineNo, '-A', fail, tables, src));
        const last = lastPlain !== undefined && table.last === lastPlain ? lastPlain : undefined;
        if (last !== undefined && text.startsWith(last.chain.name, start + 3) && text.charCodeAt(start + 3 + last.chain.name.length) === 32) {
          queueLine(last, start, end, lineNo);
          continue;
        }
        const name = plainAppendChain(text, start, end);
        if (name !== undefined) {
          lastPlain = queueRule(table, table.chains.get(name), name, { from: start, to: end, line: lineNo }, 4, strict);
          continue;
        }
      }
      let line = text.slice(start, end);
      if (line.charCodeAt(line.length - 1) === 13 /* \r */) line = line.slice(0, -1);
      const first = line.charCodeAt(0);
      if (line.length === 0 || first === 35 /* # */) {
        if (line.startsWith('# Warning: iptables-legacy tables present'))
          warnings.push({ code: 'legacy-tables-present', message: 'iptables-legacy tables are also present on this node: collect iptables-legacy-save too', line: lineNo });
        continue;
      }
      if (first === 42 /* * */) {
        if (open && !recover) fail(`table *${open.name} (line ${open.line}) has no COMMIT before *${line.slice(1)}`, lineNo, 1);
        if (open) lost.push({ table: open.name, line: lineNo, reason: `table *${open.name} (line ${open.line}) has no COMMIT before *${line.slice(1)}` });
        open = newTable(line.slice(1).trim(), lineNo, src);
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
        throw new NotAnIptablesDump(opts.source, 'this is `iptables -L` output (the human list format); capture with iptables-save (or iptables -S) instead', lineNo, 1);
      if (first === 58 /* : */) {
        if (!open) fail('chain declaration before any *table line', lineNo, 1);
        declareChain(open, line, lineNo, warnings, fail);
        continue;
      }
      const tokens = tokenize(line, opts.source, lineNo);
      const ti = first === 91 /* [ */ && COUNTERS.test(line) ? 1 : 0; // skip the [p:b] word
      const cmd = tokens[ti];
      if (!cmd) continue;
      const table = open ?? (implicit ??= implicitTable(implicitOpts, lineNo, cmd.value, fail, tables, src));
      const name = tokens[ti + 1]?.value;
      switch (cmd.value) {
        case '-A':
        case '--append':
          if (name === undefined) fail('-A needs a chain name', lineNo, cmd.end + 1);
          if (src.onUse) {
            lastPlain = undefined; // the name may hold quotes or escapes: never compare it with a raw line
            queueRule(table, table.chains.get(name), name, { from: start, to: end, line: lineNo }, tokens[ti + 1]!.start + 1, strict);
            break;
          }
          // Declarations precede rules in both formats, so strict parsing translates at once; non-strict
          // (fragments) waits until every chain name in the text is known.
          if (strict) addRule(table, { chain: name, line: lineNo, text: line, tokens, start: ti + 2 });
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
          setPolicy(table, name, policy, lineNo, warnings, fail);
          break;
        }
        default:
          fail(`unexpected line: expected *table, :CHAIN, -A, -N, -P or COMMIT, got "${cmd.value}"`, lineNo, cmd.start + 1);
      }
    } catch (e) {
      if (!recover || !(e instanceof ParseError) || e instanceof NotAnIptablesDump) throw e;
      // A bad rule of a declared chain costs that rule; another bad line costs its table (it could have been any rule
      // of it); outside a table, any table.
      const t = open ?? implicit;
      const chain = t ? /^(?:\[\d+:\d+\]\s+)?-A\s+(\S+)/.exec(text.slice(start, end))?.[1] : undefined;
      if (t && chain !== undefined && t.chains.has(chain)) lost.push({ table: t.name, chain, line: lineNo, reason: e.brief });
      else lost.push(open ? { table: open.name, line: lineNo, reason: e.brief } : { line: lineNo, reason: e.brief });
    }
  }
  if (open && !recover) fail(`table *${open.name} (line ${open.line}) has no COMMIT`, lineNo);
  for (const t of tables) seen.add(t.name);
  if (open) lost.push({ table: open.name, line: lineNo, reason: `the dump ends inside *${open.name} without COMMIT: it was cut`, unseen: unseenTables(seen) });
  if (implicit && implicitOpts !== opts) lost.push({ reason: `\`iptables -S\` output lists one table: read as *${implicit.name}, the table its built-in chains name`, unseen: unseenTables(seen) });
  const out: Ruleset = { tables: tables.map((t) => finishTable(t, opts, strict, warnings)), warnings };
  if (lost.length) out.lost = lost;
  return out;
}

/**
 * The chain of a plain `-A NAME …` line (what iptables-save writes for every rule), found without tokenising;
 * undefined for anything else (counters, long options, blanks other than one space), which the tokeniser handles.
 */
function plainAppendChain(text: string, start: number, end: number): string | undefined {
  const space = text.indexOf(' ', start + 3);
  if (space <= start + 3 || space >= end) return undefined;
  for (let i = start + 3; i < space; i++) {
    const c = text.charCodeAt(i);
    if (c === 9 || c === 34 || c === 92) return undefined; // tab, quote, backslash: the tokeniser's business
  }
  return text.slice(start + 3, space);
}

/**
 * On use: files the line (its offsets in the text) under its chain and returns the chain. Strict: the chain must be
 * declared already (ParseError at `column`); a fragment's rule for an undeclared chain waits for finishTable, which warns.
 */
function queueRule(t: PendingTable, entry: ChainEntry | undefined, chain: string, at: { from: number; to: number; line: number }, column: number, strict: boolean): ChainEntry | undefined {
  if (!entry) {
    if (strict) throw new ParseError(t.src.source, `-A ${chain}: chain not declared in table ${t.name}`, at.line, column);
    t.rules.push({ chain, line: at.line, text: '', tokens: [], start: -1, at });
    t.last = undefined;
    return undefined;
  }
  t.last = entry;
  queueLine(entry, at.from, at.to, at.line);
  return entry;
}

type Fail = (msg: string, line: number, column?: number) => never;

function implicitTable(opts: IptablesSaveOpts, line: number, cmd: string, fail: Fail, tables: PendingTable[], src: TableSource): PendingTable {
  if (opts.table === undefined) {
    if (cmd === '-A' || cmd === '--append')
      fail('rule before any *table line: pass the table this fragment comes from, or capture the whole iptables-save output', line, 1);
    fail('`iptables -S` output does not name its table: pass it (iptables -t nat -S → table "nat")', line, 1);
  }
  const t = newTable(opts.table, line, src);
  tables.push(t);
  return t;
}

function declareChain(t: PendingTable, line: string, lineNo: number, warnings: ParseWarning[], fail: Fail): void {
  const fast = plainDeclaration(line);
  if (fast) return setPolicy(t, fast[0], fast[1], lineNo, warnings, fail);
  const m = /^:(\S+)\s+(\S+)(?:\s+\[\d+:\d+\])?\s*$/.exec(line);
  if (!m) fail('bad chain declaration: expected ":NAME POLICY [packets:bytes]"', lineNo, 1);
  setPolicy(t, m[1]!, m[2]!, lineNo, warnings, fail); // declares the chain too
}

/**
 * `:NAME POLICY [p:b]` exactly as iptables-save writes it (single spaces, counters, nothing after), read without
 * a regular expression: a 10,000-service dump declares ~65,000 chains. Anything else is left to the full pattern.
 */
function plainDeclaration(line: string): [string, string] | undefined {
  const a = line.indexOf(' ', 1);
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  if (a < 2 || b < a + 2 || line.charCodeAt(b + 1) !== 91 /* [ */ || line.charCodeAt(line.length - 1) !== 93 /* ] */) return undefined;
  let colons = 0;
  for (let i = b + 2; i < line.length - 1; i++) {
    const c = line.charCodeAt(i);
    if (c === 58 /* : */) colons++;
    else if (c < 48 || c > 57) return undefined;
  }
  if (colons !== 1 || line.charCodeAt(b + 2) === 58 || line.charCodeAt(line.length - 2) === 58) return undefined;
  for (let i = 1; i < b; i++) if (line.charCodeAt(i) === 9) return undefined;
  return [line.slice(1, a), b === a + 2 && line.charCodeAt(a + 1) === 45 ? '-' : line.slice(a + 1, b)];
}

function setPolicy(t: PendingTable, name: string, policy: string, line: number, warnings: ParseWarning[], fail: Fail): void {
  const c = addChain(t, name, line).chain;
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
  if (t.src.onUse) {
    // Lines of chains undeclared when they were read (fragments) join their chain now; translation sorts the ranges.
    for (const r of t.rules) queueLine(t.chains.get(r.chain)!, r.at!.from, r.at!.to, r.line);
  } else for (const r of t.rules) addRule(t, r);
  return { family: opts.family, name: t.name, origin: opts.origin, dump: 'iptables-save', chains: [...t.chains.values()].map((c) => c.chain), sets: [] };
}

/** Text that is no iptables dump at all: even a recovering parse refuses it. */
class NotAnIptablesDump extends ParseError {}

/** Standard tables a dump did not show (cut, or `iptables -S` of one table). */
function unseenTables(seen: Set<string>): string[] | undefined {
  const out = [...IPTABLES_TABLES].filter((t) => !seen.has(t));
  return out.length ? out : undefined;
}

/**
 * The table `iptables -S` output lists, from its `-P` lines (each built-in chain once): the table whose built-in chains
 * are exactly those. Without `-t`, `iptables -S` lists filter; filter and security have the same chains, filter is taken.
 */
function listedTable(text: string): string {
  const policies = new Set([...text.matchAll(/^-P (\S+) /gm)].map((m) => m[1]!));
  const fits = [...IPTABLES_TABLES].find((t) => builtinChains(t).length === policies.size && builtinChains(t).every((c) => policies.has(c)));
  return fits ?? 'filter';
}
