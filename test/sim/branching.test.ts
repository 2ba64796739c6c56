/**
 * Forking rules at scale: random rules that leave the packet the same merge, distinct outcomes are bounded with a
 * branch that says so, jump and goto loops end uncertain, and a service's N endpoints cost work linear in N.
 * Work is asserted as branch counts and rules evaluated (budget.ts), never as time (timings: bench/bigsvc).
 */
import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../../src/parse/netfilter/iptables-save.js';
import { newBudget, type Budget } from '../../src/sim/budget.js';
import { makeWorld, newPacket, probabilitySum, simulate, type Branch } from '../../src/sim/index.js';
import type { PodInfo } from '../../src/sim/world.js';
import { podIngress } from '../../src/analyze/trace/ingress.js';
import { renderIptables } from '../lab/kube-proxy/iptables.js';
import type { KubeProxyInput } from '../lab/kube-proxy/types.js';
import { flannelNode, NODE_A, NODE_B, podsOf } from './topology.js';

const ruleset = (text: string) => parseIptablesSave(text, { source: 'iptables node-a', family: 'ip', origin: 'iptables-nft' });

/** client (node-a) → `daddr:dport` with node-a's iptables-save `rules`; the budget tells the work done. */
function walk(rules: string, opts: { daddr?: string; dport?: number; budget?: Budget; pods?: PodInfo[] } = {}): { branches: Branch[]; budget: Budget } {
  const a = flannelNode({ ...NODE_A, ruleset: ruleset(rules) }, [NODE_B]);
  const b = flannelNode(NODE_B, [NODE_A]);
  const world = makeWorld([a, b], [...podsOf(NODE_A, NODE_B), ...(opts.pods ?? [])], { 'node-a': [NODE_A.ip], 'node-b': [NODE_B.ip] });
  const daddr = opts.daddr ?? '10.244.1.5';
  const ing = podIngress(a, '10.244.0.5', daddr);
  if (!ing.ok) throw new Error(ing.reason);
  const budget = opts.budget ?? newBudget();
  const branches = simulate(world, newPacket({ proto: 'tcp', saddr: '10.244.0.5', daddr, dport: opts.dport ?? 8080 }), ing.start, { budget });
  return { branches, budget };
}

const table = (name: string, chains: string[], rules: string[]): string => [`*${name}`, ...chains.map((c) => `:${c} ${/^[A-Z]+$/.test(c) && !c.includes('-') ? 'ACCEPT' : '-'} [0:0]`), ...rules, 'COMMIT'].join('\n');
/** The skb mark as `table chain` on node-a left it (the mark does not cross the wire: `final` does not show it). */
const markAfter = (b: Branch, table: string, chain: string): number | undefined =>
  b.hops[0]!.steps.find((s) => s.table === table && s.chain === chain && s.verdict?.startsWith('policy'))?.packetAfter?.mark;
const randomMark = (chain: string, mark: number): string => `-A ${chain} -m statistic --mode random --probability 0.50000000000 -j MARK --set-xmark 0x${mark.toString(16)}/0x${mark.toString(16)}`;

describe('random rules that leave the packet the same are one path', () => {
  it('twelve random MARK rules setting the same mark: two paths (marked, not), not 4,096', () => {
    const rules = table('mangle', ['PREROUTING'], Array.from({ length: 12 }, () => randomMark('PREROUTING', 0x4000)));
    const { branches, budget } = walk(rules);
    expect(branches).toHaveLength(2);
    expect(probabilitySum(branches)).toBeCloseTo(1, 12);
    const marked = branches.find((b) => markAfter(b, 'ip mangle', 'PREROUTING') === 0x4000)!;
    expect(marked.probability).toBeCloseTo(1 - 0.5 ** 12, 12);
    expect(marked.notes.join('\n')).toMatch(/4,095 ways through ip mangle PREROUTING leave the packet the same: merged/);
    // Two states per rule at most: the work is linear in the rules, not exponential.
    expect(budget.evaluations).toBeLessThan(2 * 12 + 40);
    for (const b of branches) expect(b.disposition).toBe('delivered');
  });

  it('the same rules spread over two base chains of one hook merge between the chains too', () => {
    const rules = [table('mangle', ['FORWARD'], Array.from({ length: 6 }, () => randomMark('FORWARD', 0x4000))), table('filter', ['FORWARD'], Array.from({ length: 6 }, () => randomMark('FORWARD', 0x4000)))].join('\n');
    const { branches } = walk(rules);
    expect(branches).toHaveLength(2);
    expect(branches.find((b) => markAfter(b, 'ip filter', 'FORWARD') === 0)!.probability).toBeCloseTo(0.5 ** 12, 12);
  });

  it('rules setting a bit each are 2^n distinct outcomes, all followed under the path limit', () => {
    const rules = table('mangle', ['PREROUTING'], Array.from({ length: 8 }, (_, i) => randomMark('PREROUTING', 1 << i)));
    const { branches } = walk(rules);
    expect(branches).toHaveLength(256);
    expect(new Set(branches.map((b) => markAfter(b, 'ip mangle', 'PREROUTING'))).size).toBe(256);
    expect(probabilitySum(branches)).toBeCloseTo(1, 9);
  });

  it('past the path limit, the alternatives not followed are one uncertain branch that says so', () => {
    const rules = table('mangle', ['PREROUTING'], Array.from({ length: 16 }, (_, i) => randomMark('PREROUTING', 1 << i)));
    const { branches, budget } = walk(rules, { budget: newBudget(100) });
    expect(branches.length).toBeLessThanOrEqual(101);
    const cut = branches.filter((b) => b.disposition === 'uncertain');
    expect(cut).toHaveLength(1);
    expect(cut[0]!.reason).toMatch(/^path limit reached: netx follows at most 100 distinct paths per trace, and the other alternatives of ip mangle PREROUTING line \d+ were not followed/);
    expect(cut[0]!.cause).toEqual({ code: 'path-limit', limit: 100 });
    expect(cut[0]!.probability).toBeGreaterThan(0.5);
    expect(probabilitySum(branches)).toBeCloseTo(1, 9);
    expect(budget.evaluations).toBeLessThan(100 * 16);
  });
});

