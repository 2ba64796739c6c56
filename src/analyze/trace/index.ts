/**
 * `trace SRC DST[:PORT]` as a use case: resolve the names, plan the packet, walk it through the node
 * models, attach findings and address labels. Pure: a Snapshot and a node-model builder in, Traces out.
 */
import type { Snapshot } from '../../snapshot/types.js';
import type { Finding, Trace, TraceEnd } from '../../sim/trace.js';
import { groupPaths, mergeBranches, newPacket, overallDisposition, simulate, type Branch, type Start } from '../../sim/index.js';
import { familyOf } from '../../sim/addr.js';
import { UserError } from '../../util/errors.js';
import { resolveDestination, resolveSource, type Destination, type Proto, type Source } from './resolve.js';
import { buildWorld, type NodeBuilder, type TraceWorld } from './world.js';
import { podIngress } from './ingress.js';
import { findingsFor } from './findings.js';
import { labelAddresses } from './labels.js';
import { applyPolicy, policyContext, sourceEnd, type PolicyContext } from './policy.js';
import { parseExternalSource, underlayStart, type ExternalSource } from './external.js';
import { pickFamily, typedAddress, type Family } from './family.js';
import { endpointsFor } from './endpoints.js';
import { externalNameFinding, headlessFinding, isNoLocalEndpoint, serviceTypeFindings } from './service-types.js';
import { entryNodes, nodeAddresses, plannedTargets, podIps, serviceIps, type Target } from './targets.js';
import { objectsOf } from './views.js';
import type { DnsInfo } from '../../sim/trace.js';
import type { StateGap } from '../../model/gaps.js';
import { clusterDns, podResolvConf } from '../dns/index.js';
import { resolveDnsDestination, type Named } from './dns.js';
import { findIngress, routeIngress } from './ingress-rules.js';
import { hookOrderAlternative, hookOrderFindings, mixedBackendFindings, type HookOrderAlternative } from './hook-order.js';
import { underlayFindings } from './fabric-findings.js';
import { alternativeWorld } from '../../sim/hook-order.js';
import { leftOut, leftOutText } from '../left-out.js';
import { tracePlan } from './plan.js';

export interface TraceRequest {
  /** `pod/NAME`, `NAME`, `NS/NAME`, `node/NAME`, or `external[:IP]` (a client outside the cluster). */
  src: string;
  dst: string;
  /** Namespace for names without one. */
  namespace: string;
  protocol?: Proto;
  port?: number;
  /** Source port: names one flow, so an existing conntrack entry for it decides the path. */
  sport?: number;
  /** An external client's packet enters this node (default: the DST node, else every probed node). */
  fromNode?: string;
  /** Address family on a dual-stack path (default: the source's primary one both ends have). */
  family?: Family;
  /** Also trace the DNS query itself (UDP/53 from the pod to its first nameserver). */
  dns?: boolean;
  /** DST `ingress/NAME`: the request's Host and path (default `/`). */
  host?: string;
  path?: string;
}

export interface TraceReport {
  traces: Trace[];
}

export interface TraceDeps {
  buildNode: NodeBuilder;
  /**
   * `alternative`: base chains tied at one hook and priority run in the other order than the one the dumps suggest
   * (src/sim/hook-order.ts), on every node: what the `hook-order-assumed` finding describes, as a whole trace.
   */
  hookOrder?: 'assumed' | 'alternative';
}

export { type NodeBuilder } from './world.js';
export type { Target } from './targets.js';

/** Who sends: a pod or node from the API, or a client outside the cluster. */
export type TraceSource = Source | ExternalSource;

