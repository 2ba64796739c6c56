/**
 * From a resolved destination to the packets to walk: one per service port (and, for a headless
 * service, per ready endpoint; for a client outside, per entry node). The service type decides the
 * destination address: the ClusterIP of the chosen family, the pod IPs (headless), the entry node's
 * address and nodePort (NodePort from outside), or a status.loadBalancer.ingress IP (LoadBalancer).
 */
import type { Snapshot } from '../../snapshot/types.js';
import { familyOf } from '../../util/addr.js';
import { UserError } from '../../util/errors.js';
import { serviceByAddress, servicePorts, type Destination, type Proto, type ServiceAddress } from './resolve.js';
import { endpointsFor, type SliceEndpoint } from './endpoints.js';
import type { ExternalSource } from './external.js';
import type { Family } from './family.js';
import type { TraceWorld } from './world.js';
import { didYouMean } from './suggest.js';
import { objectsOf, type V1Node, type V1Pod, type V1Service, type V1ServicePort } from './views.js';
import { assertNotMalformed } from '../../snapshot/screen.js';

export interface Target {
  ip: string;
  port: number;
  proto: Proto;
  portName?: string;
  /** Set when the packet goes to a service's VIP (ClusterIP, NodePort, LoadBalancer IP): service findings apply. */
  servicePort?: V1ServicePort;
  /** What the packet is addressed to, for findings (a headless service's endpoint is its pod). */
  dest: Destination;
  /** The node an outside client's packet enters. */
  entry?: string;
  /** `ClusterIP`, `NodePort`, `LoadBalancer`, `headless` (the way this packet reaches the service). */
  serviceType?: string;
  headless?: { service: V1Service; port: V1ServicePort };
  /** DST node/NAME:PORT where PORT is a service's nodePort: that service's type findings apply. */
  nodePortOf?: { service: V1Service; port: V1ServicePort };
  notes: string[];
}

export interface TargetRequest {
  dest: Destination;
  port: number | undefined;
  portName: string | undefined;
  protocol: Proto | undefined;
  family: Family;
  external?: ExternalSource;
  entry?: string;
}

export const podIps = (p: V1Pod): string[] => {
  const ips = (p.status?.podIPs ?? []).map((x) => x.ip).filter((x): x is string => !!x);
  return ips.length ? ips : p.status?.podIP ? [p.status.podIP] : [];
};
export const serviceIps = (s: V1Service): string[] => {
  const vip = (x: string | undefined): x is string => !!x && x.toLowerCase() !== 'none';
  const ips = (s.spec?.clusterIPs ?? []).filter(vip);
  return ips.length ? ips : vip(s.spec?.clusterIP) ? [s.spec.clusterIP] : [];
};
/** InternalIPs first, then ExternalIPs. */
export const nodeAddresses = (n: V1Node): string[] => {
  const a = n.status?.addresses ?? [];
  return [...a.filter((x) => x.type === 'InternalIP'), ...a.filter((x) => x.type === 'ExternalIP')].map((x) => x.address);
};

const fam = (ips: string[], f: Family): string | undefined => ips.find((ip) => familyOf(ip) === f);

/** Where an outside client's packet enters: `--from-node`, the DST node, else every probed node. */
export function entryNodes(snapshot: Snapshot, tw: TraceWorld, dest: Destination, fromNode?: string): string[] {
  const known = objectsOf(snapshot, 'nodes').map((n) => n.metadata?.name ?? '');
  if (fromNode !== undefined) {
    if (!known.includes(fromNode)) {
      assertNotMalformed(snapshot, 'nodes', undefined, fromNode, 'named by --from-node');
      const hint = didYouMean(fromNode, known);
      throw new UserError(`node ${fromNode} not found`, { code: 'not-found', ...(hint ? { hint } : {}) });
    }
    return [fromNode];
  }
  if (dest.kind === 'node') return [dest.name];
  const probed = [...tw.models.keys()].sort();
  if (probed.length === 0) throw new UserError('no node of the snapshot was probed: an outside client’s packet has nowhere to enter', { hint: 'collect node dumps (kubectl netx collect) or name the node with --from-node' });
  return probed;
}

