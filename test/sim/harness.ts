/** Runs a Case through the simulator on the two-node topology with a given ruleset per node. */
import type { Ruleset } from '../../src/model/netfilter.js';
import type { NodeModel } from '../../src/model/node.js';
import { expect } from 'vitest';
import { makeWorld, newPacket, overallDisposition, probabilitySum, simulate, type Branch } from '../../src/sim/index.js';
import { podIngress } from '../../src/analyze/trace/ingress.js';
import { flannelNode, NODE_A, NODE_B, podsOf, type NodeSpec } from './topology.js';
import type { Case } from './kube-proxy-cases.js';

/** What the API would say the cluster claims: the podCIDRs and the service range the cases use. */
export const CLUSTER_RANGES = [
  { cidr: '10.244.0.0/24', what: 'the podCIDR of node-a' },
  { cidr: '10.244.1.0/24', what: 'the podCIDR of node-b' },
  { cidr: '10.96.0.0/16', what: 'the service CIDR' },
];

export function twoNodes(rulesets: Record<string, Ruleset>, tweak: (n: NodeModel) => void = () => {}): NodeModel[] {
  const specs: NodeSpec[] = [NODE_A, NODE_B];
  return specs.map((s) => {
    const n = flannelNode({ ...s, ruleset: rulesets[s.name] }, specs.filter((p) => p !== s));
    tweak(n);
    return n;
  });
}

export function runCase(nodes: NodeModel[], c: Case, probed = nodes): Branch[] {
  const world = makeWorld(probed, podsOf(NODE_A, NODE_B), { 'node-a': [NODE_A.ip], 'node-b': [NODE_B.ip] }, true, CLUSTER_RANGES);
  const proto = c.proto ?? 'tcp';
  if (c.source.startsWith('node:')) {
    const node = c.source.slice(5);
    return simulate(world, newPacket({ proto, saddr: '', daddr: c.destination, dport: c.port }), { kind: 'local', node });
  }
  const pod = [...NODE_A.pods.map((p) => ({ ...p, node: NODE_A.name })), ...NODE_B.pods.map((p) => ({ ...p, node: NODE_B.name }))].find((p) => p.name === c.source)!;
  const model = nodes.find((n) => n.name === pod.node)!;
  const ing = podIngress(model, pod.ip, c.destination);
  if (!ing.ok) throw new Error(ing.reason);
  return simulate(world, newPacket({ proto, saddr: pod.ip, daddr: c.destination, dport: c.port, ...(c.sport !== undefined ? { sport: c.sport } : {}) }), ing.start);
}

/** `ip:port` → summed probability of delivered branches. */
export function endpointOdds(branches: Branch[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of branches) {
    if (b.disposition !== 'delivered' || !b.endpoint) continue;
    const k = `${b.endpoint.ip}:${b.endpoint.port}`;
    out[k] = (out[k] ?? 0) + b.probability;
  }
  return out;
}

/** The checks every proxy mode must pass for a shared Case: odds sum to 1, nothing uncertain, disposition, endpoints, source. */
export function expectCase(branches: Branch[], c: Case): void {
  expect(probabilitySum(branches)).toBeCloseTo(1, 9);
  for (const b of branches) expect(b.disposition, b.reason).not.toBe('uncertain');
  expect(overallDisposition(branches)).toBe(c.disposition);
  if (c.endpoints) {
    const odds = endpointOdds(branches);
    expect(Object.keys(odds).sort()).toEqual(Object.keys(c.endpoints).sort());
    for (const [k, p] of Object.entries(c.endpoints)) expect(odds[k]).toBeCloseTo(p, 6);
  }
  if (c.seenFrom) for (const b of branches) expect(b.final?.saddr).toBe(c.seenFrom);
}
