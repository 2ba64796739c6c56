/**
 * The IPv6 half of a dual-stack lab (`LabSpec.ipv6`): what kube-proxy's IPv6 proxier sees (only the
 * services' IPv6 ClusterIPs and the pods' IPv6 addresses, as the IPv6 EndpointSlices list them).
 * Loading it into the nodes is ipv6-load.ts.
 */
import type { KubeProxyInput, LabService } from './kube-proxy/types.js';
import { labServices } from './proxy.js';
import { CLUSTER_CIDR6, SERVICE_CIDR6, type AddressPlan, type NodePlan } from './spec.js';

/** Addresses usable at once (no duplicate address detection) in lab namespaces. */
export const IPV6_NO_DAD: Record<string, number> = { 'net.ipv6.conf.all.accept_dad': 0, 'net.ipv6.conf.default.accept_dad': 0 };

/**
 * Services as the IPv6 proxier sees them: the dual-stack ones, with their IPv6 ClusterIP and the
 * endpoints' IPv6 addresses (pods without one are not in the IPv6 EndpointSlice).
 */
export function labServices6(plan: AddressPlan, deletedPods: ReadonlySet<string> = new Set()): LabService[] {
  const ip6 = new Map(plan.pods.flatMap((p) => (p.ip6 ? [[p.name, p.ip6] as const] : [])));
  return labServices(plan, deletedPods).flatMap((svc): LabService[] => {
    const spec = plan.spec.services.find((s) => s.name === svc.name && (s.namespace ?? 'default') === svc.namespace);
    if (!spec?.clusterIP6) return [];
    const endpoints = svc.endpoints.flatMap((e) => {
      const v6 = e.pod !== undefined ? ip6.get(e.pod) : undefined;
      return v6 ? [{ ...e, ip: v6 }] : [];
    });
    // Load balancer IPs of the other family are not this proxier's (none in the dual-stack lab).
    const { loadBalancerIPs: _lb, ...rest } = svc;
    return [{ ...rest, clusterIP: spec.clusterIP6, endpoints }];
  });
}

/** The IPv6 proxier's input on one node. */
export function kubeProxyInput6(plan: AddressPlan, node: NodePlan, deletedPods?: ReadonlySet<string>): KubeProxyInput {
  if (!node.ip6) throw new Error(`lab: node ${node.name} has no IPv6 address (spec.ipv6 not set)`);
  return {
    nodeName: node.name,
    nodeIPs: [node.ip6],
    clusterCIDR: CLUSTER_CIDR6,
    serviceCIDRs: [SERVICE_CIDR6],
    services: labServices6(plan, deletedPods),
    family: 6,
  };
}