export function plannedTargets(snapshot: Snapshot, r: TargetRequest): Target[] {
  const d = r.dest;
  if (d.kind === 'service') return serviceTargets(snapshot, d, r);
  let p = r.port;
  if (p === undefined && d.kind === 'pod') {
    const all = (d.pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
    if (all.length === 1) p = all[0]!.containerPort;
  }
  if (p === undefined) throw new UserError(`no port for ${d.kind === 'ip' ? d.ip : d.name}: the path depends on it`, { hint: 'give one as DST:PORT or with --port' });
  const ips = d.kind === 'pod' ? podIps(d.pod) : d.kind === 'node' ? nodeAddresses(d.node) : [d.ip];
  const ip = fam(ips, r.family) ?? d.ip;
  const proto = r.protocol ?? 'tcp';
  const t: Target = { ip, port: p, proto, dest: ip === d.ip ? d : { ...d, ip }, notes: [], ...(r.entry ? { entry: r.entry } : {}) };
  if (d.kind === 'ip') {
    const owner = serviceByAddress(objectsOf(snapshot, 'services'), d.ip);
    const ports = (owner?.service.spec?.ports ?? []).map((x) => `${x.port}/${x.protocol ?? 'TCP'}`).join(', ');
    if (owner) t.notes.push(`${d.ip} is the ${owner.address.kind} of service ${owner.service.metadata?.namespace}/${owner.service.metadata?.name}, which has no port ${p} (its ports: ${ports || 'none'}): traced as a plain address`);
  }
  if (d.kind === 'node') {
    const np = nodePortOwner(snapshot, p, proto);
    if (np) {
      t.nodePortOf = np;
      t.serviceType = 'NodePort';
      t.notes.push(`port ${p}/${proto.toUpperCase()} is the nodePort of service ${np.service.metadata?.namespace}/${np.service.metadata?.name}`);
    }
  }
  return [t];
}

/** The Service whose nodePort this is (a NodePort or LoadBalancer service), if any. */
function nodePortOwner(snapshot: Snapshot, port: number, proto: Proto): Target['nodePortOf'] {
  for (const service of objectsOf(snapshot, 'services')) {
    const sp = (service.spec?.ports ?? []).find((x) => x.nodePort === port && (x.protocol ?? 'TCP').toLowerCase() === proto);
    if (sp) return { service, port: sp };
  }
  return undefined;
}

function serviceTargets(snapshot: Snapshot, d: Extract<Destination, { kind: 'service' }>, r: TargetRequest): Target[] {
  const svc = d.service;
  const type = svc.spec?.type ?? 'ClusterIP';
  const out: Target[] = [];
  for (const sp of servicePorts(d, r.port, r.portName, r.protocol)) {
    const proto = (sp.protocol ?? 'TCP').toLowerCase() as Proto;
    const base = { proto, ...(sp.name ? { portName: sp.name } : {}), ...(r.entry ? { entry: r.entry } : {}) };
    if (d.headless) {
      out.push(...headlessTargets(snapshot, d, sp, r, base));
      continue;
    }
    if (d.address) {
      out.push(addressTarget(d, d.address, sp, r, type, base));
      continue;
    }
    if (r.external) {
      out.push(externalTarget(snapshot, d, sp, r, type, base));
      continue;
    }
    const vip = fam(serviceIps(svc), r.family);
    if (!vip) throw new UserError(`service ${d.name} has no IPv${r.family} address (${serviceIps(svc).join(', ')})`);
    out.push({ ...base, ip: vip, port: sp.port, servicePort: sp, dest: { ...d, ip: vip }, serviceType: type, notes: [] });
  }
  return out;
}

type Base = Pick<Target, 'proto' | 'portName' | 'entry'>;

/** Headless: DNS returns the ready endpoints' addresses; each is a path of its own (to the pod itself). */
function headlessTargets(snapshot: Snapshot, d: Extract<Destination, { kind: 'service' }>, sp: V1ServicePort, r: TargetRequest, base: Base): Target[] {
  if (r.external) throw new UserError(`service ${d.name} is headless: it has no node port or load balancer, nothing outside reaches it`, { hint: 'trace from a pod, or to a NodePort/LoadBalancer service' });
  const eps = endpointsFor(snapshot, d.service, sp).filter((e) => e.ready && familyOf(e.ip) === r.family);
  if (eps.length === 0) throw new UserError(`headless service ${d.name} port ${sp.port} has no ready IPv${r.family} endpoint: DNS answers no address, there is nothing to connect to`, { hint: `kubectl -n ${d.service.metadata?.namespace} get endpointslices -l kubernetes.io/service-name=${d.service.metadata?.name}` });
  return eps.map((ep) => {
    const port = ep.port ?? (typeof sp.targetPort === 'number' ? sp.targetPort : sp.port);
    return { ...base, ip: ep.ip, port, dest: endpointDest(snapshot, ep, port), serviceType: 'headless', headless: { service: d.service, port: sp }, notes: [`headless service ${d.name}: DNS returns the pod addresses (no VIP, no kube-proxy); this path is the one to ${ep.pod ?? ep.ip}`] };
  });
}

function endpointDest(snapshot: Snapshot, ep: SliceEndpoint, port: number): Destination {
  const pod = ep.pod ? objectsOf(snapshot, 'pods').find((p) => `${p.metadata?.namespace}/${p.metadata?.name}` === ep.pod) : undefined;
  if (pod) return { kind: 'pod', pod, name: ep.pod!, ip: ep.ip, port, ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}) };
  return { kind: 'ip', ip: ep.ip, port };
}

