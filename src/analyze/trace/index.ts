/**
 * `trace SRC DST[:PORT]` as a use case: resolve the names, plan the packet, walk it through the node
 * models, attach findings and address labels. Pure: a Snapshot and a node-model builder in, Traces out.
 */
import type { Snapshot } from '../../snapshot/types.js';
import type { Finding, Trace, TraceEnd } from '../../sim/trace.js';
import { groupPaths, mergeBranches, newPacket, overallDisposition, simulate, type Branch, type Start } from '../../sim/index.js';
import { familyOf } from '../../util/addr.js';
import { UserError } from '../../util/errors.js';
import { resolveDestination, resolveSource, type Destination, type Proto, type Source } from './resolve.js';
import { buildWorld, type NodeBuilder, type TraceWorld } from './world.js';
import { buildNodeModel } from '../../parse/node/build-node.js';
import { podIngress } from './ingress.js';
import { findingsFor } from './findings.js';
import { labelAddresses } from './labels.js';
import { applyPolicy, policyContext, sourceEnd, type PolicyContext } from './policy.js';
import { underlayStart, type ExternalSource } from './external.js';
import { destinationText, parseDestination, parseSource, type DestinationSpec, type PortSpec, type SourceSpec } from './request.js';
import { pickFamily, type Family } from './family.js';
import { endpointsFor } from './endpoints.js';
import { externalNameFinding, headlessFinding, isNoLocalEndpoint, serviceTypeFindings } from './service-types.js';
import { entryNodes, nodeAddresses, plannedTargets, podIps, serviceIps, type Target } from './targets.js';
import { objectsOf } from './views.js';
import type { DnsInfo } from '../../sim/trace.js';
import type { StateGap } from '../../model/gaps.js';
import { clusterDns, podResolvConf } from '../dns/index.js';
import { isDnsName, resolveDnsDestination, type Named } from './dns.js';
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
  /** Builds a node's model from its capture (default parse/node's buildNodeModel); a caller tracing many flows passes one that caches. */
  buildNode?: NodeBuilder;
  /**
   * `alternative`: base chains tied at one hook and priority run in the other order than the one the dumps suggest
   * (src/sim/hook-order.ts), on every node: what the `hook-order-assumed` finding describes, as a whole trace.
   */
  hookOrder?: 'assumed' | 'alternative';
}

/** Who sends: a pod or node from the API, or a client outside the cluster. */
type TraceSource = Source | ExternalSource;

/** The request with SRC and DST parsed; the source is resolved once, on first use. */
interface Parsed extends Omit<TraceRequest, 'src' | 'dst'> {
  srcText: string;
  src: SourceSpec;
  dst: DestinationSpec;
  source: () => TraceSource;
}

export function traceRequest(snapshot: Snapshot, req: TraceRequest, deps: TraceDeps = {}): TraceReport {
  const src = parseSource(req.src, req.namespace);
  const dst = parseDestination(req.dst, req.namespace);
  let source: TraceSource | undefined;
  const { src: srcText, dst: _dst, ...rest } = req;
  return traceParsed(snapshot, { ...rest, srcText, src, dst, source: () => (source ??= src.kind === 'external' ? src : resolveSource(snapshot, src)) }, deps);
}

function traceParsed(snapshot: Snapshot, req: Parsed, deps: TraceDeps): TraceReport {
  const ext = req.src.kind === 'external' ? req.src : undefined;
  if (req.fromNode !== undefined && !ext) throw new UserError('--from-node is where an outside client’s packet enters: it needs SRC external:IP', { hint: `kubectl netx trace external:203.0.113.10 ${destinationText(req.dst)} --from-node ${req.fromNode}` });
  const dst = req.dst;
  if (dst.kind === 'ingress') return traceIngress(snapshot, req, deps, dst);
  if (req.host !== undefined || req.path !== undefined) throw new UserError('--host and --path choose an Ingress rule: DST must be ingress/NAME', { hint: `kubectl netx trace ${req.srcText} ingress/NAME --host ${req.host ?? 'HOST'} --path ${req.path ?? '/'}` });
  if (!ext && isDnsName(snapshot, dst, req.namespace)) return traceNamed(snapshot, req, deps, resolveDnsDestination(snapshot, () => asApiSource(req), req.srcText, dst, req.namespace));
  if (dst.kind === 'dns') throw new UserError(`${dst.name} is a name, resolved with a pod's resolv.conf: SRC must be a pod`, { hint: `trace to the service instead: kubectl netx trace ${req.srcText} svc/NAME` });
  if (req.dns) {
    const rest = traceParsed(snapshot, { ...req, dns: false }, deps);
    return { traces: [...dnsQueryTraces(snapshot, req, deps), ...rest.traces] };
  }
  const resolved = resolveDestination(snapshot, dst, req.namespace);
  const { dest, portName } = resolved;
  if (req.port !== undefined && resolved.port !== undefined && req.port !== resolved.port) throw new UserError(`two ports given: ${resolved.port} in ${destinationText(dst)} and --port ${req.port}`);
  const port = req.port ?? resolved.port;
  const resolvedSource = req.source();
  const family = pickFamily({ src: resolvedSource.name, srcIps: sourceIps(resolvedSource), dst: destinationText(dst), dstIps: dst.kind === 'address' ? [dst.ip] : destIps(dest) }, req.family);
  const source = resolvedSource.kind === 'external' ? resolvedSource : withFamily(resolvedSource, family);
  const built = buildWorld(snapshot, deps.buildNode ?? buildNodeModel);
  const tw = deps.hookOrder === 'alternative' ? { ...built, world: alternativeWorld(built.world, built.models.keys()) } : built;
  if (dest.kind === 'service' && dest.externalName !== undefined) return { traces: [externalNameTrace(source, dest, port)] };
  const pc = policyContext(snapshot, tw.models);
  const entries = ext ? entryNodes(snapshot, tw, dest, req.fromNode) : [undefined];
  const traces = entries.flatMap((entry) =>
    plannedTargets(snapshot, { dest, port, portName, protocol: req.protocol, family, ...(ext ? { external: ext } : {}), ...(entry ? { entry } : {}) }).map((t) => traceOne(snapshot, tw, pc, source, t, req.sport)),
  );
  return { traces };
}

