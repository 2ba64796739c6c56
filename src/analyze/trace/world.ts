/** The walker's world from a Snapshot: node models of probed nodes, node and pod addresses from the API. */
import type { NodeModel } from '../../model/node.js';
import type { NodeCapture, Snapshot } from '../../snapshot/types.js';
import { makeWorld, type ClusterRange, type PodInfo, type World } from '../../sim/world.js';
import { has, objectsOf } from './views.js';
import { serviceClaims } from '../cidr/claims.js';

export type NodeBuilder = (name: string, capture: NodeCapture) => NodeModel;

export interface TraceWorld {
  world: World;
  models: Map<string, NodeModel>;
  pods: PodInfo[];
}

export function buildWorld(snapshot: Snapshot, buildNode: NodeBuilder): TraceWorld {
  const models: NodeModel[] = Object.entries(snapshot.nodes).map(([name, capture]) => buildNode(name, capture));
  const pods: PodInfo[] = objectsOf(snapshot, 'pods').map((p) => {
    const ips = (p.status?.podIPs ?? []).map((x) => x.ip).filter((x): x is string => !!x);
    if (ips.length === 0 && p.status?.podIP) ips.push(p.status.podIP);
    const info: PodInfo = { name: `${p.metadata?.namespace}/${p.metadata?.name}`, ips, hostNetwork: p.spec?.hostNetwork === true };
    if (p.spec?.nodeName) info.node = p.spec.nodeName;
    return info;
  });
  const nodeAddrs: Record<string, string[]> = {};
  for (const n of objectsOf(snapshot, 'nodes')) {
    const name = n.metadata?.name;
    if (!name) continue;
    nodeAddrs[name] = (n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address);
  }
  const world = makeWorld(models, pods, nodeAddrs, has(snapshot, 'pods'), clusterRanges(snapshot));
  return { world, models: world.nodes, pods };
}

/**
 * Nodes' podCIDRs, the service range (ServiceCIDR objects, kube-apiserver's flag, kubeadm's serviceSubnet: what
 * `cidr` reads, as far as it is not assumed) and Services' own addresses: an address there belongs to the cluster
 * even when nobody holds it. (Not kube-proxy's clusterCIDR: on a cloud fabric it is the whole VPC.)
 */
function clusterRanges(snapshot: Snapshot): ClusterRange[] {
  const out: ClusterRange[] = [];
  for (const c of serviceClaims(snapshot, objectsOf(snapshot, 'pods'))) {
    if (c.confidence === 'high' || c.confidence === 'medium') for (const cidr of c.cidrs) out.push({ cidr, what: `the service range (${c.detail})` });
  }
  for (const n of objectsOf(snapshot, 'nodes')) {
    for (const cidr of n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])) out.push({ cidr, what: `the podCIDR of ${n.metadata?.name}` });
  }
  for (const svc of objectsOf(snapshot, 'services')) {
    const name = `${svc.metadata?.namespace}/${svc.metadata?.name}`;
    const ips = [...(svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])), ...(svc.spec?.externalIPs ?? [])].filter((ip) => ip && ip !== 'None');
    for (const ip of ips) out.push({ cidr: ip, what: `an address of service ${name}` });
  }
  return out;
}
