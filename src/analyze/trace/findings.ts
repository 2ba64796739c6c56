/**
 * Findings with evidence: what is wrong (or worth knowing) about this path, each naming the object,
 * node, rule or sysctl that shows it.
 */
import type { Snapshot } from '../../snapshot/types.js';
import type { Finding, Trace } from '../../sim/trace.js';
import type { TraceWorld } from './world.js';
import type { FindingCtx } from './finding-ctx.js';
import { endpointsFor } from './endpoints.js';
import { serviceFindings } from './service-findings.js';
import { unreadFindings } from './unread-findings.js';
import { affinity, branchFindings, brNetfilter, masquerade, mtu, podCidrRoutes, replyFindings, undeclaredPorts } from './path-findings.js';

export function findingsFor(snapshot: Snapshot, tw: TraceWorld, trace: Trace, ctx: FindingCtx): Finding[] {
  const out: Finding[] = [];
  if (ctx.dest.kind === 'service' && ctx.target.servicePort) {
    const eps = endpointsFor(snapshot, ctx.dest.service, ctx.target.servicePort);
    out.push(...serviceFindings(snapshot, tw, trace, ctx, eps));
  }
  // targetPort-mismatch already says it for a service; otherwise judge each delivered pod port.
  if (!out.some((f) => f.code === 'target-port-mismatch')) out.push(...undeclaredPorts(snapshot, trace.branches));
  out.push(...branchFindings(trace));
  out.push(...podCidrRoutes(snapshot, trace));
  out.push(...masquerade(trace, ctx));
  out.push(...brNetfilter(tw, trace));
  out.push(...mtu(tw, trace, ctx));
  out.push(...replyFindings(tw, trace));
  out.push(...affinity(trace));
  out.push(...unreadFindings(tw, trace, ctx.srcNode));
  return out;
}

