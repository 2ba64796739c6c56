/**
 * kube-proxy in the lab: derives each node's KubeProxyInput from the spec (services, endpoints from
 * label selectors, minus deleted pods) and loads the renderers' output into the node namespace
 * (`iptables-restore --noflush` on the iptables-nft backend, or `nft -f`).
 */
import { inNs, run } from './exec.js';
import type { Lab } from './build.js';
import type { KubeProxyInput, LabEndpoint, LabService } from './kube-proxy/types.js';
import { clusterCIDR, selectedPods, serviceCIDR, type AddressPlan, type NodePlan } from './spec.js';

/** nfacct objects recent kube-proxy iptables rules reference (`-m nfacct --nfacct-name`). */
export const KUBE_PROXY_NFACCT = ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts'];

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
        }),
      );
    return {
      namespace: svc.namespace ?? 'default',
      name: svc.name,
      type: svc.type,
      clusterIP: svc.clusterIP,
      ports: svc.ports.map((p) => ({ ...p })),
      ...(svc.sessionAffinitySeconds !== undefined ? { sessionAffinitySeconds: svc.sessionAffinitySeconds } : {}),
      endpoints,
    };
  });
}

export function kubeProxyInput(plan: AddressPlan, node: NodePlan, deletedPods?: ReadonlySet<string>): KubeProxyInput {
  return {
    nodeName: node.name,
    nodeIPs: [node.ip],
    clusterCIDR: clusterCIDR(plan.spec),
    serviceCIDRs: [serviceCIDR(plan.spec)],
    services: labServices(plan, deletedPods),
  };
}

type Renderer = (input: KubeProxyInput) => string;

/** The renderers live in kube-proxy/ (owned by another engineer); loaded lazily so the lab works without them. */
async function renderer(mode: 'iptables' | 'nftables'): Promise<Renderer> {
  const path = mode === 'iptables' ? './kube-proxy/iptables.js' : './kube-proxy/nftables.js';
  const mod = (await import(path)) as Record<string, unknown>;
  const fn = mod[mode === 'iptables' ? 'renderIptables' : 'renderNftables'];
  if (typeof fn !== 'function') throw new Error(`lab: ${path} does not export its renderer`);
  return (input) => {
    const out: unknown = (fn as (i: KubeProxyInput) => unknown)(input);
    if (typeof out !== 'string') throw new Error(`lab: ${mode} renderer returned ${typeof out}, expected rule text`);
    return out;
  };
}

/** Renders and loads kube-proxy's rules on every node (no-op when the spec has no services). */
export async function loadKubeProxy(lab: Lab, deletedPods?: ReadonlySet<string>): Promise<void> {
  if (lab.spec.services.length === 0) return;
  const render = await renderer(lab.spec.proxyMode);
  for (const node of lab.plan.nodes) {
    const ns = lab.nodeNs(node.name);
    const text = render(kubeProxyInput(lab.plan, node, deletedPods));
    if (lab.spec.proxyMode === 'iptables') {
      for (const name of KUBE_PROXY_NFACCT) {
        if (text.includes(name)) await run(inNs(ns, ['nfacct', 'add', name]), { check: false });
      }
      await run(inNs(ns, ['iptables-restore', '--noflush']), { input: text });
    } else {
      await run(inNs(ns, ['nft', '-f', '-']), { input: text });
    }
  }
}