/** The source as a pod or node: DNS resolution and the DNS query need a pod's resolver. */
function asApiSource(req: Parsed): Source {
  const s = req.source();
  if (s.kind === 'external') throw new UserError(`${s.name} is outside the cluster: it has no pod resolver`, { hint: 'trace to the service instead: svc/NAME' });
  return s;
}

function sourceIps(s: TraceSource): string[] {
  if (s.kind === 'external') return [s.ip];
  return s.kind === 'pod' && !s.hostNetwork ? podIps(s.pod) : s.kind === 'node' ? nodeAddresses(s.node) : [s.ip];
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
function traceIngress(snapshot: Snapshot, req: Parsed, deps: TraceDeps, ing: Extract<DestinationSpec, { kind: 'ingress' }>): TraceReport {
  const ref = `${ing.namespace}/${ing.name}`;
  if (req.host === undefined) throw new UserError('ingress/NAME needs the request’s host: --host', { hint: `kubectl netx trace ${req.srcText} ingress/${ing.name} --host example.com --path /` });
  const path = req.path ?? '/';
  if (!path.startsWith('/')) throw new UserError(`--path ${path} must start with /`);
  const route = routeIngress(findIngress(snapshot, ref, req.namespace), req.host, path);
  if (!route.backend) throw new UserError(`ingress ${route.ingress} sends ${req.host}${path} to ${route.matched}`, { hint: route.notes.join('; ') || 'add a rule or a spec.defaultBackend for it' });
  const { host: _h, path: _p, ...rest } = req;
  const [ns, ...name] = route.backend.service.split('/');
  const bp = route.backend.port;
  const port: PortSpec | undefined = bp === undefined ? undefined : typeof bp === 'number' ? { kind: 'number', port: bp } : /^\d+$/.test(bp) ? { kind: 'number', port: Number(bp) } : { kind: 'name', name: bp };
  const out = traceParsed(snapshot, { ...rest, dst: { kind: 'service', namespace: ns ?? req.namespace, name: name.join('/'), ...(port ? { port } : {}) } }, deps);
  for (const t of out.traces) t.ingress = route;
  return out;
}

/** DST as a DNS name: resolve it the pod's way, then trace to the Service it names (or its pods). */
function traceNamed(snapshot: Snapshot, req: Parsed, deps: TraceDeps, named: Named): TraceReport {
  const rest = traceParsed(snapshot, { ...req, dst: named.target, dns: false }, deps);
  for (const t of rest.traces) {
    t.dns = named.info;
    t.findings.push(...named.findings);
  }
  return { traces: [...(req.dns ? dnsQueryTraces(snapshot, req, deps, named.info) : []), ...rest.traces] };
}

/** The query's own path: UDP/53 from the source pod to its first nameserver (the cluster DNS Service, normally). */
function dnsQueryTraces(snapshot: Snapshot, req: Parsed, deps: TraceDeps, info?: DnsInfo): Trace[] {
  const src = req.source();
  if (src.kind !== 'pod') throw new UserError('--dns traces a pod’s DNS query: SRC must be a pod', { hint: `kubectl netx trace POD ${destinationText(req.dst)} --dns` });
  const rc = info ? { nameservers: info.nameservers } : podResolvConf(src.pod, clusterDns(snapshot));
  const server = rc.nameservers[0];
  if (!server) throw new UserError(`pod ${src.name} has no nameserver to send a DNS query to`, { hint: 'the cluster DNS address is unknown: collect kube-system/kube-dns or the kubelet config' });
  const traces = traceParsed(snapshot, { ...req, dst: { kind: 'address', ip: server, port: 53 }, protocol: 'udp', dns: false }, deps).traces;
  for (const t of traces) {
    t.role = 'dns-query';
    if (info) t.dns = info;
  }
  return traces;
}

function traceOne(snapshot: Snapshot, tw: TraceWorld, pc: PolicyContext | undefined, source: TraceSource, t: Target, sport?: number): Trace {
  const srcNode = source.kind === 'pod' ? source.node : source.kind === 'node' ? source.name : (t.entry ?? '');
  const { branches, alternative } = walkTarget(snapshot, tw, source, t, srcNode, sport);
  const trace: Trace = { source: endOf(source, t), destination: destEnd(t), disposition: overallDisposition(branches), branches, findings: [] };
  const policy = applyPolicy(snapshot, pc, trace, source.kind === 'external' ? { kind: 'ip', ip: source.ip, owner: 'external', name: source.name } : sourceEnd(snapshot, source));
  // A denial the dumps contradict makes its branch uncertain (analyze/policy/disagreement.ts).
  trace.disposition = overallDisposition(branches);
  trace.findings = [...traceFindings(snapshot, tw, trace, source, t, srcNode), ...policy, ...underlayFindings(trace), ...hookOrderFindings(trace, alternative), ...mixedBackendFindings(tw.models, trace), ...malformed(snapshot)];
  trace.labels = labelAddresses(snapshot, trace);
  // Last: findings and labels look at every path; the report shows each way once, with every endpoint's odds.
  trace.branches = groupPaths(trace.branches);
  return trace;
}

/** The packet's walk from its source (and, with tied hooks, the walk in the other order), or why it cannot start. */
function walkTarget(snapshot: Snapshot, tw: TraceWorld, source: TraceSource, t: Target, srcNode: string, sport?: number): { branches: Branch[]; alternative?: HookOrderAlternative } {
  const saddr = source.kind === 'external' || (source.kind === 'pod' && !source.hostNetwork) ? source.ip : '';
  const pkt = newPacket({ proto: t.proto, saddr, daddr: t.ip, dport: t.port, ...(sport !== undefined ? { sport } : {}) });
  const start = planStart(snapshot, tw, source, t);
  const notes = source.kind === 'external' ? [source.assumed, ...t.notes].filter((n): n is string => !!n) : t.notes;
  if (!start.ok) {
    const b = notStarted(start, srcNode);
    b.notes.push(...notes);
    return { branches: [b] };
  }
  const branches = mergeBranches(simulate(tw.world, pkt, start.start));
  const alternative = hookOrderAlternative(tw.world, branches, (w) => mergeBranches(simulate(w, pkt, start.start)));
  for (const b of branches) b.notes.push(...notes);
  return { branches, ...(alternative ? { alternative } : {}) };
}

/**
 * What the service's type and the path say, with the proxy findings a traffic policy explains away removed: a
 * Local policy or an applied zone hint sends to a subset by design, which is not kube-proxy out of sync.
 */
function traceFindings(snapshot: Snapshot, tw: TraceWorld, trace: Trace, source: TraceSource, t: Target, srcNode: string): Finding[] {
  let base = findingsFor(snapshot, tw, trace, { source, dest: t.dest, target: t, srcNode });
  const typed: Finding[] = [];
  const typeOf = t.dest.kind === 'service' && t.servicePort ? { service: t.dest.service, port: t.servicePort } : t.nodePortOf;
  if (typeOf) {
    const eps = endpointsFor(snapshot, typeOf.service, typeOf.port);
    const zone = objectsOf(snapshot, 'nodes').find((n) => n.metadata?.name === srcNode)?.metadata?.labels?.['topology.kubernetes.io/zone'];
    typed.push(...serviceTypeFindings(trace, { service: typeOf.service, eps, node: srcNode, ...(source.kind === 'external' ? { external: source.ip } : {}), ...(zone ? { zone } : {}) }));
    const bySubset = typed.some((f) => f.code === 'external-traffic-local' || f.code === 'internal-traffic-local' || (f.code === 'topology-hints' && f.passed === true));
    if (bySubset) base = base.filter((f) => f.code !== 'proxy-missing-endpoint');
    // A Local policy without a local endpoint: kube-proxy writes a drop and no DNAT on purpose (lab-proven), not rules out of sync.
    if (typed.some(isNoLocalEndpoint)) base = base.filter((f) => f.code !== 'proxy-unaware-service');
  }
  if (t.headless) typed.push(headlessFinding(t.headless.service, endpointsFor(snapshot, t.headless.service, t.headless.port)));
  return [...typed, ...base];
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
