/**
 * `policy SRC DST[:PORT]` as a use case: resolve the flows (a service becomes its endpoint pods and
 * target ports), evaluate NetworkPolicy on each, say whether anything enforces it. Pure.
 */
import type { Snapshot } from '../../snapshot/types.js';
import type { Finding, Step } from '../../sim/trace.js';
import { objectsOf } from '../../model/k8s.js';
import { evaluateFlow } from './evaluate.js';
import { detectEnforcement, type Enforcement } from './enforcement.js';
import { policyFindings } from './findings.js';
import { resolveFlows, type DestinationSummary, type PolicyRequest } from './resolve.js';
import { endSummary } from './summary.js';
import type { EndSummary, PolicyFlow, PolicyVerdict, PolicyVerdictKind } from './types.js';
import { policyWorld } from './world.js';
import { policyPlan } from './plan.js';
import { leftOut, leftOutText } from '../left-out.js';

export type { PolicyRequest } from './resolve.js';
export type * from './types.js';
export { evaluateFlow } from './evaluate.js';
export { policyWorld, policyWorldOf } from './world.js';
export { detectEnforcement, type Enforcement } from './enforcement.js';
export { endForAddress } from './resolve.js';

export interface PolicyReport {
  source: EndSummary;
  destination: DestinationSummary;
  /**
   * `denied` when any flow is denied, else `uncertain` when any is, else `allowed` — except that a denied flow the node
   * dumps deliver while an engine enforces NetworkPolicy is `uncertain` (the sources disagree: disagreement.ts).
   */
  verdict: PolicyVerdictKind;
  /** One per flow (a service: one per endpoint and port): NetworkPolicy's own verdict. */
  verdicts: PolicyVerdict[];
  enforcement: Enforcement;
  findings: Finding[];
  /** What the node dumps do with the denied flows an engine should stop (set when they were walked). */
  dataplane?: DataplaneCheck;
}

/** The dataplane's answer for denied flows, from the same walk `trace` does. */
interface DataplaneCheck {
  flows: DataplaneFlow[];
  /** Why some denied flows were not walked (no node dumps, a source outside the snapshot). */
  notChecked?: string;
}

export interface DataplaneFlow {
  /** Index into `verdicts`. */
  verdict: number;
  /** `delivered`: the dumps let it through (a disagreement); `stopped`: dropped or rejected; `unknown`: the walk could not tell. */
  outcome: 'delivered' | 'stopped' | 'unknown';
  /** The walk's reason (the first path's). */
  reason: string;
  /** Nodes the paths cross. */
  nodes: string[];
}

/** A flow's verdict with the dataplane taken into account: a denial the dumps deliver (engine enforcing) is uncertain. */
export function effectiveVerdict(r: Pick<PolicyReport, 'verdicts' | 'dataplane'>, i: number): PolicyVerdictKind {
  return r.dataplane?.flows.some((f) => f.verdict === i && f.outcome === 'delivered') ? 'uncertain' : r.verdicts[i]!.kind;
}

export function policyRequest(snapshot: Snapshot, req: PolicyRequest): PolicyReport {
  const r = resolveFlows(snapshot, req);
  const world = policyWorld(snapshot);
  const verdicts = r.flows.map((f) => evaluateFlow(world, f));
  const enforcement = detectEnforcement(snapshot);
  const nodes = [...new Set(r.flows.flatMap(flowNodes))];
  const findings = policyFindings({
    verdicts,
    enforcement,
    policyCount: objectsOf(snapshot, 'networkpolicies').length,
    nodes,
    empty: r.empty,
    ...(r.destination.kind === 'service' && r.destination.name ? { service: r.destination.name } : {}),
    traceCommand: `kubectl netx trace ${req.src} ${req.dst}${req.port !== undefined ? ` --port ${req.port}` : ''}${req.namespace !== 'default' ? ` -n ${req.namespace}` : ''}`,
  });
  const left = leftOutText(leftOut(snapshot, policyPlan()));
  if (left) findings.push({ code: 'malformed-object', severity: 'warning', ...left });
  return { source: endSummary(r.source), destination: r.destination, verdict: overall(verdicts), verdicts, enforcement, findings };
}

/** Worst of the verdicts; no verdict at all (a service without endpoints) is `uncertain`. */
function overall(verdicts: PolicyVerdict[]): PolicyVerdictKind {
  if (verdicts.length === 0) return 'uncertain';
  if (verdicts.some((v) => v.kind === 'denied')) return 'denied';
  return verdicts.some((v) => v.kind === 'uncertain') ? 'uncertain' : 'allowed';
}

function flowNodes(f: PolicyFlow): string[] {
  return [f.source, f.destination].map((e) => e.node).filter((n): n is string => n !== undefined);
}

/** The verdict as one trace step (for `trace`): kind `note`, verdict allow/deny/uncertain, the reason. */
export function policyStep(v: PolicyVerdict, enforcement?: Enforcement): Step {
  const enforced = enforcement ? ` · ${enforcement.summary}` : '';
  return {
    kind: 'note',
    summary: `NetworkPolicy: ${v.reason}${enforced}`,
    verdict: v.kind === 'allowed' ? 'allow' : v.kind === 'denied' ? 'deny' : 'uncertain',
    detail: {
      egress: v.egress.kind,
      ingress: v.ingress.kind,
      ...(v.egress.selectedBy.length ? { egressPolicies: v.egress.selectedBy.join(',') } : {}),
      ...(v.ingress.selectedBy.length ? { ingressPolicies: v.ingress.selectedBy.join(',') } : {}),
    },
  };
}