describe('jump and goto loops', () => {
  const loop = (rules: string[], chains = ['FORWARD', 'LOOP-A', 'LOOP-B']) => walk(table('filter', chains, rules));

  it('a goto cycle ends uncertain at once, naming the loop (the kernel refuses to load one)', () => {
    const { branches, budget } = loop(['-A FORWARD -g LOOP-A', '-A LOOP-A -g LOOP-B', '-A LOOP-B -g LOOP-A']);
    expect(branches).toHaveLength(1);
    expect(branches[0]!.disposition).toBe('uncertain');
    expect(branches[0]!.reason).toMatch(/^goto LOOP-A in ip filter LOOP-B line \d+ loops \(LOOP-A → LOOP-B → LOOP-A\): the kernel refuses to load a ruleset whose jumps and gotos can loop/);
    expect(branches[0]!.cause).toEqual({ code: 'jump-loop', chains: ['LOOP-A', 'LOOP-B', 'LOOP-A'] });
    expect(budget.evaluations).toBeLessThan(20);
  });

  it('a jump cycle and a chain jumping to itself are loops alike', () => {
    const jumps = loop(['-A FORWARD -j LOOP-A', '-A LOOP-A -j LOOP-B', '-A LOOP-B -j LOOP-A']).branches;
    expect(jumps.map((b) => b.reason)).toEqual([expect.stringMatching(/^jump LOOP-A in ip filter LOOP-B line \d+ loops \(LOOP-A → LOOP-B → LOOP-A\)/)]);
    const self = loop(['-A FORWARD -j LOOP-A', '-A LOOP-A -j LOOP-A']).branches;
    expect(self.map((b) => b.reason)).toEqual([expect.stringMatching(/loops \(LOOP-A → LOOP-A\)/)]);
  });

  it('a chain left by goto is still on the call path: jumping back to it is a loop', () => {
    const { branches } = loop(['-A FORWARD -j LOOP-A', '-A LOOP-A -g LOOP-B', '-A LOOP-B -j LOOP-A']);
    expect(branches[0]!.reason).toMatch(/loops \(LOOP-A → LOOP-B → LOOP-A\)/);
  });

  it('the same chain called twice in a row is no loop', () => {
    const { branches } = loop(['-A FORWARD -j LOOP-A', '-A FORWARD -j LOOP-A', '-A LOOP-A -j LOOP-B', '-A LOOP-B -j RETURN']);
    expect(branches.map((b) => b.disposition)).toEqual(['delivered']);
  });
});

describe('a service with hundreds of endpoints (kube-proxy iptables mode)', () => {
  const N = 400;
  // node-b's /24: 200 pods, each an endpoint on two ports (8080, 8081) — 400 endpoints.
  const input: KubeProxyInput = {
    nodeName: 'node-a',
    nodeIPs: [NODE_A.ip],
    clusterCIDR: '10.244.0.0/16',
    serviceCIDRs: ['10.96.0.0/16'],
    services: [
      {
        namespace: 'default',
        name: 'big',
        type: 'ClusterIP',
        clusterIP: '10.96.0.50',
        ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
        endpoints: Array.from({ length: N }, (_, i) => ({ ip: `10.244.1.${20 + (i % 200)}`, nodeName: 'node-b', ready: true, pod: `big-${i % 200}`, ports: { http: 8080 + Math.floor(i / 200) } })),
      },
    ],
  };
  const pods: PodInfo[] = Array.from({ length: 200 }, (_, k) => ({ name: `default/big-${k}`, ips: [`10.244.1.${20 + k}`], node: 'node-b' }));

  it('every endpoint is one path with its odds; the work grows with the endpoints, not with their square', () => {
    const { branches, budget } = walk(renderIptables(input), { daddr: '10.96.0.50', dport: 80, pods });
    expect(branches).toHaveLength(N);
    expect(probabilitySum(branches)).toBeCloseTo(1, 9);
    for (const b of branches) {
      expect(b.disposition, b.reason).toBe('delivered');
      expect(b.probability).toBeCloseTo(1 / N, 9);
      // A note per decision, not one per random rule passed on the way (that list grew with N).
      expect(b.notes.length).toBeLessThan(10);
    }
    expect(new Set(branches.map((b) => `${b.endpoint?.ip}:${b.endpoint?.port}`)).size).toBe(N);
    expect(budget.evaluations).toBeLessThan(40 * N);
  });
});
