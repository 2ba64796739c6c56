/**
 * The NetworkPolicy verdict as part of a trace: each branch gets a step with the verdict for the flow
 * it carries (egress of the source, ingress of the endpoint at the post-DNAT port — where CNIs judge
 * it), and the trace gets findings that join the verdict with what enforces it. The dataplane walk
 * decides the disposition: a CNI's policy chains in the dumps already drop the packet there, and a
 * policy nothing enforces is reported, not applied. One exception: a denial an engine enforces on a
 * path the dumps deliver — the two sources disagree, and the branch becomes uncertain (disagreement.ts).
 */
import type { Snapshot } from '../../snapshot/types.js';
import type { NodeModel } from '../../model/node.js';
import { isFailure, type Branch, type Finding, type Step, type Trace } from '../../sim/trace.js';
import type { PacketView } from '../../sim/packet.js';
import { has, objectsOf } from '../../model/k8s.js';
import { evaluateFlow, policyWorld, detectEnforcement, endForAddress, policyStep, type Enforcement } from '../policy/index.js';
import type { PolicyWorld } from '../policy/world.js';
import { policyFindings } from '../policy/findings.js';
import { denyingPolicies, disagreementFinding, disagrees } from '../policy/disagreement.js';
import { describeGap } from '../../model/gaps.js';
import type { FlowEnd, PolicyVerdict, Proto } from '../policy/types.js';
import type { Source } from './resolve.js';

/** What the policy part of every trace of one request shares (evaluated once per request). */
export interface PolicyContext {
  world: PolicyWorld;
  enforcement: Enforcement;
  policyCount: number;
}

/** Undefined when the snapshot holds no NetworkPolicies list at all (older snapshots): nothing to judge. */
export function policyContext(snapshot: Snapshot, models?: ReadonlyMap<string, NodeModel>): PolicyContext | undefined {
  if (!has(snapshot, 'networkpolicies')) return undefined;
  // The node models hold every netfilter dump parsed already: no second parse of big rulesets.
  const rulesets = models ? new Map([...models].map(([n, m]) => [n, m.ruleset])) : undefined;
  const enforcement = detectEnforcement(snapshot, rulesets);
  // Chains an engine left in a dump that could not be read are not there to be seen.
  for (const [node, m] of models ?? []) for (const g of m.gaps ?? []) if (g.state === 'netfilter' && !g.moot) enforcement.gaps.push(`node ${node}: ${describeGap(g)}`);
  return { world: policyWorld(snapshot), enforcement, policyCount: objectsOf(snapshot, 'networkpolicies').length };
}

/**
 * Adds the verdict step to every branch that has a destination to judge and returns the findings.
 * `source` is the FlowEnd of the sender (a pod, a node, an external address).
 */
export function applyPolicy(snapshot: Snapshot, ctx: PolicyContext | undefined, trace: Trace, source: FlowEnd): Finding[] {
  if (!ctx) {
    return [{ code: 'policy-not-collected', severity: 'info', message: 'NetworkPolicies are not in the snapshot: the policy verdict is not part of this trace', hint: 'collect again with this version (kubectl netx collect) to include networkpolicies and namespaces' }];
  }
  const judged: Judged[] = [];
  for (const b of trace.branches) {
    const flow = branchFlow(snapshot, trace, b, source);
    if (!flow) continue;
    const v = evaluateFlow(ctx.world, flow);
    judged.push({ branch: b, verdict: v });
    insertStep(b, policyStep(v, ctx.enforcement));
  }
  const nodes = [...new Set(trace.branches.flatMap((b) => b.hops.map((h) => h.node)))];
  // "Nothing enforces it: the traffic passes" is about the paths the dataplane lets through.
  const passing = judged.filter((j) => !isFailure(j.branch.disposition)).map((j) => j.verdict);
  const split = judged.filter((j) => disagrees(j.verdict, ctx.enforcement, !isFailure(j.branch.disposition)));
  for (const j of split) markDisagreement(j, ctx.enforcement);
  const disagreement = split.length
    ? [disagreementFinding({ verdicts: split.map((j) => j.verdict), nodes: [...new Set(split.flatMap((j) => j.branch.hops.map((h) => h.node)))], count: split.length, of: trace.branches.length, unit: 'path' }, ctx.enforcement)]
    : [];
  const rest = judged.filter((j) => !split.includes(j));
  return [...disagreement, ...deniedFindings(rest, trace), ...policyFindings({ verdicts: passing, enforcement: ctx.enforcement, policyCount: ctx.policyCount, nodes, empty: [], walked: trace.branches.length > 0 && trace.branches.every((b) => b.hops.length > 0) })];
}

