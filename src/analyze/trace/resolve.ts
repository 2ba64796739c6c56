/**
 * SRC and DST, parsed (request.ts) → what they name in the API objects: a pod, a service port,
 * a node or a bare IP. Unknown names fail with a UserError that suggests the closest names.
 */
import type { Snapshot } from '../../snapshot/types.js';
import { objectsOf, type V1Node, type V1Pod, type V1Service, type V1ServicePort } from './views.js';
import { UserError } from '../../util/errors.js';
import { didYouMean } from './suggest.js';
import { sameAddr } from '../../util/addr.js';
import { workloadPod } from './workload.js';
import type { DestinationSpec, SourceSpec } from './request.js';
import { assertNotMalformed } from '../../snapshot/screen.js';

export type Proto = 'tcp' | 'udp' | 'sctp';

export type Source =
  | { kind: 'pod'; pod: V1Pod; name: string; ip: string; node: string; hostNetwork: boolean }
  | { kind: 'node'; node: V1Node; name: string; ip: string };

export type Destination =
  /** `ip` is '' for a headless (`headless`) or ExternalName (`externalName`) service: there is no VIP. */
  | { kind: 'service'; service: V1Service; name: string; ip: string; ports: V1ServicePort[]; headless?: boolean; externalName?: string; address?: ServiceAddress }
  | { kind: 'pod'; pod: V1Pod; name: string; ip: string; node?: string; port?: number }
  | { kind: 'node'; node: V1Node; name: string; ip: string; port?: number }
  | { kind: 'ip'; ip: string; port?: number };

/**
 * DST was one of the service's own addresses, typed as an IP: `ip` is that address and the trace keeps
 * it (the second load balancer IP stays the second). `index`/`of` place it among its kind's addresses.
 */
export interface ServiceAddress {
  kind: 'clusterIP' | 'externalIP' | 'loadBalancerIP';
  index: number;
  of: number;
}

const podName = (p: V1Pod): string => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;

/** The pod or node SRC names (a workload: the pod kubectl exec would pick, see workload.ts). */
export function resolveSource(snapshot: Snapshot, spec: Exclude<SourceSpec, { kind: 'external' }>): Source {
  if (spec.kind === 'node') {
    const n = findNode(snapshot, spec.name);
    return { kind: 'node', node: n, name: n.metadata?.name ?? '', ip: nodeIP(n) ?? '' };
  }
  const pod = spec.kind === 'workload' ? workloadPod(snapshot, { kind: spec.workload, namespace: spec.namespace, name: spec.name }).pod : findPod(snapshot, spec.namespace, spec.name);
  const ip = pod.status?.podIP;
  const node = pod.spec?.nodeName;
  if (!ip || !node) {
    throw new UserError(`pod ${podName(pod)} has no IP or node yet (phase ${pod.status?.phase ?? 'unknown'})`, {
      hint: `kubectl -n ${pod.metadata?.namespace} describe pod ${pod.metadata?.name}`,
    });
  }
  return { kind: 'pod', pod, name: podName(pod), ip, node, hostNetwork: pod.spec?.hostNetwork === true };
}

/** What a destination that is not a name to resolve through DNS names: a service, pod, node or address. */
export type DirectDestination = Exclude<DestinationSpec, { kind: 'dns' | 'ingress' }>;

