/**
 * SRC and DST of `policy` → the flows a CNI would judge. Names are resolved by trace's resolver
 * (same spelling, same suggestions). A service becomes its endpoint pods with the EndpointSlice port
 * (the resolved targetPort): CNIs enforce NetworkPolicy after kube-proxy's DNAT, on the pod and the
 * port the packet really reaches. A source may also be a bare IP (external, a node, or a pod's IP).
 */
import type { Snapshot } from '../../snapshot/types.js';
import { objectsOf, type V1Pod } from '../../model/k8s.js';
import { UserError } from '../../util/errors.js';
import { familyOf, isIp, sameAddr } from '../../util/addr.js';
import { resolveDestination, resolveSource, servicePorts, nodeIP, type Destination } from '../trace/resolve.js';
import { parseDestination, parseSource } from '../trace/request.js';
import { endpointsFor } from '../trace/endpoints.js';
import { podNamed, podWithIp } from '../trace/views.js';
import type { FlowEnd, PolicyFlow, Proto } from './types.js';
import { assertNotMalformed } from '../../snapshot/screen.js';

export interface PolicyRequest {
  src: string;
  dst: string;
  /** Namespace for names without one. */
  namespace: string;
  protocol?: Proto;
  port?: number;
}

/** What DST named, for the report header. */
export interface DestinationSummary {
  kind: 'pod' | 'service' | 'node' | 'ip';
  name?: string;
  ip: string;
  port?: number;
  portName?: string;
}

export interface ResolvedFlows {
  source: FlowEnd;
  destination: DestinationSummary;
  flows: PolicyFlow[];
  /** Service ports with no endpoint: nothing to judge. */
  empty: string[];
}

export function resolveFlows(snapshot: Snapshot, req: PolicyRequest): ResolvedFlows {
  const source = resolvePolicySource(snapshot, req.src, req.namespace);
  const dst = parseDestination(req.dst, req.namespace);
  if (dst.kind === 'dns' || dst.kind === 'ingress') throw new UserError(`policy judges a flow to a pod, service, node or address, not ${dst.kind === 'dns' ? 'a DNS name' : 'an Ingress'}: ${req.dst}`, { hint: `trace it to see what it resolves to: kubectl netx trace ${req.src} ${req.dst}` });
  const { dest, port: dstPort, portName } = resolveDestination(snapshot, dst, req.namespace);
  if (req.port !== undefined && dstPort !== undefined && req.port !== dstPort) throw new UserError(`two ports given: ${dstPort} in ${req.dst} and --port ${req.port}`);
  const port = req.port ?? dstPort;
  const summary: DestinationSummary = { kind: dest.kind, ip: dest.ip, ...('name' in dest ? { name: dest.name } : {}), ...(port !== undefined ? { port } : {}), ...(portName ? { portName } : {}) };
  if (dest.kind === 'service' && dest.externalName !== undefined) throw new UserError(`service ${dest.name} is ExternalName (${dest.externalName}): a CNAME, no pods to judge a policy for`, { hint: 'judge the flow to the external address instead: kubectl netx policy SRC IP:PORT' });
  if (dest.kind === 'service') return { source, destination: summary, ...serviceFlows(snapshot, source, dest, port, portName, req.protocol) };
  const end = endForAddress(snapshot, dest.ip, dest.kind === 'pod' ? dest.pod : undefined);
  const p = port ?? soleContainerPort(end);
  if (p === undefined) throw new UserError(`no port for ${summary.name ?? dest.ip}: the verdict depends on it`, { hint: 'give one as DST:PORT or with --port' });
  return { source, destination: { ...summary, port: p }, flows: [{ source: sameFamily(source, end.ip), destination: end, protocol: req.protocol ?? 'tcp', port: p }], empty: [] };
}

