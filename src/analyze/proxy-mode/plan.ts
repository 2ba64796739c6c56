/** What `proxy-mode` needs from a cluster: kube-system objects, nodes, the version, node dumps. */
import type { CollectPlan } from '../../snapshot/plan.js';
import { PROXY_MODE_DUMPS } from './node-signals.js';

/**
 * kube-system is listed whole for configmaps, daemonsets and pods: kube-proxy, its mirror pods,
 * cilium-config and anetd all live there, and "any ConfigMap holding a KubeProxyConfiguration" is
 * part of the question. One namespace keeps it small.
 */
export function proxyModePlan(): CollectPlan {
  return {
    resources: [
      { resource: 'configmaps', namespace: 'kube-system' },
      { resource: 'daemonsets', namespace: 'kube-system' },
      { resource: 'pods', namespace: 'kube-system' },
      { resource: 'nodes' },
    ],
    serverVersion: true,
    nodes: { names: 'all', dumps: [...PROXY_MODE_DUMPS] },
  };
}
