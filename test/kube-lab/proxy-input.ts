/**
 * The lab renderer's input (`KubeProxyInput`, test/lab/kube-proxy/) built from what a real apiserver
 * serves: the Services, EndpointSlices, Nodes and ServiceCIDRs kube-proxy itself watches, plus the
 * cluster CIDR from its configuration. Pure: the caller reads the objects.
 */
import type { KubeProxyInput, LabEndpoint, LabService, LabServicePort } from '../lab/kube-proxy/types.js';

interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}
interface ApiService {
  metadata: Meta;
  spec: {
    type?: string;
    clusterIP?: string;
    externalIPs?: string[];
    loadBalancerSourceRanges?: string[];
    healthCheckNodePort?: number;
    sessionAffinity?: string;
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
    externalTrafficPolicy?: string;
    internalTrafficPolicy?: string;
    ports?: { name?: string; protocol?: string; port: number; targetPort?: number | string; nodePort?: number }[];
  };
  status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
}
interface ApiEndpointSlice {
  metadata: Meta;
  addressType: string;
  ports?: { name?: string; protocol?: string; port?: number }[] | null;
  endpoints?: { addresses: string[]; nodeName?: string; conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean }; hints?: { forZones?: { name: string }[] } }[] | null;
}
interface ApiNode {
  metadata: Meta;
  status?: { addresses?: { type: string; address: string }[] };
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const ZONE_LABEL = 'topology.kubernetes.io/zone';

type Protocol = LabServicePort['protocol'];
const protocolOf = (p: string | undefined): Protocol => (p === 'UDP' || p === 'SCTP' ? p : 'TCP');

/**
 * One endpoint per address of each IPv4 slice, carrying that slice's ports by name. Conditions as
 * the EndpointSlice API defines them: a nil `ready` is ready, a nil `serving` is `ready`.
 */
function endpointsOf(slices: ApiEndpointSlice[]): LabEndpoint[] {
  const out: LabEndpoint[] = [];
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const ports: Record<string, number> = {};
    for (const p of slice.ports ?? []) if (p.port !== undefined) ports[p.name ?? ''] = p.port;
    for (const ep of slice.endpoints ?? []) {
      const ready = ep.conditions?.ready ?? true;
      const zones = ep.hints?.forZones?.map((z) => z.name);
      for (const ip of ep.addresses) {
        out.push({
          ip,
          ports,
          nodeName: ep.nodeName ?? '',
          ready,
          serving: ep.conditions?.serving ?? ready,
          terminating: ep.conditions?.terminating ?? false,
          ...(zones ? { zoneHints: zones } : {}),
        });
      }
    }
  }
  return out;
}

function labService(svc: ApiService, slices: ApiEndpointSlice[]): LabService | undefined {
  const { spec } = svc;
  const type = spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? spec.type : 'ClusterIP';
  if (spec.type === 'ExternalName' || !spec.clusterIP || spec.clusterIP === 'None') return undefined;
  const lbIPs = (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
  return {
    namespace: svc.metadata.namespace ?? '',
    name: svc.metadata.name,
    type,
    clusterIP: spec.clusterIP,
    ...(spec.externalIPs?.length ? { externalIPs: spec.externalIPs } : {}),
    ...(lbIPs.length ? { loadBalancerIPs: lbIPs } : {}),
    ...(spec.loadBalancerSourceRanges?.length ? { loadBalancerSourceRanges: spec.loadBalancerSourceRanges } : {}),
    ...(spec.healthCheckNodePort ? { healthCheckNodePort: spec.healthCheckNodePort } : {}),
    // The endpoint's port comes from its slice only (targetPort 0: a port no slice names has no endpoint), as in kube-proxy.
    ports: (spec.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: protocolOf(p.protocol), port: p.port, targetPort: 0, ...(p.nodePort ? { nodePort: p.nodePort } : {}) })),
    ...(spec.sessionAffinity === 'ClientIP' ? { sessionAffinitySeconds: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800 } : {}),
    ...(spec.externalTrafficPolicy === 'Local' ? { externalTrafficPolicy: 'Local' as const } : {}),
    ...(spec.internalTrafficPolicy === 'Local' ? { internalTrafficPolicy: 'Local' as const } : {}),
    endpoints: endpointsOf(slices),
  };
}

export interface ClusterObjects {
  services: ApiService[];
  endpointSlices: ApiEndpointSlice[];
  nodes: ApiNode[];
  serviceCIDRs: string[];
  /** kube-proxy's configured clusterCIDR. */
  clusterCIDR: string;
}

/** What kube-proxy on `nodeName` (IPv4 proxier) works from, in the renderer's terms. */
export function kubeProxyInput(objects: ClusterObjects, nodeName: string): KubeProxyInput {
  const node = objects.nodes.find((n) => n.metadata.name === nodeName);
  if (!node) throw new Error(`no node ${nodeName}`);
  const slicesBy = new Map<string, ApiEndpointSlice[]>();
  for (const s of objects.endpointSlices) {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (svc) slicesBy.set(`${s.metadata.namespace}/${svc}`, [...(slicesBy.get(`${s.metadata.namespace}/${svc}`) ?? []), s]);
  }
  const services = objects.services.flatMap((svc) => labService(svc, slicesBy.get(`${svc.metadata.namespace}/${svc.metadata.name}`) ?? []) ?? []);
  const zone = node.metadata.labels?.[ZONE_LABEL];
  return {
    nodeName,
    nodeIPs: (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' && !a.address.includes(':')).map((a) => a.address),
    clusterCIDR: objects.clusterCIDR,
    serviceCIDRs: objects.serviceCIDRs.filter((c) => !c.includes(':')),
    services,
    ...(zone ? { nodeZone: zone } : {}),
  };
}
