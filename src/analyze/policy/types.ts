/**
 * The NetworkPolicy verdict for one flow (networking.k8s.io/v1 semantics). Typed so that `policy`
 * prints it alone and `trace` can show it as a step: each side (egress of the source, ingress of the
 * destination) says which policies isolate its pod and which rule allows the flow, or that none does.
 */
import type { V1Pod } from '../../model/k8s.js';

export type Proto = 'tcp' | 'udp' | 'sctp';

/** Three-valued match: `maybe` when the answer depends on something the docs leave open or the snapshot lacks. */
export type Tri = 'yes' | 'no' | 'maybe';

/** One end of a flow: a pod (from the API objects) or a bare address (external, a node, a hostNetwork pod). */
export type FlowEnd =
  | { kind: 'pod'; pod: V1Pod; name: string; namespace: string; ip: string; node?: string; hostIP?: string }
  | { kind: 'ip'; ip: string; owner: 'external' | 'node' | 'host-network-pod'; name?: string; node?: string };

/** What the CNI sees: the source, the destination after DNAT (an endpoint pod), protocol and destination port. */
export interface PolicyFlow {
  source: FlowEnd;
  destination: FlowEnd;
  protocol: Proto;
  port: number;
}

/** A policy rule by position: `ns/name`, direction, 0-based rule index (peer/port indexes when one decided). */
export interface RuleRef {
  policy: string;
  direction: Direction;
  rule: number;
  /** Which peer of `from`/`to` matched (absent: the rule has no peers, so it matches every peer). */
  peer?: number;
  /** Which entry of `ports` matched (absent: the rule has no ports, so every port). */
  port?: number;
  /** Why it matched, one line. */
  reason: string;
}

export type Direction = 'ingress' | 'egress';

/**
 * The verdict on one side of the flow.
 * - `unrestricted`: no policy isolates this pod in this direction (or the end is not a pod, or the
 *   docs exempt the traffic: node-local, a pod to itself, hostNetwork pods).
 * - `allowed`: isolated, and at least one rule of a selecting policy allows the flow.
 * - `denied`: isolated, and no rule allows it (`selectedBy` lists the isolating policies).
 * - `uncertain`: no rule surely allows it, but some rule may (`maybe`): an ipBlock covering a pod IP,
 *   or a namespace whose labels the snapshot does not hold.
 */
export interface SideVerdict {
  kind: 'unrestricted' | 'allowed' | 'denied' | 'uncertain';
  direction: Direction;
  /** The pod this side is about (`ns/name`), absent when the end is not a pod. */
  pod?: string;
  /** Policies (`ns/name`) that select the pod and apply to this direction. */
  selectedBy: string[];
  /** Rules that allow the flow (every one of them, across policies: they are a union). */
  allowedBy: RuleRef[];
  /** Rules that may allow it (the `maybe` cases). */
  uncertainBy: RuleRef[];
  /** Rules of the selecting policies that do not match, each with why (what to change). */
  misses: RuleRef[];
  /** One line for a trace step. */
  reason: string;
}

export type PolicyVerdictKind = 'allowed' | 'denied' | 'uncertain';

/** The verdict for one flow: both sides must allow (docs: egress of the source AND ingress of the destination). */
export interface PolicyVerdict {
  kind: PolicyVerdictKind;
  flow: FlowSummary;
  egress: SideVerdict;
  ingress: SideVerdict;
  /** One line for a trace step. */
  reason: string;
  /** What was assumed (missing namespaces, invalid selectors, ipBlock vs pod IPs). */
  notes: string[];
}

/** The flow as printed (no API objects inside, so JSON stays small). */
export interface FlowSummary {
  source: EndSummary;
  destination: EndSummary;
  protocol: Proto;
  port: number;
}

export interface EndSummary {
  kind: 'pod' | 'ip';
  ip: string;
  name?: string;
  node?: string;
  owner?: string;
}
