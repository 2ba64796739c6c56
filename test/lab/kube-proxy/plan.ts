/**
 * What kube-proxy decides per service port before it writes any rule: the usable endpoints
 * (pkg/proxy/topology.go CategorizeEndpoints), the traffic-policy flags (pkg/proxy/serviceport.go)
 * and the chain names. Both renderers (iptables.ts, nftables.ts) walk these plans.
 */
import { endpointString, servicePortName } from './hash.js';
import ipaddr from 'ipaddr.js';
import type { KubeProxyInput, LabEndpoint, LabService, LabServicePort } from './types.js';

/** One endpoint of one service port, as kube-proxy's EndpointsMap holds it. */
export interface PlannedEndpoint {
  ip: string;
  port: number;
  /** `ip:port` (net.JoinHostPort), the string kube-proxy sorts and hashes. */
  hostPort: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  local: boolean;
  /** hints.forZones (empty: no zone hint). */
  zoneHints: string[];
}

/** A service port with the decisions both proxier modes share. */
export interface ServicePortPlan {
  service: LabService;
  port: LabServicePort;
  /** `ns/svc:port` or `ns/svc`. */
  name: string;
  /** Lower-case protocol (tcp/udp/sctp). */
  protocol: string;
  /** NodePort, 0 when the service has none (ClusterIP type ignores a stray nodePort). */
  nodePort: number;
  externallyAccessible: boolean;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  usesClusterEndpoints: boolean;
  usesLocalEndpoints: boolean;
  clusterEndpoints: PlannedEndpoint[];
  localEndpoints: PlannedEndpoint[];
  /** Union of cluster and local endpoints: the endpoints that get a SEP / endpoint chain. */
  reachableEndpoints: PlannedEndpoint[];
  /** Some usable endpoint exists anywhere in the cluster. */
  hasEndpoints: boolean;
  hasInternalEndpoints: boolean;
  hasExternalEndpoints: boolean;
}

const byHostPort = (a: PlannedEndpoint, b: PlannedEndpoint): number =>
  a.hostPort < b.hostPort ? -1 : a.hostPort > b.hostPort ? 1 : 0;

function planEndpoint(ep: LabEndpoint, port: LabServicePort, nodeName: string): PlannedEndpoint | undefined {
  const targetPort = ep.ports?.[port.name ?? ''] ?? port.targetPort;
  // kube-proxy drops endpoints without a usable port (isValidEndpoint).
  if (!ep.ip || !(targetPort > 0)) return undefined;
  return {
    ip: ep.ip,
    port: targetPort,
    hostPort: endpointString(ep.ip, targetPort),
    ready: ep.ready,
    // EndpointSlice semantics: serving defaults to ready, terminating to false.
    serving: ep.serving ?? ep.ready,
    terminating: ep.terminating ?? false,
    local: ep.nodeName === nodeName,
    zoneHints: ep.zoneHints ?? [],
  };
}

/** Endpoints of one port, deduplicated by ip:port and sorted like EndpointSliceCache (byEndpoint). */
function endpointsOf(service: LabService, port: LabServicePort, nodeName: string): PlannedEndpoint[] {
  const seen = new Map<string, PlannedEndpoint>();
  for (const ep of service.endpoints) {
    const planned = planEndpoint(ep, port, nodeName);
    if (planned && !seen.has(planned.hostPort)) seen.set(planned.hostPort, planned);
  }
  return [...seen.values()].sort(byHostPort);
}

/** Ready endpoints, or serving+terminating ones when none is ready (upstream's fallback). */
function usable(endpoints: PlannedEndpoint[]): PlannedEndpoint[] {
  const ready = endpoints.filter((ep) => ep.ready);
  return ready.length > 0 ? ready : endpoints.filter((ep) => ep.serving && ep.terminating);
}

/**
 * topology.go topologyModeFromHints (zone part; node hints need the PreferSameTrafficDistribution
 * gate and the lab writes none): the zone's endpoints are used when every ready endpoint has a zone
 * hint and at least one names this node's zone; otherwise all of them. Undefined: no topology.
 */
function hintedZone(endpoints: PlannedEndpoint[], zone: string | undefined): string | undefined {
  const ready = endpoints.filter((ep) => ep.ready);
  if (ready.length === 0 || zone === undefined) return undefined;
  if (!ready.every((ep) => ep.zoneHints.length > 0)) return undefined;
  return ready.some((ep) => ep.zoneHints.includes(zone)) ? zone : undefined;
}