export function traceRequest(snapshot: Snapshot, req: TraceRequest, deps: TraceDeps): TraceReport {
  const ext = parseExternalSource(req.src);
  if (req.fromNode !== undefined && !ext) throw new UserError('--from-node is where an outside client’s packet enters: it needs SRC external:IP', { hint: `kubectl netx trace external:203.0.113.10 ${req.dst} --from-node ${req.fromNode}` });
  const ing = /^(ingress|ingresses|ing)\/(.+)$/.exec(req.dst);
  if (ing) return traceIngress(snapshot, req, deps, ing[2]!);
  if (req.host !== undefined || req.path !== undefined) throw new UserError('--host and --path choose an Ingress rule: DST must be ingress/NAME', { hint: `kubectl netx trace ${req.src} ingress/NAME --host ${req.host ?? 'HOST'} --path ${req.path ?? '/'}` });
  const named = ext ? undefined : resolveDnsDestination(snapshot, req);
  if (named) return traceNamed(snapshot, req, deps, named);
  if (req.dns) {
    const rest = traceRequest(snapshot, { ...req, dns: false }, deps);
    return { traces: [...dnsQueryTraces(snapshot, req, deps), ...rest.traces] };
  }
  const resolved = resolveDestination(snapshot, req.dst, req.namespace);
  const { dest, portName } = resolved;
  if (req.port !== undefined && resolved.port !== undefined && req.port !== resolved.port) throw new UserError(`two ports given: ${resolved.port} in ${req.dst} and --port ${req.port}`);
  const port = req.port ?? resolved.port;
  const family = pickFamily({ src: ext?.name ?? req.src, srcIps: ext ? [ext.ip] : sourceIps(snapshot, req), dst: req.dst, dstIps: typedIps(req.dst) ?? destIps(dest) }, req.family);
  const source = ext ?? withFamily(resolveSource(snapshot, req.src, req.namespace), family);
  const built = buildWorld(snapshot, deps.buildNode);
  const tw = deps.hookOrder === 'alternative' ? { ...built, world: alternativeWorld(built.world, built.models.keys()) } : built;
  if (dest.kind === 'service' && dest.externalName !== undefined) return { traces: [externalNameTrace(source, dest, port)] };
  const pc = policyContext(snapshot, tw.models);
  const entries = ext ? entryNodes(snapshot, tw, dest, req.fromNode) : [undefined];
  const traces = entries.flatMap((entry) =>
    plannedTargets(snapshot, { dest, port, portName, protocol: req.protocol, family, ...(ext ? { external: ext } : {}), ...(entry ? { entry } : {}) }).map((t) => traceOne(snapshot, tw, pc, source, t, req.sport)),
  );
  return { traces };
}

function sourceIps(snapshot: Snapshot, req: TraceRequest): string[] {
  const s = resolveSource(snapshot, req.src, req.namespace);
  return s.kind === 'pod' && !s.hostNetwork ? podIps(s.pod) : s.kind === 'node' ? nodeAddresses(s.node) : [s.ip];
}

/** A DST typed as an address is that address's family only (`[v6]:PORT` of a dual-stack pod is its IPv6 side). */
function typedIps(dst: string): string[] | undefined {
  const ip = typedAddress(dst);
  return ip !== undefined ? [ip] : undefined;
}

function destIps(d: Destination): string[] {
  if (d.kind === 'service') return d.address ? [d.ip] : serviceIps(d.service);
  if (d.kind === 'pod') return podIps(d.pod);
  if (d.kind === 'node') return nodeAddresses(d.node);
  return [d.ip];
}

function withFamily(s: Source, f: Family): Source {
  const ips = s.kind === 'pod' ? (s.hostNetwork ? [s.ip] : podIps(s.pod)) : nodeAddresses(s.node);
  const ip = ips.find((x) => familyOf(x) === f);
  return ip && ip !== s.ip ? { ...s, ip } : s;
}

/** DST `ingress/NAME`: the rule for --host/--path picks the backend Service; SRC (the controller pod) is traced to it. */
function traceIngress(snapshot: Snapshot, req: TraceRequest, deps: TraceDeps, ref: string): TraceReport {
  if (req.host === undefined) throw new UserError('ingress/NAME needs the request’s host: --host', { hint: `kubectl netx trace ${req.src} ingress/${ref} --host example.com --path /` });
  const path = req.path ?? '/';
  if (!path.startsWith('/')) throw new UserError(`--path ${path} must start with /`);
  const route = routeIngress(findIngress(snapshot, ref, req.namespace), req.host, path);
  if (!route.backend) throw new UserError(`ingress ${route.ingress} sends ${req.host}${path} to ${route.matched}`, { hint: route.notes.join('; ') || 'add a rule or a spec.defaultBackend for it' });
  const { host: _h, path: _p, ...rest } = req;
  const out = traceRequest(snapshot, { ...rest, dst: `svc/${route.backend.service}${route.backend.port !== undefined ? `:${route.backend.port}` : ''}` }, deps);
  for (const t of out.traces) t.ingress = route;
  return out;
}

/** DST as a DNS name: resolve it the pod's way, then trace to the Service it names (or its pods). */
function traceNamed(snapshot: Snapshot, req: TraceRequest, deps: TraceDeps, named: Named): TraceReport {
  const rest = traceRequest(snapshot, { ...req, dst: `${named.target}${named.port !== undefined ? `:${named.port}` : ''}`, dns: false }, deps);
  for (const t of rest.traces) {
    t.dns = named.info;
    t.findings.push(...named.findings);
  }
  return { traces: [...(req.dns ? dnsQueryTraces(snapshot, req, deps, named.info) : []), ...rest.traces] };
}