function serviceFlows(snapshot: Snapshot, source: FlowEnd, dest: Extract<Destination, { kind: 'service' }>, port: number | undefined, portName: string | undefined, protocol?: Proto): Pick<ResolvedFlows, 'flows' | 'empty'> {
  const flows: PolicyFlow[] = [];
  const empty: string[] = [];
  for (const sp of servicePorts(dest, port, portName, protocol)) {
    const proto = (sp.protocol ?? 'TCP').toLowerCase() as Proto;
    const eps = endpointsFor(snapshot, dest.service, sp).filter((e) => e.ready || e.serving);
    if (eps.length === 0) empty.push(`${sp.name ? `${sp.name}=` : ''}${sp.port}/${proto.toUpperCase()}`);
    for (const ep of eps) {
      const pod = ep.pod ? podByName(snapshot, ep.pod, dest.name) : undefined;
      const p = ep.port ?? (typeof sp.targetPort === 'number' ? sp.targetPort : sp.port);
      flows.push({ source: sameFamily(source, ep.ip), destination: endForAddress(snapshot, ep.ip, pod), protocol: proto, port: p });
    }
  }
  return { flows, empty };
}

/** `pod/name`, `name`, `ns/name`, `node/name`, or an IP (a pod's, a node's, or external). */
function resolvePolicySource(snapshot: Snapshot, spec: string, namespace: string): FlowEnd {
  if (isIp(spec)) return endForAddress(snapshot, spec);
  const parsed = parseSource(spec, namespace);
  if (parsed.kind === 'external') return endForAddress(snapshot, parsed.ip);
  const s = resolveSource(snapshot, parsed);
  if (s.kind === 'node') return { kind: 'ip', ip: s.ip, owner: 'node', name: s.name, node: s.name };
  return s.hostNetwork ? { kind: 'ip', ip: s.ip, owner: 'host-network-pod', name: s.name, node: s.node } : podEnd(s.pod);
}

/** The end for an address: the pod given or owning it, a node (hostNetwork pods share its IP), or external. */
export function endForAddress(snapshot: Snapshot, ip: string, pod?: V1Pod): FlowEnd {
  const p = pod ?? podWithIp(snapshot, ip);
  if (p?.spec?.hostNetwork) return { kind: 'ip', ip, owner: 'host-network-pod', name: `${p.metadata?.namespace}/${p.metadata?.name}`, ...(p.spec.nodeName ? { node: p.spec.nodeName } : {}) };
  if (p) return { ...podEnd(p), ip };
  const node = objectsOf(snapshot, 'nodes').find((n) => (n.status?.addresses ?? []).some((a) => sameAddr(a.address, ip)) || nodeIP(n) === ip);
  if (node) return { kind: 'ip', ip, owner: 'node', name: node.metadata?.name ?? '', node: node.metadata?.name ?? '' };
  return { kind: 'ip', ip, owner: 'external' };
}

function podEnd(p: V1Pod): FlowEnd {
  const ns = p.metadata?.namespace ?? '';
  return {
    kind: 'pod',
    pod: p,
    name: `${ns}/${p.metadata?.name ?? ''}`,
    namespace: ns,
    ip: p.status?.podIP ?? '',
    ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
    ...(p.status?.hostIP ? { hostIP: p.status.hostIP } : {}),
  };
}

/** A dual-stack pod talks to an IPv6 address from its IPv6 address (ipBlock matching depends on it). */
function sameFamily(end: FlowEnd, peerIp: string): FlowEnd {
  if (end.kind !== 'pod' || familyOf(end.ip) === familyOf(peerIp)) return end;
  const alt = (end.pod.status?.podIPs ?? []).map((a) => a.ip).find((a): a is string => !!a && familyOf(a) === familyOf(peerIp));
  return alt ? { ...end, ip: alt } : end;
}

/** An endpoint's pod: its labels decide which policies select it, so one set aside is an error. */
function podByName(snapshot: Snapshot, nsName: string, service: string): V1Pod | undefined {
  const pod = podNamed(snapshot, nsName);
  const [ns, name] = nsName.split('/');
  if (!pod && name !== undefined) assertNotMalformed(snapshot, 'pods', ns, name, `an endpoint of service ${service}`);
  return pod;
}

function soleContainerPort(end: FlowEnd): number | undefined {
  if (end.kind !== 'pod') return undefined;
  const all = (end.pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  return all.length === 1 ? all[0]!.containerPort : undefined;
}
