import { describe, expect, it } from 'vitest';
import type { Expr, Ruleset } from '../../../src/model/netfilter.js';
import { ctSel, deepFreeze, intVal, metaSel, payloadSel, plainVerdict, sharedExpr, symSetVal, symVal } from '../../../src/parse/netfilter/intern.js';
import { parseIptablesSave } from '../../../src/parse/netfilter/iptables-save.js';
import { parseNftJson } from '../../../src/parse/netfilter/nft-json.js';
import { readCorpus } from '../../support/corpus.js';
import { nfFixture } from './support.js';

const allExprs = (rs: Ruleset): Expr[] => rs.tables.flatMap((t) => t.chains.flatMap((c) => c.rules.flatMap((r) => r.exprs)));

/** Every object reachable from `v` that is frozen, and every object reachable from a frozen one. */
function frozenClosureIsFrozen(v: unknown, insideFrozen = false): boolean {
  if (typeof v !== 'object' || v === null) return true;
  const frozen = Object.isFrozen(v);
  if (insideFrozen && !frozen) return false;
  return Object.values(v).every((x) => frozenClosureIsFrozen(x, insideFrozen || frozen));
}

describe('shared model objects', () => {
  it('hands out one frozen instance per distinct selector, value and verdict', () => {
    expect(payloadSel('ip', 'daddr')).toBe(payloadSel('ip', 'daddr'));
    expect(payloadSel('ip', 'daddr')).toEqual({ kind: 'payload', protocol: 'ip', field: 'daddr' });
    expect(payloadSel('ip', 'daddr')).not.toBe(payloadSel('ip6', 'daddr'));
    expect(metaSel('l4proto')).toBe(metaSel('l4proto'));
    expect(ctSel('state')).toEqual({ kind: 'ct', key: 'state' });
    expect(ctSel('saddr', 'reply')).toEqual({ kind: 'ct', key: 'saddr', dir: 'reply' });
    expect(ctSel('saddr', 'reply')).not.toBe(ctSel('saddr', 'original'));
    expect(symVal('tcp')).toBe(symVal('tcp'));
    expect(intVal(80)).toBe(intVal(80));
    expect(intVal(2 ** 31)).toEqual({ kind: 'int', value: 2 ** 31 });
    expect(symSetVal(['new', 'established'])).toEqual({ kind: 'set', elements: [{ kind: 'symbol', value: 'new' }, { kind: 'symbol', value: 'established' }] });
    expect(plainVerdict('accept')).toEqual({ kind: 'verdict', verdict: 'accept' });
    for (const o of [payloadSel('tcp', 'dport'), metaSel('mark'), ctSel('status'), symVal('x'), intVal(1), intVal(-1), symSetVal(['a']), plainVerdict('drop')])
      expect(frozenClosureIsFrozen(o)).toBe(true);
  });

  it('refuses writes: a consumer changing a shared object would change it in every rule', () => {
    const sel = payloadSel('udp', 'dport') as { field: string };
    expect(() => {
      sel.field = 'sport';
    }).toThrow(TypeError);
    const set = symSetVal(['related']) as { elements: unknown[] };
    expect(() => set.elements.push(symVal('new'))).toThrow(TypeError);
    expect(payloadSel('udp', 'dport')).toEqual({ kind: 'payload', protocol: 'udp', field: 'dport' });
  });

  it('keys shared expressions by the caller\u2019s key and builds each once', () => {
    let built = 0;
    const make = (): Expr => {
      built++;
      return { kind: 'random', probability: 0.25 };
    };
    const a = sharedExpr('test random 0.25', make);
    expect(sharedExpr('test random 0.25', make)).toBe(a);
    expect(built).toBe(1);
    expect(Object.isFrozen(a)).toBe(true);
    expect(deepFreeze({ a: [{ b: 1 }] }).a[0]).toSatisfy(Object.isFrozen);
  });

  it('iptables-save: rules share selectors and constant matches, and every shared object is deeply frozen', () => {
    const rs = parseIptablesSave(readCorpus('iptables', 'k8s-proxier-test-TestOverallIPTablesRules.rules'), { source: 't', family: 'ip', origin: 'iptables-nft' });
    const exprs = allExprs(rs);
    const tcp = exprs.filter((e) => e.kind === 'match' && e.left.kind === 'meta' && e.left.key === 'l4proto' && e.op === '==' && e.right.kind === 'symbol' && e.right.value === 'tcp');
    expect(tcp.length).toBeGreaterThan(5);
    expect(new Set(tcp).size).toBe(1);
    const daddr = exprs.flatMap((e) => (e.kind === 'match' && e.left.kind === 'payload' && e.left.field === 'daddr' ? [e.left] : []));
    expect(daddr.length).toBeGreaterThan(5);
    expect(new Set(daddr).size).toBe(1);
    const jumps = new Map<string, Set<Expr>>();
    for (const e of exprs) if (e.kind === 'verdict' && e.verdict === 'jump') jumps.set(e.target!, (jumps.get(e.target!) ?? new Set()).add(e));
    expect(jumps.get('KUBE-MARK-MASQ')?.size).toBe(1);
    for (const e of exprs) expect(frozenClosureIsFrozen(e)).toBe(true);
    // Rules, chains and tables themselves stay ordinary objects.
    expect(Object.isFrozen(rs.tables[0]!.chains[0]!.rules)).toBe(false);
  });

  it('nft -j: the same for kernel JSON dumps', () => {
    const rs = parseNftJson(nfFixture('synthetic-20x5.kube-proxy.nft.json'), { source: 't' });
    const exprs = allExprs(rs);
    const l4 = exprs.flatMap((e) => (e.kind === 'match' && e.left.kind === 'meta' && e.left.key === 'l4proto' ? [e.left] : []));
    expect(l4.length).toBeGreaterThan(5);
    expect(new Set(l4).size).toBe(1);
    for (const e of exprs) expect(frozenClosureIsFrozen(e)).toBe(true);
    for (const t of rs.tables) for (const s of t.sets) expect(frozenClosureIsFrozen(s)).toBe(true);
  });
});
