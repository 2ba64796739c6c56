/**
 * The verdict for one flow. Docs semantics: a pod is isolated in a direction when some policy selects
 * it and lists that direction in (defaulted) policyTypes; an isolated pod accepts what at least one
 * rule of those policies allows (policies are a union, order is irrelevant); a connection needs the
 * source's egress AND the destination's ingress. Exemptions the docs state: a pod cannot block itself,
 * traffic to/from the pod's own node is always allowed; hostNetwork pods are not subject (the most
 * common implementation of the docs' "undefined" behaviour).
 */
import type { V1NetworkPolicy, V1NetworkPolicyEgressRule, V1NetworkPolicyIngressRule, V1NetworkPolicyPeer } from '@kubernetes/client-node';
import type { Direction, FlowEnd, PolicyFlow, PolicyVerdict, RuleRef, SideVerdict, Tri } from './types.js';
import { policyName, policyTypes, type PolicyWorld } from './world.js';
import { matchSelector, type LabelSelector } from './selector.js';
import { matchPeers } from './peers.js';
import { matchPorts } from './ports.js';
import { summarizeFlow, endText } from './summary.js';

type RawIngressRule = V1NetworkPolicyIngressRule & { from?: V1NetworkPolicyPeer[] };

/** Evaluates both sides of `flow` against the world's policies. */
export function evaluateFlow(world: PolicyWorld, flow: PolicyFlow): PolicyVerdict {
  const notes = new Set<string>();
  const egress = evaluateSide(world, flow, 'egress', notes);
  const ingress = evaluateSide(world, flow, 'ingress', notes);
  const sides = [egress, ingress];
  const kind = sides.some((s) => s.kind === 'denied') ? 'denied' : sides.some((s) => s.kind === 'uncertain') ? 'uncertain' : 'allowed';
  const deciding = sides.find((s) => s.kind === kind) ?? ingress;
  const reason = kind === 'allowed' ? `allowed: ${egress.reason}; ${ingress.reason}` : `${kind}: ${deciding.reason}`;
  return { kind, flow: summarizeFlow(flow), egress, ingress, reason, notes: [...notes] };
}

function evaluateSide(world: PolicyWorld, flow: PolicyFlow, direction: Direction, notes: Set<string>): SideVerdict {
  const subject = direction === 'egress' ? flow.source : flow.destination;
  const other = direction === 'egress' ? flow.destination : flow.source;
  const base = { direction, selectedBy: [] as string[], allowedBy: [] as RuleRef[], uncertainBy: [] as RuleRef[], misses: [] as RuleRef[] };
  if (subject.kind !== 'pod') return { ...base, kind: 'unrestricted', reason: notSubject(subject, direction) };
  const exempt = exemption(subject, other, direction);
  if (exempt) return { ...base, kind: 'unrestricted', pod: subject.name, reason: exempt };
  return withUnreadable(world, subject, judgePod(world, flow, direction, subject, notes, base), notes);
}

function judgePod(world: PolicyWorld, flow: PolicyFlow, direction: Direction, subject: Extract<FlowEnd, { kind: 'pod' }>, notes: Set<string>, base: Omit<SideVerdict, 'kind' | 'reason'>): SideVerdict {
  const other = direction === 'egress' ? flow.destination : flow.source;
  const selecting = world.policies.filter((p) => selects(p, subject, notes) && policyTypes(p).includes(direction));
  const pod = subject.name;
  if (selecting.length === 0) return { ...base, kind: 'unrestricted', pod, reason: `no NetworkPolicy selects ${pod} for ${direction}` };
  const side: SideVerdict = { ...base, kind: 'denied', pod, selectedBy: selecting.map(policyName), reason: '' };
  for (const p of selecting) {
    const rules: (V1NetworkPolicyIngressRule | V1NetworkPolicyEgressRule)[] = (direction === 'ingress' ? p.spec?.ingress : p.spec?.egress) ?? [];
    rules.forEach((rule, i) => {
      const j = judgeRule(world, p, direction, i, rule, flow, notes);
      (j.match === 'yes' ? side.allowedBy : j.match === 'maybe' ? side.uncertainBy : side.misses).push(j.ref);
    });
  }
  side.kind = side.allowedBy.length > 0 ? 'allowed' : side.uncertainBy.length > 0 ? 'uncertain' : 'denied';
  side.reason = sideReason(side, other, flow);
  return side;
}

/**
 * A policy of the pod's namespace that was set aside at load (snapshot/screen.ts) may select the pod:
 * it could isolate it, or allow what the others do not. Only an allow by a readable policy stands.
 */
