/** Runs a Case through the simulator on the two-node topology with a given ruleset per node. */
import type { Ruleset } from '../../src/model/netfilter.js';
import type { NodeModel } from '../../src/model/node.js';
import { makeWorld, newPacket, simulate, type Branch } from '../../src/sim/index.js';
import { podIngress } from '../../src/analyze/trace/ingress.js';
import { flannelNode, NODE_A, NODE_B, podsOf, type NodeSpec } from './topology.js';
import type { Case } from './kube-proxy-cases.js';

export function twoNodes(rulesets: Record<string, Ruleset>, tweak: (n: NodeModel) => void = () => {}): NodeModel[] {
  const specs: NodeSpec[] = [NODE_A, NODE_B];
  return specs.map((s) => {
    const n = flannelNode({ ...s, ruleset: rulesets[s.name] }, specs.filter((p) => p !== s));
    tweak(n);
    return n;
  });
}

export function runCase(nodes: NodeModel[], c: Case, probed = nodes): Branch[] {
  const world = makeWorld(probed, podsOf(NODE_A, NODE_B), { 'node-a': [NODE_A.ip], 'node-b': [NODE_B.ip] });
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
