/**
 * STAND-IN for src/parse/netfilter/iptables-save.ts (same signature). Reads tables, chain
 * declarations, and per rule its text, `-j/-g` target and `--match-set` names: enough for
 * proxy-mode, not for tracing. Replace with the real parser once it lands.
 */
import { ParseError } from '../../../parse/error.js';
import type { Parsed } from '../../../parse/parsed.js';
import { splitLines } from '../../../parse/text.js';
import type { Chain, Expr, Family, Ruleset, Table, TableOrigin } from '../../../model/netfilter.js';

const BUILTIN_VERDICTS: Record<string, 'accept' | 'drop' | 'return'> = { ACCEPT: 'accept', DROP: 'drop', RETURN: 'return' };

export function parseIptablesSave(text: string, opts: { source: string; family: Family; origin: TableOrigin }): Parsed<Ruleset> {
  const tables: Table[] = [];
  let table: Table | undefined;
  const chains = new Map<string, Chain>();
  splitLines(text).forEach((line, i) => {
    const n = i + 1;
    if (line.startsWith('*')) {
      table = { family: opts.family, name: line.slice(1).trim(), origin: opts.origin, chains: [], sets: [] };
      tables.push(table);
      chains.clear();
      return;
    }
    if (line.startsWith(':') || line.startsWith('-A ')) {
      if (!table) throw new ParseError(opts.source, 'rule or chain before any *table line', n);
    }
    if (line.startsWith(':') && table) {
      const name = line.slice(1).split(/\s+/)[0] ?? '';
      const chain: Chain = { name, rules: [], line: n };
      chains.set(name, chain);
      table.chains.push(chain);
    } else if (line.startsWith('-A ') && table) {
      const tokens = line.split(/\s+/);
      const name = tokens[1] ?? '';
      let chain = chains.get(name);
      if (!chain) {
        chain = { name, rules: [], line: n };
        chains.set(name, chain);
        table.chains.push(chain);
      }
      chain.rules.push({ index: chain.rules.length, line: n, text: line, exprs: exprsOf(tokens) });
    }
  });
  return { value: { tables, warnings: [] }, warnings: [] };
}

function exprsOf(tokens: string[]): Expr[] {
  const exprs: Expr[] = [];
  tokens.forEach((t, i) => {
    const next = tokens[i + 1];
    if (t === '--match-set' && next) {
      const negate = tokens[i - 1] === '!';
      const dirs = (tokens[i + 2] ?? '').split(',').filter((d): d is 'src' | 'dst' => d === 'src' || d === 'dst');
      exprs.push({ kind: 'ipset', name: next, dirs, negate });
    }
    if ((t === '-j' || t === '-g') && next) {
      const builtin = BUILTIN_VERDICTS[next];
      if (builtin) exprs.push({ kind: 'verdict', verdict: builtin });
      else if (/^[A-Z]+$/.test(next) && !next.startsWith('KUBE')) exprs.push({ kind: 'unknown-statement', text: next, reason: 'target not read by the stand-in parser' });
      else exprs.push({ kind: 'verdict', verdict: t === '-j' ? 'jump' : 'goto', target: next });
    }
  });
  return exprs;
}
