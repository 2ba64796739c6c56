/**
 * kube-proxy in the lab: derives each node's KubeProxyInput from the spec (services, endpoints from
 * label selectors, minus deleted pods) and loads the renderers' output into the node namespace
 * (`iptables-restore --noflush` on the iptables-nft backend, or `nft -f`).
 */
import { inNs, run } from './exec.js';
import type { Lab } from './build.js';
import { NFACCT_COUNTERS, renderIptables } from './kube-proxy/iptables.js';
import { renderNftables } from './kube-proxy/nftables.js';
import type { KubeProxyInput, LabEndpoint, LabService } from './kube-proxy/types.js';
import { clusterCIDR, selectedPods, serviceCIDR, type AddressPlan, type NodePlan } from './spec.js';


/** Services as kube-proxy sees them: endpoints are the selected pods that still exist. */
export function labServices(plan: AddressPlan, deletedPods: ReadonlySet<string> = new Set()): LabService[] {
  return plan.spec.services.map((svc): LabService => {
    const endpoints = selectedPods(plan, svc)
      .filter((p) => !deletedPods.has(p.name))
      .map(
        (p): LabEndpoint => ({
          ip: p.ip,
          nodeName: p.nodeName,
          ready: p.ready,
          serving: p.ready,
          terminating: false,
          pod: p.name,
          ports: Object.fromEntries(svc.ports.map((sp) => [sp.name ?? '', sp.targetPort])),
          ...(svc.zoneHints?.[p.name] ? { zoneHints: [...svc.zoneHints[p.name]!] } : {}),
        }),
      );
    for (const st of svc.staticEndpoints ?? []) {
      endpoints.push({ ip: st.ip, nodeName: st.nodeName, ready: true, serving: true, terminating: false });
    }
    return {
      namespace: svc.namespace ?? 'default',
      name: svc.name,
      type: svc.type,
      clusterIP: svc.clusterIP,
      ports: svc.ports.map((p) => ({ ...p })),
      ...(svc.loadBalancerIPs !== undefined ? { loadBalancerIPs: [...svc.loadBalancerIPs] } : {}),
      ...(svc.externalTrafficPolicy !== undefined ? { externalTrafficPolicy: svc.externalTrafficPolicy } : {}),
      ...(svc.internalTrafficPolicy !== undefined ? { internalTrafficPolicy: svc.internalTrafficPolicy } : {}),
      ...(svc.healthCheckNodePort !== undefined ? { healthCheckNodePort: svc.healthCheckNodePort } : {}),
      ...(svc.sessionAffinitySeconds !== undefined ? { sessionAffinitySeconds: svc.sessionAffinitySeconds } : {}),
      endpoints,
    };
  });
}

/** The node's zone label from the spec (topology-aware hints). */
export const zoneOf = (plan: AddressPlan, node: string): string | undefined => plan.spec.nodes.find((n) => n.name === node)?.zone;

export function kubeProxyInput(plan: AddressPlan, node: NodePlan, deletedPods?: ReadonlySet<string>): KubeProxyInput {
  const zone = zoneOf(plan, node.name);
  return {
    nodeName: node.name,
    nodeIPs: [node.ip],
    // EKS leaves kube-proxy's clusterCIDR empty: pods take VPC addresses (no masquerade by source range).
    clusterCIDR: plan.spec.topology === 'fabric' ? '' : clusterCIDR(plan.spec),
    serviceCIDRs: [serviceCIDR(plan.spec)],
    services: labServices(plan, deletedPods),
    ...(zone !== undefined ? { nodeZone: zone } : {}),
  };
}

/** Renders and loads kube-proxy's rules on every node (no-op when the spec has no services). */
export async function loadKubeProxy(lab: Lab, deletedPods?: ReadonlySet<string>): Promise<void> {
  if (lab.spec.services.length === 0) return;
  const render = lab.spec.proxyMode === 'iptables' ? renderIptables : renderNftables;
  for (const node of lab.plan.nodes) {
    const ns = lab.nodeNs(node.name);
    const text = render(kubeProxyInput(lab.plan, node, deletedPods));
    if (lab.spec.proxyMode === 'iptables') {
      for (const name of NFACCT_COUNTERS) {
        if (text.includes(name)) await run(inNs(ns, ['nfacct', 'add', name]), { check: false });
      }
      // The rendered text declares the builtin chains too: a plain restore replaces the tables.
      await run(inNs(ns, ['iptables-restore']), { input: text });
    } else {
      await run(inNs(ns, ['nft', 'delete', 'table', 'ip', 'kube-proxy']), { check: false });
      await run(inNs(ns, ['nft', '-f', '-']), { input: text });
    }
  }
}