const ORDINAL = ['first', 'second', 'third'];
const WHAT: Record<ServiceAddress['kind'], [string, string]> = {
  clusterIP: ['ClusterIP', 'ClusterIPs'],
  externalIP: ['spec.externalIPs address', 'spec.externalIPs addresses'],
  loadBalancerIP: ['status.loadBalancer.ingress IP', 'status.loadBalancer.ingress IPs'],
};
/** "the second of 2 status.loadBalancer.ingress IPs", "the ClusterIP". */
const nth = (a: ServiceAddress): string => (a.of > 1 ? `the ${ORDINAL[a.index] ?? `#${a.index + 1}`} of ${a.of} ${WHAT[a.kind][1]}` : `the ${WHAT[a.kind][0]}`);

/**
 * DST typed as one of the service's addresses: that address, not the one `svc/NAME` would pick, and the
 * service's findings. From outside, a ClusterIP is traced too (a router may send the service CIDR to a
 * node; kube-proxy's rules then decide), said in a note.
 */
function addressTarget(d: Extract<Destination, { kind: 'service' }>, a: ServiceAddress, sp: V1ServicePort, r: TargetRequest, type: string, base: Base): Target {
  const notes = [`${d.ip} is ${nth(a)} of service ${d.name}`];
  if (r.external && a.kind === 'loadBalancerIP') notes.push(`load balancer ${d.ip} hands the packet to node ${r.entry} with its destination unchanged (MetalLB, GCP-style); a proxying load balancer sends to the nodePort ${sp.nodePort ?? '(none)'} instead`);
  if (r.external && a.kind === 'externalIP') notes.push(`the network routes ${d.ip} to node ${r.entry} (externalIPs are not announced by Kubernetes)`);
  if (r.external && a.kind === 'clusterIP') notes.push(`a ClusterIP from outside: only a router that sends the service CIDR to node ${r.entry} gets it there`);
  const serviceType = a.kind === 'loadBalancerIP' ? 'LoadBalancer' : type;
  return { ...base, ip: d.ip, port: sp.port, servicePort: sp, dest: d, serviceType, notes };
}

/** From outside: a LoadBalancer ingress IP when the status has one, else the entry node's nodePort. */
function externalTarget(snapshot: Snapshot, d: Extract<Destination, { kind: 'service' }>, sp: V1ServicePort, r: TargetRequest, type: string, base: Base): Target {
  if (type !== 'NodePort' && type !== 'LoadBalancer') throw new UserError(`service ${d.name} is ${type}: nothing outside the cluster reaches it`, { hint: 'trace from a pod (kubectl netx trace POD svc/NAME), or expose it as NodePort/LoadBalancer' });
  const lb = (d.service.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((x): x is string => !!x);
  const lbIp = type === 'LoadBalancer' ? fam(lb, r.family) : undefined;
  const common = { ...base, servicePort: sp, serviceType: type };
  if (lbIp) {
    const note = `load balancer ${lbIp} hands the packet to node ${r.entry} with its destination unchanged (MetalLB, GCP-style); a proxying load balancer sends to the nodePort ${sp.nodePort ?? '(none)'} instead`;
    return { ...common, ip: lbIp, port: sp.port, dest: { ...d, ip: lbIp }, notes: [note] };
  }
  if (!sp.nodePort) throw new UserError(`service ${d.name} port ${sp.port} has no nodePort${type === 'LoadBalancer' ? ' and no load balancer IP in its status' : ''}: nothing outside reaches it`);
  const node = objectsOf(snapshot, 'nodes').find((n) => n.metadata?.name === r.entry);
  const nip = node ? fam(nodeAddresses(node), r.family) : undefined;
  if (!nip) throw new UserError(`node ${r.entry} has no IPv${r.family} address to receive nodePort ${sp.nodePort}`);
  const notes = [`NodePort ${sp.nodePort} on node ${r.entry} (${nip})${type === 'LoadBalancer' ? ': the service’s status lists no load balancer IP' : ''}`];
  return { ...common, ip: nip, port: sp.nodePort, dest: { ...d, ip: nip }, notes };
}