/** DST → the object it names; a `name` is a pod here (DNS names are resolved before, in dns.ts). */
export function resolveDestination(snapshot: Snapshot, spec: DirectDestination, namespace: string): { dest: Destination; port?: number; portName?: string } {
  if (spec.kind === 'address') return { dest: destinationByIp(snapshot, spec.ip, spec.port), ...(spec.port !== undefined ? { port: spec.port } : {}) };
  const portNum = spec.port?.kind === 'number' ? spec.port.port : undefined;
  const portName = spec.port?.kind === 'name' ? spec.port.name : undefined;
  const extra = { ...(portNum !== undefined ? { port: portNum } : {}), ...(portName !== undefined ? { portName } : {}) };
  if (spec.kind === 'service') {
    const s = findService(snapshot, spec.namespace, spec.name);
    const cip = s.spec?.clusterIP;
    const label = `${s.metadata?.namespace}/${s.metadata?.name}`;
    const base = { kind: 'service' as const, service: s, name: label, ports: s.spec?.ports ?? [] };
    // No VIP: the trace goes to the pods DNS returns (headless) or stops at the CNAME (ExternalName).
    if (s.spec?.type === 'ExternalName') return { dest: { ...base, ip: '', externalName: s.spec.externalName ?? '' }, ...extra };
    if (!cip || cip.toLowerCase() === 'none') return { dest: { ...base, ip: '', headless: true }, ...extra };
    return { dest: { ...base, ip: cip }, ...extra };
  }
  if (spec.kind === 'node') {
    const n = findNode(snapshot, spec.name);
    const nip = nodeIP(n);
    if (!nip) throw new UserError(`node ${n.metadata?.name} lists no InternalIP address`);
    return { dest: { kind: 'node', node: n, name: n.metadata?.name ?? '', ip: nip, ...(portNum !== undefined ? { port: portNum } : {}) }, ...extra };
  }
  const pod = spec.kind === 'name' ? findPod(snapshot, namespace, spec.name) : findPod(snapshot, spec.namespace, spec.name);
  const pip = pod.status?.podIP;
  if (!pip) throw new UserError(`pod ${podName(pod)} has no IP (phase ${pod.status?.phase ?? 'unknown'})`);
  let p = portNum;
  if (p === undefined && portName) p = containerPort(pod, portName);
  if (portName && p === undefined) throw new UserError(`pod ${podName(pod)} has no container port named ${portName}`);
  return { dest: { kind: 'pod', pod, name: podName(pod), ip: pip, ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}), ...(p !== undefined ? { port: p } : {}) }, ...(p !== undefined ? { port: p } : {}) };
}

/**
 * An address that belongs to a service (ClusterIP, externalIP, load balancer ingress IP) or a pod is traced as that
 * object, so findings apply. A service address with a port the service does not have is a plain address: the packet
 * still goes somewhere (kube-proxy's ipvs and nftables modes reject it, iptables mode routes it on).
 */
function destinationByIp(snapshot: Snapshot, ip: string, port?: number): Destination {
  const owned = serviceByAddress(objectsOf(snapshot, 'services'), ip);
  if (owned && (port === undefined || (owned.service.spec?.ports ?? []).some((p) => p.port === port))) {
    const { service: svc, address } = owned;
    return { kind: 'service', service: svc, name: `${svc.metadata?.namespace}/${svc.metadata?.name}`, ip, ports: svc.spec?.ports ?? [], address };
  }
  const pod = objectsOf(snapshot, 'pods').find((p) => !p.spec?.hostNetwork && (p.status?.podIP === ip || (p.status?.podIPs ?? []).some((x) => x.ip === ip)));
  if (pod) return { kind: 'pod', pod, name: podName(pod), ip, ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}), ...(port !== undefined ? { port } : {}) };
  return { kind: 'ip', ip, ...(port !== undefined ? { port } : {}) };
}

/**
 * The Service that owns `ip`, and as what: a ClusterIP (clusterIPs), a spec.externalIPs address or a
 * status.loadBalancer.ingress IP (only a LoadBalancer's: kube-proxy ignores the status of other types).
 * ClusterIPs are looked up first: they are allocated, the others are only claimed.
 */
export function serviceByAddress(services: V1Service[], ip: string): { service: V1Service; address: ServiceAddress } | undefined {
  const kinds: [ServiceAddress['kind'], (s: V1Service) => string[]][] = [
    ['clusterIP', (s) => uniq([s.spec?.clusterIP, ...(s.spec?.clusterIPs ?? [])])],
    ['externalIP', (s) => uniq(s.spec?.externalIPs ?? [])],
    ['loadBalancerIP', (s) => (s.spec?.type === 'LoadBalancer' ? uniq((s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip)) : [])],
  ];
  for (const [kind, addrs] of kinds) {
    for (const service of services) {
      const list = addrs(service);
      const index = list.findIndex((a) => sameAddr(a, ip));
      if (index >= 0) return { service, address: { kind, index, of: list.length } };
    }
  }
  return undefined;
}

const uniq = (xs: (string | undefined)[]): string[] => [...new Set(xs.filter((x): x is string => !!x && x.toLowerCase() !== 'none'))];

