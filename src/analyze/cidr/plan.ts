/**
 * What `cidr` needs from a live cluster, and nothing more. Pods come as a server-side Table
 * (name, namespace, nodeName, podIP, phase) — a fraction of full Pod objects on big clusters; only
 * the few control-plane mirror pods are fetched whole, for their command-line flags.
 */
import type { CollectPlan } from '../../snapshot/plan.js';

export interface CidrPlanOptions {
  /** Probe every node too (`cidr --probe`): its CNI configuration files and interface names. */
  probe?: boolean;
}

/** Dumps `cidr --probe` reads: the links (flannel.1, cali*, cilium_host …); the CNI files come with every probe. */
const CIDR_PROBE_DUMPS = ['link'];

export function cidrPlan(opts: CidrPlanOptions = {}): CollectPlan {
  return {
    ...(opts.probe ? { nodes: { names: 'all' as const, dumps: [...CIDR_PROBE_DUMPS] } } : {}),
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
      // flannel's net-conf: its manifest puts it in kube-flannel (older ones in kube-system).
      { resource: 'configmaps', namespace: 'kube-flannel', name: 'kube-flannel-cfg', optional: true },
      { resource: 'configmaps', namespace: 'kube-system', name: 'kube-flannel-cfg', optional: true },
      // Only the names matter (CNI detection): metadata is enough.
      { resource: 'daemonsets', view: 'metadata', optional: true },
      { resource: 'ippools', view: 'full', optional: true },
      { resource: 'ciliumnodes', view: 'full', optional: true },
    ],
  };
}
