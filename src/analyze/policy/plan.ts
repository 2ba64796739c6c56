/** What `policy` needs: pods, services, EndpointSlices, nodes, NetworkPolicies, namespaces, DaemonSets, and the walker's dumps. */
import type { CollectPlan } from '../../snapshot/plan.js';
import { TRACE_DUMPS } from '../trace/plan.js';

/**
 * Namespaces and DaemonSets are optional: without them namespace labels are partly unknown (verdicts
 * say `uncertain` where they matter) and enforcement is judged from node dumps only. Node dumps are
 * the ones `trace` walks: their netfilter dumps show which policy engine's chains exist, and a denied
 * flow an engine should stop is walked through them to see whether the dataplane agrees.
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
    nodes: { names: 'all', dumps: TRACE_DUMPS },
  };
}