/** The query's own path: UDP/53 from the source pod to its first nameserver (the cluster DNS Service, normally). */
function dnsQueryTraces(snapshot: Snapshot, req: TraceRequest, deps: TraceDeps, info?: DnsInfo): Trace[] {
  const src = resolveSource(snapshot, req.src, req.namespace);
  if (src.kind !== 'pod') throw new UserError('--dns traces a pod’s DNS query: SRC must be a pod', { hint: `kubectl netx trace POD ${req.dst} --dns` });
  const rc = info ? { nameservers: info.nameservers } : podResolvConf(src.pod, clusterDns(snapshot));
  const server = rc.nameservers[0];
  if (!server) throw new UserError(`pod ${src.name} has no nameserver to send a DNS query to`, { hint: 'the cluster DNS address is unknown: collect kube-system/kube-dns or the kubelet config' });
  const traces = traceRequest(snapshot, { ...req, dst: server.includes(':') ? `[${server}]:53` : `${server}:53`, protocol: 'udp', dns: false }, deps).traces;
  for (const t of traces) {
    t.role = 'dns-query';
    if (info) t.dns = info;
  }
  return traces;
}

function traceOne(snapshot: Snapshot, tw: TraceWorld, pc: PolicyContext | undefined, source: TraceSource, t: Target, sport?: number): Trace {
  const external = source.kind === 'external';
  const saddr = external || (source.kind === 'pod' && !source.hostNetwork) ? source.ip : '';
  const pkt = newPacket({ proto: t.proto, saddr, daddr: t.ip, dport: t.port, ...(sport !== undefined ? { sport } : {}) });
  const srcNode = source.kind === 'pod' ? source.node : source.kind === 'node' ? source.name : (t.entry ?? '');
  let branches: Branch[];
  let alternative: HookOrderAlternative | undefined;
  const start = planStart(snapshot, tw, source, t);
  if (start.ok) {
    branches = mergeBranches(simulate(tw.world, pkt, start.start));
    alternative = hookOrderAlternative(tw.world, branches, (w) => mergeBranches(simulate(w, pkt, start.start)));
  } else branches = [notStarted(start, srcNode)];
  if (source.kind === 'external') for (const b of branches) b.notes.push(...[source.assumed, ...t.notes].filter((n): n is string => !!n));
  else for (const b of branches) b.notes.push(...t.notes);
  const trace: Trace = {
    source: endOf(source, t),
    destination: destEnd(t),
    disposition: overallDisposition(branches),
    branches,
    findings: [],
  };
  const policy = applyPolicy(snapshot, pc, trace, source.kind === 'external' ? { kind: 'ip', ip: source.ip, owner: 'external', name: source.name } : sourceEnd(snapshot, source));
  // A denial the dumps contradict makes its branch uncertain (analyze/policy/disagreement.ts).
  trace.disposition = overallDisposition(branches);
  let base = findingsFor(snapshot, tw, trace, { source, dest: t.dest, target: t, srcNode });
  const typed: Finding[] = [];
  const typeOf = t.dest.kind === 'service' && t.servicePort ? { service: t.dest.service, port: t.servicePort } : t.nodePortOf;
  if (typeOf) {
    const eps = endpointsFor(snapshot, typeOf.service, typeOf.port);
    const zone = objectsOf(snapshot, 'nodes').find((n) => n.metadata?.name === srcNode)?.metadata?.labels?.['topology.kubernetes.io/zone'];
    typed.push(...serviceTypeFindings(trace, { service: typeOf.service, eps, node: srcNode, ...(external ? { external: source.ip } : {}), ...(zone ? { zone } : {}) }));
    // Local traffic policies and applied zone hints send to a subset by design: that is not kube-proxy out of sync.
    const bySubset = typed.some((f) => f.code === 'external-traffic-local' || f.code === 'internal-traffic-local' || (f.code === 'topology-hints' && f.passed === true));
    if (bySubset) base = base.filter((f) => f.code !== 'proxy-missing-endpoint');
    // A Local policy without a local endpoint: kube-proxy writes a drop and no DNAT on purpose (lab-proven), not rules out of sync.
    if (typed.some(isNoLocalEndpoint)) base = base.filter((f) => f.code !== 'proxy-unaware-service');
  }
  if (t.headless) typed.push(headlessFinding(t.headless.service, endpointsFor(snapshot, t.headless.service, t.headless.port)));
  trace.findings = [...typed, ...base, ...policy, ...underlayFindings(trace), ...hookOrderFindings(trace, alternative), ...mixedBackendFindings(tw.models, trace), ...malformed(snapshot)];
  trace.labels = labelAddresses(snapshot, trace);
  // Last: findings and labels look at every path; the report shows each way once, with every endpoint's odds.
  trace.branches = groupPaths(trace.branches);
  return trace;
}

