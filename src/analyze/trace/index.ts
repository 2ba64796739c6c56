/**
 * `trace SRC DST[:PORT]` as a use case: resolve the names, plan the packet, walk it through the node
 * models, attach findings and address labels. Pure: a Snapshot and a node-model builder in, Traces out.
 */
import type { Snapshot } from '../../snapshot/types.js';
import type { Trace, TraceEnd } from '../../sim/trace.js';
import { mergeBranches, newPacket, overallDisposition, simulate, type Branch, type Start } from '../../sim/index.js';
import { UserError } from '../../util/errors.js';
import { resolveDestination, resolveSource, servicePorts, type Destination, type Proto, type Source } from './resolve.js';
import { buildWorld, type NodeBuilder, type TraceWorld } from './world.js';
import { podIngress } from './ingress.js';
import { findingsFor } from './findings.js';
import { labelAddresses } from './labels.js';
import { applyPolicy, policyContext, sourceEnd, type PolicyContext } from './policy.js';

export interface TraceRequest {
  src: string;
  dst: string;
  /** Namespace for names without one. */
  namespace: string;
  protocol?: Proto;
  port?: number;
  /** Source port: names one flow, so an existing conntrack entry for it decides the path. */
  sport?: number;
}

export interface TraceReport {
  traces: Trace[];
}

export interface TraceDeps {
  buildNode: NodeBuilder;
}

export { type NodeBuilder } from './world.js';

export function traceRequest(snapshot: Snapshot, req: TraceRequest, deps: TraceDeps): TraceReport {
  const source = resolveSource(snapshot, req.src, req.namespace);
  const { dest, port: dstPort, portName } = resolveDestination(snapshot, req.dst, req.namespace);
  if (req.port !== undefined && dstPort !== undefined && req.port !== dstPort) throw new UserError(`two ports given: ${dstPort} in ${req.dst} and --port ${req.port}`);
  const port = req.port ?? dstPort;
  const tw = buildWorld(snapshot, deps.buildNode);
  const targets = plannedTargets(dest, port, portName, req.protocol);
  const pc = policyContext(snapshot);
  return { traces: targets.map((t) => traceOne(snapshot, tw, pc, source, dest, t, req.sport)) };
}

interface Target {
  ip: string;
  port: number;
  proto: Proto;
  portName?: string;
  servicePort?: import('./views.js').V1ServicePort;
}

function plannedTargets(dest: Destination, port: number | undefined, portName: string | undefined, protocol?: Proto): Target[] {
  if (dest.kind === 'service') {
    return servicePorts(dest, port, portName, protocol).map((sp) => {
      const t: Target = { ip: dest.ip, port: sp.port, proto: (sp.protocol ?? 'TCP').toLowerCase() as Proto, servicePort: sp };
      if (sp.name) t.portName = sp.name;
      return t;
    });
  }
  let p = port;
  if (p === undefined && dest.kind === 'pod') {
    const all = (dest.pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
    if (all.length === 1) p = all[0]!.containerPort;
  }
  if (p === undefined) throw new UserError(`no port for ${dest.kind === 'ip' ? dest.ip : dest.name}: the path depends on it`, { hint: 'give one as DST:PORT or with --port' });
  return [{ ip: dest.ip, port: p, proto: protocol ?? 'tcp' }];
}

function traceOne(snapshot: Snapshot, tw: TraceWorld, pc: PolicyContext | undefined, source: Source, dest: Destination, t: Target, sport?: number): Trace {
  const pkt = newPacket({ proto: t.proto, saddr: source.kind === 'pod' && !source.hostNetwork ? source.ip : '', daddr: t.ip, dport: t.port, ...(sport !== undefined ? { sport } : {}) });
  const srcNode = source.kind === 'pod' ? source.node : source.name;
  let branches: Branch[];
  const start = planStart(tw, source, t.ip);
  if (start.ok) branches = mergeBranches(simulate(tw.world, pkt, start.start));
  else branches = [{ probability: 1, disposition: 'insufficient-info', reason: start.reason, hops: [], notes: [] }];
  const trace: Trace = {
    source: endOf(source, t.proto),
    destination: destEnd(dest, t),
    disposition: overallDisposition(branches),
    branches,
    findings: [],
  };
  const policy = applyPolicy(snapshot, pc, trace, sourceEnd(snapshot, source));
  trace.findings = [...findingsFor(snapshot, tw, trace, { source, dest, target: t, srcNode }), ...policy];
  trace.labels = labelAddresses(snapshot, trace);
  return trace;
}

function planStart(tw: TraceWorld, source: Source, dst: string): { ok: true; start: Start } | { ok: false; reason: string } {
  const nodeName = source.kind === 'pod' ? source.node : source.name;
  const model = tw.models.get(nodeName);
  if (!model) return { ok: false, reason: `node ${nodeName} not probed: the source's own node is not in the snapshot` };
  if (source.kind === 'node' || source.hostNetwork) return { ok: true, start: { kind: 'local', node: nodeName, note: `${source.name} uses the node's network namespace: the packet is sent by ${nodeName} itself` } };
  const ing = podIngress(model, source.ip, dst);
  return ing.ok ? { ok: true, start: ing.start } : { ok: false, reason: ing.reason };
}

function endOf(s: Source, proto: string): TraceEnd {
  if (s.kind === 'node') return { kind: 'node', name: s.name, ip: s.ip, protocol: proto, node: s.name };
  return { kind: 'pod', name: s.name, ip: s.ip, protocol: proto, node: s.node };
}

function destEnd(d: Destination, t: Target): TraceEnd {
  const e: TraceEnd = { kind: d.kind, ip: t.ip, port: t.port, protocol: t.proto };
  if (d.kind !== 'ip') e.name = d.name;
  if (d.kind === 'pod' && d.node) e.node = d.node;
  if (d.kind === 'node') e.node = d.name;
  if (t.portName) e.portName = t.portName;
  return e;
}

export type { Target };
