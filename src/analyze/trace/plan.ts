/** What `trace` needs from a cluster: pods, services, EndpointSlices, nodes, and the path's dataplane dumps. */
import type { CollectPlan } from '../../snapshot/plan.js';
import type { DumpKey } from '../../snapshot/types.js';

/** Every dump the walker reads: routing, links, neighbours, FDB, both netfilter views, ipsets, conntrack, sysctls. */
export const TRACE_DUMPS: DumpKey[] = [
  'addr',
  'link',
  'rule',
  'ip6-rule',
  'route',
  'ip6-route',
  'neigh',
  'fdb',
  'iptables',
  'ip6tables',
  'iptables-nft',
  'iptables-legacy',
  'nft',
  'ipset',
  'conntrack',
  'sysctl',
];

/**
 * Pods are listed in all namespaces: any pod IP on the path needs a name. Node dumps are taken from
 * every node, because the path (which endpoint, which node) is only known after the walk.
 */
export function tracePlan(opts: { ingress?: boolean } = {}): CollectPlan {
  const plan: CollectPlan = {
    resources: [
      { resource: 'nodes' },
      { resource: 'pods' },
      { resource: 'services' },
      { resource: 'endpointslices' },
      // Optional: the policy step needs them, but snapshots taken before it existed must still trace.
      { resource: 'networkpolicies', optional: true },
      { resource: 'namespaces', optional: true },
      { resource: 'daemonsets', optional: true },
      // DNS names: the cluster domain and DNS address (kubelet config, kubeadm's networking.dnsDomain).
      { resource: 'configmaps', namespace: 'kube-system', name: 'kubelet-config', optional: true },
      { resource: 'configmaps', namespace: 'kube-system', name: 'kubeadm-config', optional: true },
    ],
    nodes: { names: 'all', dumps: TRACE_DUMPS },
  };
  // Only for DST ingress/NAME: a snapshot without Ingresses then says so when the name is looked up.
  if (opts.ingress) plan.resources.push({ resource: 'ingresses', optional: true });
  return plan;
}