function findPod(snapshot: Snapshot, ns: string, name: string): V1Pod {
  const pods = objectsOf(snapshot, 'pods');
  const pod = pods.find((p) => p.metadata?.namespace === ns && p.metadata?.name === name);
  if (pod) return pod;
  assertNotMalformed(snapshot, 'pods', ns, name, 'named in the command');
  const inNs = pods.filter((p) => p.metadata?.namespace === ns).map((p) => p.metadata?.name ?? '');
  const elsewhere = pods.filter((p) => p.metadata?.name === name).map(podName);
  const hint = elsewhere.length > 0 ? `it exists as ${elsewhere.join(', ')}: use ns/name or -n` : didYouMean(name, inNs);
  throw new UserError(`pod ${ns}/${name} not found`, { code: 'not-found', ...(hint ? { hint } : {}) });
}

function findService(snapshot: Snapshot, ns: string, name: string): V1Service {
  const svcs = objectsOf(snapshot, 'services');
  const s = svcs.find((x) => x.metadata?.namespace === ns && x.metadata?.name === name);
  if (s) return s;
  assertNotMalformed(snapshot, 'services', ns, name, 'named in the command');
  const elsewhere = svcs.filter((x) => x.metadata?.name === name).map((x) => `${x.metadata?.namespace}/${x.metadata?.name}`);
  const hint = elsewhere.length > 0 ? `it exists as ${elsewhere.join(', ')}: use svc/ns/name or -n` : didYouMean(name, svcs.filter((x) => x.metadata?.namespace === ns).map((x) => x.metadata?.name ?? ''));
  throw new UserError(`service ${ns}/${name} not found`, { code: 'not-found', ...(hint ? { hint } : {}) });
}

function findNode(snapshot: Snapshot, name: string): V1Node {
  const nodes = objectsOf(snapshot, 'nodes');
  const n = nodes.find((x) => x.metadata?.name === name);
  if (n) return n;
  assertNotMalformed(snapshot, 'nodes', undefined, name, 'named in the command');
  const hint = didYouMean(name, nodes.map((x) => x.metadata?.name ?? ''));
  throw new UserError(`node ${name} not found`, { code: 'not-found', ...(hint ? { hint } : {}) });
}

export function nodeIP(n: V1Node): string | undefined {
  const a = n.status?.addresses ?? [];
  return (a.find((x) => x.type === 'InternalIP') ?? a.find((x) => x.type === 'ExternalIP'))?.address;
}

function containerPort(pod: V1Pod, name: string): number | undefined {
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === name) return p.containerPort;
  return undefined;
}

/** A service's ports are each traced when none is named, up to this many (each is a whole walk). */
export const MAX_PORTS_UNNAMED = 32;

/** The service ports to trace: the one named/numbered, or all of them. */
export function servicePorts(dest: Extract<Destination, { kind: 'service' }>, port?: number, portName?: string, protocol?: Proto): V1ServicePort[] {
  let ports = dest.ports;
  if (protocol) ports = ports.filter((p) => (p.protocol ?? 'TCP').toLowerCase() === protocol);
  const known = (): string => {
    const listed = dest.ports.slice(0, 8).map((p) => `${p.name ? `${p.name}=` : ''}${p.port}/${p.protocol ?? 'TCP'}`);
    return `${listed.join(', ') || 'none'}${dest.ports.length > listed.length ? `, … (${dest.ports.length} in all)` : ''}`;
  };
  if (port !== undefined || portName !== undefined) {
    const hit = ports.filter((p) => (port !== undefined ? p.port === port : p.name === portName));
    if (hit.length === 0) throw new UserError(`service ${dest.name} has no port ${port ?? portName}${protocol ? `/${protocol}` : ''}`, { hint: `its ports: ${known()}` });
    return hit;
  }
  if (ports.length === 0) throw new UserError(`service ${dest.name} has no ports${protocol ? ` with protocol ${protocol}` : ''}`);
  if (ports.length > MAX_PORTS_UNNAMED) {
    throw new UserError(`service ${dest.name} has ${ports.length} ports: name the one to follow (more than ${MAX_PORTS_UNNAMED} are not each traced)`, { hint: `svc/${dest.name.split('/')[1] ?? ''}:PORT or :NAME; its ports: ${known()}` });
  }
  return ports;
}