/** CategorizeEndpoints' cluster endpoints: ready ones available for the topology, else serving+terminating ones anywhere. */
function clusterUsable(endpoints: PlannedEndpoint[], zone: string | undefined): PlannedEndpoint[] {
  const hinted = hintedZone(endpoints, zone);
  const ready = endpoints.filter((ep) => ep.ready && (hinted === undefined || ep.zoneHints.includes(hinted)));
  return ready.length > 0 ? ready : endpoints.filter((ep) => ep.serving && ep.terminating);
}

export const externalIPs = (service: LabService): string[] => service.externalIPs ?? [];
/** LoadBalancer VIPs: only a LoadBalancer-type service has them. */
export const loadBalancerIPs = (service: LabService): string[] =>
  service.type === 'LoadBalancer' ? (service.loadBalancerIPs ?? []) : [];

/** Plans every port of every service, in input order. Services without a cluster IP are skipped like upstream. */
export function planServicePorts(input: KubeProxyInput): ServicePortPlan[] {
  const plans: ServicePortPlan[] = [];
  for (const service of input.services) {
    if (!service.clusterIP || service.clusterIP === 'None') continue;
    for (const port of service.ports) plans.push(planPort(service, port, input.nodeName, input.nodeZone));
  }
  return plans;
}

function planPort(service: LabService, port: LabServicePort, nodeName: string, zone?: string): ServicePortPlan {
  const nodePort = service.type === 'ClusterIP' ? 0 : (port.nodePort ?? 0);
  const externallyAccessible = nodePort > 0 || externalIPs(service).length > 0 || loadBalancerIPs(service).length > 0;
  // apiservice.ExternallyAccessible: NodePort/LoadBalancer type or any externalIP.
  const apiExternal = service.type !== 'ClusterIP' || externalIPs(service).length > 0;
  const externalPolicyLocal = apiExternal && service.externalTrafficPolicy === 'Local';
  const internalPolicyLocal = service.internalTrafficPolicy === 'Local';
  const usesClusterEndpoints = !internalPolicyLocal || (externallyAccessible && !externalPolicyLocal);
  const usesLocalEndpoints = internalPolicyLocal || (externallyAccessible && externalPolicyLocal);

  const all = endpointsOf(service, port, nodeName);
  const clusterEndpoints = usesClusterEndpoints ? clusterUsable(all, zone) : [];
  const localEndpoints = usesLocalEndpoints ? usable(all.filter((ep) => ep.local)) : [];
  // hasAnyEndpoints: cluster endpoints exist, or (Local policy in use) any ready/serving-terminating endpoint exists.
  const hasEndpoints =
    clusterEndpoints.length > 0 || (usesLocalEndpoints && all.some((ep) => ep.ready || (ep.serving && ep.terminating)));
  const reachable = new Map<string, PlannedEndpoint>();
  for (const ep of [...clusterEndpoints, ...localEndpoints]) reachable.set(ep.hostPort, ep);

  return {
    service,
    port,
    name: servicePortName(service.namespace, service.name, port.name),
    nodePort,
    protocol: port.protocol.toLowerCase(),
    externallyAccessible,
    externalPolicyLocal,
    internalPolicyLocal,
    usesClusterEndpoints,
    usesLocalEndpoints,
    clusterEndpoints,
    localEndpoints,
    reachableEndpoints: [...reachable.values()].sort(byHostPort),
    hasEndpoints,
    hasInternalEndpoints: hasEndpoints && (!internalPolicyLocal || localEndpoints.length > 0),
    hasExternalEndpoints: hasEndpoints && (!externalPolicyLocal || localEndpoints.length > 0),
  };
}

/** Address-in-CIDR test (loadBalancerSourceRanges allow-from-node); mismatched families never match. */
export function cidrContains(cidr: string, ip: string): boolean {
  if (!ipaddr.isValid(ip)) return false;
  const addr = ipaddr.parse(ip);
  const [range, bits] = ipaddr.parseCIDR(cidr);
  if (addr.kind() !== range.kind()) return false;
  return addr.kind() === 'ipv4'
    ? (addr as ipaddr.IPv4).match(range as ipaddr.IPv4, bits)
    : (addr as ipaddr.IPv6).match(range as ipaddr.IPv6, bits);
}