/** The dumps deliver what an enforcing engine should deny: neither source wins, the branch is uncertain. */
function markDisagreement(j: Judged, e: Enforcement): void {
  const policies = denyingPolicies(j.verdict);
  j.branch.disposition = 'uncertain';
  j.branch.reason = `the dumps deliver it (${j.branch.reason}), but NetworkPolicy ${policies.join(', ')} denies it (${e.summary}): the two disagree`;
  j.branch.cause = { code: 'policy-dataplane-disagree', policies, engines: e.engines };
}

interface Judged {
  branch: Branch;
  verdict: PolicyVerdict;
}

/** The sender as the policy evaluator sees it. */
export function sourceEnd(snapshot: Snapshot, source: Source): FlowEnd {
  if (source.kind === 'node') return { kind: 'ip', ip: source.ip, owner: 'node', name: source.name, node: source.name };
  if (source.hostNetwork) return { kind: 'ip', ip: source.ip, owner: 'host-network-pod', name: source.name, node: source.node };
  return endForAddress(snapshot, source.ip, source.pod);
}

/**
 * The flow the destination's CNI judges: the endpoint (after DNAT) and its port. A sender that is not
 * a pod is judged by the address the packet finally carries (after SNAT: a masqueraded NodePort client
 * is seen as the node).
 */
function branchFlow(snapshot: Snapshot, trace: Trace, b: Branch, source: FlowEnd): { source: FlowEnd; destination: FlowEnd; protocol: Proto; port: number } | undefined {
  const last = carried(b);
  const ip = b.endpoint?.ip ?? last?.daddr ?? (trace.destination.kind !== 'service' ? trace.destination.ip : undefined);
  const port = b.endpoint?.port ?? last?.dport ?? (trace.destination.kind !== 'service' ? trace.destination.port : undefined);
  const proto = trace.destination.protocol;
  if (!ip || port === undefined || (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp')) return undefined;
  const seenAs = source.kind !== 'pod' && last?.saddr && last.saddr !== source.ip ? endForAddress(snapshot, last.saddr) : source;
  return { source: seenAs, destination: endForAddress(snapshot, ip), protocol: proto, port };
}

/**
 * The traced packet as the branch last carried it: `final`, unless the branch ended while it was wrapped in a tunnel
 * (an encap with no decap after it) — then the inner packet, not the node-to-node outer one.
 */
function carried(b: Branch): PacketView | undefined {
  const steps = b.hops.flatMap((h) => h.steps);
  const encap = steps.findLastIndex((s) => s.kind === 'encap');
  return encap >= 0 && !steps.slice(encap).some((s) => s.kind === 'decap') ? steps[encap]!.packetBefore : b.final;
}

/** In the last hop, before the delivery (else at the end of the hop where the branch ended): the CNI judges the packet as it reaches the pod. */
function insertStep(b: Branch, step: Step): void {
  const hop = b.hops[b.hops.length - 1];
  if (!hop) return;
  const at = hop.steps.findIndex((s) => s.kind === 'deliver');
  if (at < 0) hop.steps.push(step);
  else hop.steps.splice(at, 0, step);
}

/** "denied by policy X": named policies, and whether the dataplane agrees (drops it) or delivers it anyway. */
function deniedFindings(judged: Judged[], trace: Trace): Finding[] {
  const denied = judged.filter((j) => j.verdict.kind === 'denied');
  if (denied.length === 0) return [];
  const verdicts = denied.map((j) => j.verdict);
  const policies = [...new Set(verdicts.flatMap((v) => [...(v.egress.kind === 'denied' ? v.egress.selectedBy : []), ...(v.ingress.kind === 'denied' ? v.ingress.selectedBy : [])]))];
  const delivered = denied.some((j) => !isFailure(j.branch.disposition));
  const stopped = denied.filter((j) => j.branch.disposition === 'dropped' || j.branch.disposition === 'rejected');
  // Delivered denials here are not enforced (an enforcing engine's are disagreements, told apart).
  const tail = !delivered && stopped.length === denied.length ? `; the dataplane stops it too (${stopped[0]!.branch.reason})` : '';
  const first = verdicts[0]!;
  return [
    {
      code: 'policy-denied',
      severity: delivered ? 'warning' : 'info',
      message: `denied by NetworkPolicy ${policies.join(', ')} on ${denied.length} of ${trace.branches.length} path(s): ${first.reason.replace(/^denied: /, '')}${denied.length > 1 ? ' (and the like for the others)' : ''}${tail}`,
      evidence: [...new Set(verdicts.flatMap((v) => [...v.egress.misses, ...v.ingress.misses].map((m) => `${m.policy} ${m.direction} rule ${m.rule}: ${m.reason}`)))].slice(0, 8),
      hint: `kubectl netx policy ${trace.source.name ?? trace.source.ip} ${first.flow.destination.name ?? first.flow.destination.ip}:${first.flow.port}`,
    },
  ];
}
