/**
 * What `cidr` needs from a live cluster, and nothing more. Pods come as a server-side Table
 * (name, namespace, nodeName, podIP, phase) — a fraction of full Pod objects on big clusters; only
 * the few control-plane mirror pods are fetched whole, for their command-line flags.
 */
import type { CollectPlan } from '../../snapshot/plan.js';

export function cidrPlan(): CollectPlan {
  return {
    serverVersion: true,
    serviceCidrProbe: true,
    resources: [
      // Whole nodes (addresses, podCIDRs, allocatable are in no lighter view) but without the
      // image list and managedFields: most of a node's bytes, never read here.
      { resource: 'nodes', view: 'full', drop: ['metadata.managedFields', 'status.images'] },
      // The full mirror pods come before the Table listing: collect merges requests for one resource
      // keeping the first copy of each pod, and the flags are only in the full one.
      { resource: 'pods', namespace: 'kube-system', labelSelector: 'component=kube-apiserver', view: 'full', optional: true },
      { resource: 'pods', namespace: 'kube-system', labelSelector: 'component=kube-controller-manager', view: 'full', optional: true },
      // Cells only (name, phase, IP, node): the rows' metadata would be ~85% of the bytes.
      { resource: 'pods', view: 'table', includeObject: 'None' },
      { resource: 'services', view: 'full' },
      { resource: 'servicecidrs', view: 'full', optional: true },
      { resource: 'configmaps', namespace: 'kube-system', name: 'kubeadm-config', optional: true },
      { resource: 'configmaps', namespace: 'kube-system', name: 'kube-proxy', optional: true },
      { resource: 'configmaps', namespace: 'kube-system', name: 'cilium-config', optional: true },
      // Only the names matter (CNI detection): metadata is enough.
      { resource: 'daemonsets', view: 'metadata', optional: true },
      { resource: 'ippools', view: 'full', optional: true },
      { resource: 'ciliumnodes', view: 'full', optional: true },
    ],
  };
}
