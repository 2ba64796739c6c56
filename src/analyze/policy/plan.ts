/** What `policy` needs: pods, services, EndpointSlices, nodes, NetworkPolicies, namespaces, DaemonSets, and netfilter dumps. */
import type { CollectPlan } from '../../snapshot/plan.js';

/**
 * Namespaces and DaemonSets are optional: without them namespace labels are partly unknown (verdicts
 * say `uncertain` where they matter) and enforcement is judged from node dumps only. Node dumps are
 * the netfilter ones: they show which policy engine's chains exist.
 */
export function policyPlan(): CollectPlan {
  return {
    resources: [
      { resource: 'nodes' },
      { resource: 'pods' },
      { resource: 'services' },
      { resource: 'endpointslices' },
      { resource: 'networkpolicies' },
      { resource: 'namespaces', optional: true },
      { resource: 'daemonsets', optional: true },
    ],
    nodes: { names: 'all', dumps: ['iptables', 'iptables-nft', 'iptables-legacy', 'ip6tables', 'nft'] },
  };
}
