/** Shared helpers for the netfilter parser tests: fixtures, rule lookup, fuzz budget. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Chain, Expr, Rule, Ruleset, Table } from '../../../src/model/netfilter.js';
import { REPO_ROOT } from '../../support/corpus.js';

export const nfFixture = (name: string): string => readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'netfilter', name), 'utf8');

/** fast-check runs per property: NETX_FUZZ_RUNS (CI sets 10000), default 1000. */
export const FUZZ_RUNS = Number(process.env.NETX_FUZZ_RUNS ?? 1000) || 1000;

export function table(rs: Ruleset, name: string, family?: string): Table {
  const t = rs.tables.find((x) => x.name === name && (family === undefined || x.family === family));
  if (!t) throw new Error(`no table ${name}`);
  return t;
}

export function chain(t: Table, name: string): Chain {
  const c = t.chains.find((x) => x.name === name);
  if (!c) throw new Error(`no chain ${name} in ${t.name}`);
  return c;
}

/** All expressions of one kind in a chain, rule by rule. */
export function exprsOf<K extends Expr['kind']>(rules: Rule[], kind: K): Extract<Expr, { kind: K }>[] {
  return rules.flatMap((r) => r.exprs.filter((e): e is Extract<Expr, { kind: K }> => e.kind === kind));
}

/** The value a function throws (fails the test when it does not throw). */
export function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