function withUnreadable(world: PolicyWorld, subject: Extract<FlowEnd, { kind: 'pod' }>, side: SideVerdict, notes: Set<string>): SideVerdict {
  const unreadable = side.kind === 'allowed' ? [] : world.unreadable(subject.namespace);
  if (unreadable.length === 0) return side;
  for (const u of unreadable) notes.add(`${u}; set aside, it may select ${subject.name}`);
  return { ...side, kind: 'uncertain', reason: `${side.reason}; but ${unreadable.length} NetworkPolicy object(s) of namespace ${subject.namespace} could not be read` };
}

/** One rule against the flow: its peers (the other end) AND its ports (on the destination). */
function judgeRule(world: PolicyWorld, p: V1NetworkPolicy, direction: Direction, i: number, rule: V1NetworkPolicyIngressRule | V1NetworkPolicyEgressRule, flow: PolicyFlow, notes: Set<string>): { match: Tri; ref: RuleRef } {
  const other = direction === 'egress' ? flow.destination : flow.source;
  // Raw API JSON says `from`; client-node's class renames it `_from`, so read the wire name.
  const peers = direction === 'ingress' ? (rule as RawIngressRule).from : (rule as V1NetworkPolicyEgressRule).to;
  const pm = matchPeers(world, p.metadata?.namespace ?? '', peers, other);
  pm.notes.forEach((n) => notes.add(`${policyName(p)}: ${n}`));
  const portm = matchPorts(rule.ports, flow.protocol, flow.port, flow.destination);
  portm.invalid?.forEach((n) => notes.add(`${policyName(p)} ${direction} rule ${i}: ${n}`));
  const ref: RuleRef = { policy: policyName(p), direction, rule: i, reason: '' };
  // A miss names what failed; the indexes of parts that did match would only confuse.
  if (pm.match === 'no' || !portm.match) return { match: 'no', ref: { ...ref, reason: pm.match === 'no' ? pm.why : portm.why } };
  if (pm.index !== undefined) ref.peer = pm.index;
  if (portm.index !== undefined) ref.port = portm.index;
  ref.reason = `${pm.why}; ${portm.why}`;
  return { match: pm.match, ref };
}

/** Why a non-pod end has no policy side. */
function notSubject(end: Extract<FlowEnd, { kind: 'ip' }>, direction: Direction): string {
  if (end.owner === 'host-network-pod') return `${end.name ?? end.ip} uses hostNetwork: NetworkPolicy does not apply to it (docs: undefined; plugins treat it as node traffic)`;
  return `${endText(end)} is not a pod: no ${direction} policy applies`;
}

/** The docs' exemptions for a pod side (itself, its own node), or undefined. */
function exemption(subject: Extract<FlowEnd, { kind: 'pod' }>, other: FlowEnd, direction: Direction): string | undefined {
  if (other.kind === 'pod' && other.name === subject.name) return `${subject.name} to itself: a pod cannot block access to itself`;
  const nodeIP = subject.hostIP;
  const otherNode = other.kind === 'ip' && (other.owner === 'node' || other.owner === 'host-network-pod') ? other.node : undefined;
  if ((nodeIP && other.ip === nodeIP) || (otherNode && otherNode === subject.node)) {
    return `${direction === 'ingress' ? 'from' : 'to'} ${subject.name}'s own node ${subject.node ?? nodeIP}: always allowed`;
  }
  return undefined;
}

function selects(p: V1NetworkPolicy, pod: Extract<FlowEnd, { kind: 'pod' }>, notes: Set<string>): boolean {
  if ((p.metadata?.namespace ?? '') !== pod.namespace) return false;
  // Absent podSelector defaults to {}: every pod of the namespace.
  const r = matchSelector((p.spec?.podSelector ?? {}) as LabelSelector, { labels: pod.pod.metadata?.labels ?? {}, known: 'all' });
  if (r.invalid) notes.add(`${policyName(p)}: invalid podSelector (${r.invalid}); it selects nothing here`);
  return r.match === 'yes';
}

function sideReason(side: SideVerdict, other: FlowEnd, flow: PolicyFlow): string {
  const what = `${side.direction} of ${side.pod}`;
  const tuple = `${side.direction === 'ingress' ? 'from' : 'to'} ${endText(other)} on ${flow.port}/${flow.protocol.toUpperCase()}`;
  const first = side.allowedBy[0] ?? side.uncertainBy[0];
  if (first) {
    const more = side.allowedBy.length + side.uncertainBy.length - 1;
    const verb = side.kind === 'allowed' ? 'allowed' : 'maybe allowed';
    return `${what} ${verb} ${tuple} by ${first.policy} ${first.direction} rule ${first.rule} (${first.reason})${more > 0 ? ` and ${more} more` : ''}`;
  }
  const rules = side.misses.length;
  return `${what} isolated by ${side.selectedBy.join(', ')}; ${rules === 0 ? `no ${side.direction} rules (deny all)` : `none of ${rules} ${side.direction} rule${rules > 1 ? 's' : ''} allows`} ${tuple}`;
}