/** Objects set aside at load: labels, findings and the policy step are worked out without them. */
function malformed(snapshot: Snapshot): Finding[] {
  const t = leftOutText(leftOut(snapshot, tracePlan()));
  return t ? [{ code: 'malformed-object', severity: 'warning', ...t }] : [];
}

/** A walk that cannot start: the source's node is not in the snapshot, or what places the packet there was not read. */
function notStarted(s: { reason: string; gap?: StateGap }, node: string): Branch {
  const b: Branch = { probability: 1, disposition: s.gap ? 'uncertain' : 'insufficient-info', reason: s.reason, hops: [], notes: [] };
  if (s.gap) b.cause = { code: 'state-unread', node, dump: s.gap.dump, state: s.gap.state };
  return b;
}

function planStart(snapshot: Snapshot, tw: TraceWorld, source: TraceSource, t: Target): { ok: true; start: Start } | { ok: false; reason: string; gap?: StateGap } {
  const nodeName = source.kind === 'pod' ? source.node : source.kind === 'node' ? source.name : (t.entry ?? '');
  const model = tw.models.get(nodeName);
  if (!model) return { ok: false, reason: `node ${nodeName} not probed: the ${source.kind === 'external' ? 'entry' : "source's own"} node is not in the snapshot` };
  if (source.kind === 'external') {
    const node = objectsOf(snapshot, 'nodes').find((n) => n.metadata?.name === nodeName);
    return underlayStart(model, node ? nodeAddresses(node) : [], source.ip);
  }
  if (source.kind === 'node' || source.hostNetwork) return { ok: true, start: { kind: 'local', node: nodeName, note: `${source.name} uses the node's network namespace: the packet is sent by ${nodeName} itself` } };
  const ing = podIngress(model, source.ip, t.ip);
  return ing.ok ? { ok: true, start: ing.start } : { ok: false, reason: ing.reason };
}

function endOf(s: TraceSource, t: Target): TraceEnd {
  if (s.kind === 'external') return { kind: 'ip', name: s.name, ip: s.ip, protocol: t.proto, ...(t.entry ? { node: t.entry } : {}) };
  if (s.kind === 'node') return { kind: 'node', name: s.name, ip: s.ip, protocol: t.proto, node: s.name };
  return { kind: 'pod', name: s.name, ip: s.ip, protocol: t.proto, node: s.node };
}

function destEnd(t: Target): TraceEnd {
  const d = t.dest;
  const e: TraceEnd = { kind: d.kind, ip: t.ip, port: t.port, protocol: t.proto };
  if (d.kind !== 'ip') e.name = d.name;
  if (d.kind === 'pod' && d.node) e.node = d.node;
  if (d.kind === 'node') e.node = d.name;
  if (t.portName) e.portName = t.portName;
  if (t.serviceType) e.serviceType = t.serviceType;
  const via = t.headless?.service ?? t.nodePortOf?.service;
  if (via) e.service = `${via.metadata?.namespace}/${via.metadata?.name}`;
  return e;
}

/** ExternalName: a CNAME, nothing to walk. One branch that says so (no hops), and the finding. */
function externalNameTrace(source: TraceSource, dest: Extract<Destination, { kind: 'service' }>, port?: number): Trace {
  const proto = (dest.ports[0]?.protocol ?? 'TCP').toLowerCase();
  const reason = `ExternalName: DNS answers a CNAME to ${dest.externalName || '(empty)'}; no proxying, no dataplane path to trace`;
  const src: TraceEnd =
    source.kind === 'external'
      ? { kind: 'ip', name: source.name, ip: source.ip, protocol: proto }
      : source.kind === 'node'
        ? { kind: 'node', name: source.name, ip: source.ip, protocol: proto, node: source.name }
        : { kind: 'pod', name: source.name, ip: source.ip, protocol: proto, node: source.node };
  const p = port ?? dest.ports[0]?.port;
  return {
    source: src,
    destination: { kind: 'service', name: dest.name, ip: '', protocol: proto, serviceType: 'ExternalName', externalName: dest.externalName ?? '', ...(p !== undefined ? { port: p } : {}) },
    disposition: 'insufficient-info',
    branches: [{ probability: 1, disposition: 'insufficient-info', reason, hops: [], notes: [] }],
    findings: [externalNameFinding(dest.service, src.name ?? src.ip)],
  };
}
