/**
 * Chains tied at one hook and priority: the one hooked last runs first (net/netfilter/core.c nf_hook_entries_grow,
 * lab-checked in test/lab/hook-order.test.ts). What the dumps decide (one table's chain handles) is taken as certain;
 * the rest is an assumption the walk states in a step, and alternativeWorld turns it around.
 */
import { describe, expect, it } from 'vitest';
import type { Chain, ChainType, Expr, Hook, Rule, Ruleset, Table, TableOrigin } from '../../src/model/netfilter.js';
import { makeWorld, newPacket, simulate, type Branch } from '../../src/sim/index.js';
import { alternativeWorld } from '../../src/sim/hook-order.js';
import { podIngress } from '../../src/analyze/trace/ingress.js';
import { CLUSTER_RANGES, twoNodes } from './harness.js';
import { NODE_A, NODE_B, podsOf } from './topology.js';

const rule = (text: string, ...exprs: Expr[]): Rule => ({ index: 0, text, exprs });
const base = (name: string, type: ChainType, hook: Hook, priority: number, rules: Rule[], handle?: number): Chain => ({
  name,
  base: { type, hook, priority, policy: 'accept' },
  rules: rules.map((r, i) => ({ ...r, index: i })),
  ...(handle !== undefined ? { handle } : {}),
});
const table = (name: string, chains: Chain[], o: { origin?: TableOrigin; handle?: number } = {}): Table => ({
  family: 'ip',
  name,
  origin: o.origin ?? 'nft',
  chains,
  sets: [],
  ...(o.handle !== undefined ? { handle: o.handle } : {}),
});
const rs = (...tables: Table[]): Ruleset => ({ tables, warnings: [] });

const VIP = '10.96.0.99';
const daddr = (addr: string): Expr => ({ kind: 'match', left: { kind: 'payload', protocol: 'ip', field: 'daddr' }, op: '==', right: { kind: 'addr', value: addr } });
const dnatTo = (addr: string): Rule => rule(`ip daddr ${VIP} dnat to ${addr}:8080`, daddr(VIP), { kind: 'nat', type: 'dnat', addr, port: 8080 });
const natPre = (to: string, handle?: number): Chain => base('PREROUTING', 'nat', 'prerouting', -100, [dnatTo(to)], handle);
const canary = (origin: TableOrigin): Table => table('mangle', [{ name: 'KUBE-IPTABLES-HINT', rules: [] }, { name: 'KUBE-KUBELET-CANARY', rules: [] }], { origin });

const WEB_A = '10.244.0.6';
const WEB_B = '10.244.1.5';

function walk(nodeA: Ruleset, alternative = false): Branch[] {
  const nodes = twoNodes({ 'node-a': nodeA });
  let world = makeWorld(nodes, podsOf(NODE_A, NODE_B), { 'node-a': [NODE_A.ip], 'node-b': [NODE_B.ip] }, true, CLUSTER_RANGES);
  if (alternative) world = alternativeWorld(world, ['node-a']);
  const ing = podIngress(nodes[0]!, '10.244.0.5', VIP);
  if (!ing.ok) throw new Error(ing.reason);
  return simulate(world, newPacket({ proto: 'tcp', saddr: '10.244.0.5', daddr: VIP, dport: 80 }), ing.start);
}

const endpoint = (b: Branch[]): string | undefined => (b.length === 1 ? b[0]!.endpoint?.ip : `${b.length} branches`);
const assumptions = (b: Branch[]) => b.flatMap((x) => x.hops.flatMap((h) => h.steps)).flatMap((s) => (s.assumption ? [s.assumption] : []));

describe('base chains at one hook and priority', () => {
  it('iptables-legacy against iptables-nft nat: the backend kubelet uses runs first; the step says it is assumed', () => {
    const legacy = table('nat', [natPre(WEB_A)], { origin: 'iptables-legacy' });
    const nft = table('nat', [natPre(WEB_B)], { origin: 'iptables-nft', handle: 3 });
    const nftInUse = walk(rs(canary('iptables-nft'), legacy, nft));
    expect(endpoint(nftInUse)).toBe(WEB_B);
    const [a] = assumptions(nftInUse);
    expect(a).toMatchObject({ kind: 'hook-order', hook: 'prerouting', priority: -100, order: ['ip nat (iptables-nft) PREROUTING', 'ip nat (iptables-legacy) PREROUTING'], flipped: false });
    expect(a?.kind === 'hook-order' && a.basis).toMatch(/kubelet uses iptables-nft/);
    // kubelet on legacy: legacy's DNAT comes first and wins (the later nat chain is skipped: NAT is set up).
    expect(endpoint(walk(rs(canary('iptables-legacy'), legacy, nft)))).toBe(WEB_A);
    // No canary anywhere: nf_tables is taken as the later one, and the step says why.
    const none = walk(rs(legacy, nft));
    expect(endpoint(none)).toBe(WEB_B);
    expect(assumptions(none)[0]).toMatchObject({ basis: expect.stringMatching(/no kubelet canary/) });
  });

  it('the alternative world turns the assumed order around', () => {
    const r = rs(canary('iptables-nft'), table('nat', [natPre(WEB_A)], { origin: 'iptables-legacy' }), table('nat', [natPre(WEB_B)], { origin: 'iptables-nft', handle: 3 }));
    const alt = walk(r, true);
    expect(endpoint(alt)).toBe(WEB_A);
    expect(assumptions(alt)[0]).toMatchObject({ order: ['ip nat (iptables-legacy) PREROUTING', 'ip nat (iptables-nft) PREROUTING'], flipped: true });
  });

  it('two nft tables: the newer table (higher handle) is taken to have hooked last', () => {
    const older = table('a', [natPre(WEB_A, 1)], { handle: 1 });
    const newer = table('b', [natPre(WEB_B, 1)], { handle: 2 });
    // Dump order does not matter: the handles do.
    expect(endpoint(walk(rs(newer, older)))).toBe(WEB_B);
    expect(endpoint(walk(rs(older, newer)))).toBe(WEB_B);
    expect(assumptions(walk(rs(older, newer)))[0]).toMatchObject({ basis: expect.stringMatching(/newer nf_tables table/) });
    expect(endpoint(walk(rs(older, newer), true))).toBe(WEB_A);
  });

  it('two chains of one table: the higher chain handle hooked later and runs first, with no assumption', () => {
    const t = table('a', [natPre(WEB_A, 1), { ...natPre(WEB_B, 2), name: 'PRE2' }], { handle: 1 });
    const b = walk(rs(t));
    expect(endpoint(b)).toBe(WEB_B);
    expect(assumptions(b)).toEqual([]);
    // Certain orders are not turned around.
    expect(endpoint(walk(rs(t), true))).toBe(WEB_B);
  });

  it('a tied chain that cannot change anything (no rules, policy accept) makes no assumption', () => {
    const emptyLegacy = table('nat', [base('PREROUTING', 'nat', 'prerouting', -100, [])], { origin: 'iptables-legacy' });
    const b = walk(rs(emptyLegacy, table('nat', [natPre(WEB_B)], { origin: 'iptables-nft', handle: 2 })));
    expect(endpoint(b)).toBe(WEB_B);
    expect(assumptions(b)).toEqual([]);
  });
});
