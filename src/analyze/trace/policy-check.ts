/**
 * `policy` checked against the dataplane: NetworkPolicy's verdict (analyze/policy) for each flow, and for every denied
 * flow an enforcing engine should stop, what the node dumps do with it — the same walk `trace` does. When the dumps
 * deliver it the two sources disagree: the flow is `uncertain` and the report carries the same finding `trace` shows,
 * so both commands tell one story and exit alike (docs/policy.md, "Policy and dataplane").
 */
import type { Snapshot } from '../../snapshot/types.js';
import { UserError } from '../../util/errors.js';
import { policyRequest, type DataplaneFlow, type PolicyReport, type PolicyRequest } from '../policy/index.js';
import { disagreementFinding } from '../policy/disagreement.js';
import type { EndSummary, PolicyVerdict } from '../policy/types.js';
import type { NodeModel } from '../../model/node.js';
import type { NodeCapture } from '../../snapshot/types.js';
import { traceRequest, type TraceDeps } from './index.js';
import type { NodeBuilder } from './world.js';
import { buildNodeModel } from '../../parse/node/build-node.js';

export function policyWithDataplane(snapshot: Snapshot, req: PolicyRequest, deps: TraceDeps = {}): PolicyReport {
  const report = policyRequest(snapshot, req);
  const denied = report.verdicts.map((v, i) => ({ v, i })).filter(({ v }) => v.kind === 'denied');
  // Only a denial an engine should enforce can be contradicted by a dataplane that delivers.
  if (denied.length === 0 || report.enforcement.kind !== 'enforcing') return report;
  if (Object.keys(snapshot.nodes).length === 0) {
    report.dataplane = { flows: [], notChecked: 'the snapshot holds no node dumps (--no-probe): what the dataplane does was not checked' };
    return report;
  }
  const buildNode = memo(deps.buildNode ?? buildNodeModel);
  const flows: DataplaneFlow[] = [];
  const skipped: string[] = [];
  for (const { v, i } of denied) {
    try {
      flows.push({ verdict: i, ...walk(snapshot, req.namespace, v, buildNode) });
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      skipped.push(`${v.flow.destination.name ?? v.flow.destination.ip}: ${e.message}`);
    }
  }
  report.dataplane = { flows, ...(skipped.length ? { notChecked: skipped.join('; ') } : {}) };
  const split = flows.filter((f) => f.outcome === 'delivered');
  if (split.length > 0) {
    report.verdict = report.verdicts.some((v, i) => v.kind === 'denied' && !split.some((f) => f.verdict === i)) ? 'denied' : 'uncertain';
    const nodes = [...new Set(split.flatMap((f) => f.nodes))];
    report.findings.unshift(disagreementFinding({ verdicts: split.map((f) => report.verdicts[f.verdict]!), nodes, count: split.length, of: report.verdicts.length, unit: 'flow' }, report.enforcement));
  }
  return report;
}

/** The trace of one denied flow: from the policy's source to the endpoint address and port it judged. */
function walk(snapshot: Snapshot, namespace: string, v: PolicyVerdict, buildNode: NodeBuilder): Omit<DataplaneFlow, 'verdict'> {
  const d = v.flow.destination;
  const dst = d.ip.includes(':') ? `[${d.ip}]:${v.flow.port}` : `${d.ip}:${v.flow.port}`;
  const t = traceRequest(snapshot, { src: traceSource(v.flow.source), dst, namespace, protocol: v.flow.protocol }, { buildNode }).traces[0]!;
  const nodes = [...new Set(t.branches.flatMap((b) => b.hops.map((h) => h.node)))];
  const reason = t.branches[0]?.reason ?? '';
  // The trace marks a delivered path that the policy denies as a disagreement (trace/policy.ts).
  const split = t.branches.find((b) => b.cause?.code === 'policy-dataplane-disagree');
  if (split) return { outcome: 'delivered', reason: `delivered to ${split.endpoint?.pod ?? split.endpoint?.ip ?? d.ip}${nodes.length ? ` via ${nodes.join(' → ')}` : ''}`, nodes };
  if (t.branches.every((b) => b.disposition === 'dropped' || b.disposition === 'rejected')) return { outcome: 'stopped', reason, nodes };
  return { outcome: 'unknown', reason, nodes };
}

/** The policy's source as trace's SRC: a pod by name, a node, or an outside client. */
function traceSource(e: EndSummary): string {
  if (e.kind === 'pod') return e.name ?? e.ip;
  if (e.owner === 'node' && e.name) return `node/${e.name}`;
  if (e.owner === 'host-network-pod' && e.name) return e.name;
  return `external:${e.ip}`;
}

/** One model per node for all the flows' walks. */
function memo(build: NodeBuilder): NodeBuilder {
  const cache = new Map<string, NodeModel>();
  return (name: string, capture: NodeCapture) => {
    let m = cache.get(name);
    if (!m) cache.set(name, (m = build(name, capture)));
    return m;
  };
}
