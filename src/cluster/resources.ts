/**
 * The API resources netx reads, where they live, and the verbs it needs on them. One table: the client
 * builds URLs from it and cluster/rbac.ts builds the ClusterRole (and the 403 advice) from it.
 */

/**
 * Where netx uses a verb: in one named namespace, or in the probe namespace (--probe-namespace,
 * known only when the RBAC is printed or a request is refused).
 */
export const PROBE_NAMESPACE = '<probe namespace>';

export interface ResourceInfo {
  /** Plural resource name, as in URLs and RBAC rules. */
  resource: string;
  kind: string;
  /** '' = core API. */
  group: string;
  /** Versions to try in order: a 404 on one falls through to the next (ServiceCIDR v1 → v1beta1). */
  versions: string[];
  namespaced: boolean;
  /** Verbs netx uses in every namespace (the ClusterRole rule): reads only. */
  verbs: string[];
  /** Verbs netx uses only in one namespace (a Role there): kube-system, or PROBE_NAMESPACE. */
  verbsIn?: Record<string, string[]>;
  /**
   * Objects read by name in whatever namespace they are (a ClusterRole rule with resourceNames):
   * flannel's kube-flannel-cfg lives in kube-flannel or kube-system, as its manifest put it.
   */
  named?: { names: string[]; verbs: string[] };
  /** Verbs needed only with --service-cidr-dry-run (namespace → verbs). */
  dryRunVerbsIn?: Record<string, string[]>;
  /** Why netx reads it (comment in the RBAC YAML). */
  why: string;
  /** Subresources that need their own rule (pods/exec), always namespaced to where they are used. */
  subresources?: { name: string; verbsIn: Record<string, string[]>; why: string }[];
}

export const RESOURCES: ResourceInfo[] = [
  { resource: 'nodes', kind: 'Node', group: '', versions: ['v1'], namespaced: false, verbs: ['get', 'list'], why: 'node addresses, podCIDRs' },
  {
    resource: 'pods',
    kind: 'Pod',
    group: '',
    versions: ['v1'],
    namespaced: true,
    verbs: ['get', 'list'],
    verbsIn: { [PROBE_NAMESPACE]: ['create', 'delete'] },
    why: 'pod IPs and nodes; create/delete: the node probe pods, in the probe namespace only',
    subresources: [{ name: 'exec', verbsIn: { [PROBE_NAMESPACE]: ['create', 'get'] }, why: 'run the read-only probe commands in the probe pods' }],
  },
  {
    resource: 'services',
    kind: 'Service',
    group: '',
    versions: ['v1'],
    namespaced: true,
    verbs: ['get', 'list'],
    dryRunVerbsIn: { default: ['create'] },
    why: 'service IPs; create (only with --service-cidr-dry-run): the dry-run service CIDR probe',
  },
  { resource: 'namespaces', kind: 'Namespace', group: '', versions: ['v1'], namespaced: false, verbs: ['get', 'list'], why: 'namespace labels for network policies; the probe namespace\'s Pod Security level' },
  {
    resource: 'configmaps',
    kind: 'ConfigMap',
    group: '',
    versions: ['v1'],
    namespaced: true,
    verbs: [],
    verbsIn: { 'kube-system': ['get', 'list'] },
    named: { names: ['kube-flannel-cfg'], verbs: ['get'] },
    why: "kube-proxy and kubeadm config; flannel's net-conf (its network)",
  },
  { resource: 'endpointslices', kind: 'EndpointSlice', group: 'discovery.k8s.io', versions: ['v1'], namespaced: true, verbs: ['get', 'list'], why: 'service endpoints' },
  { resource: 'networkpolicies', kind: 'NetworkPolicy', group: 'networking.k8s.io', versions: ['v1'], namespaced: true, verbs: ['get', 'list'], why: 'policy verdicts' },
  { resource: 'ingresses', kind: 'Ingress', group: 'networking.k8s.io', versions: ['v1'], namespaced: true, verbs: ['get', 'list'], why: 'trace ingress/NAME: which rule routes a host and path' },
  { resource: 'servicecidrs', kind: 'ServiceCIDR', group: 'networking.k8s.io', versions: ['v1', 'v1beta1'], namespaced: false, verbs: ['get', 'list'], why: 'service CIDRs, Kubernetes 1.31+' },
  { resource: 'daemonsets', kind: 'DaemonSet', group: 'apps', versions: ['v1'], namespaced: true, verbs: ['get', 'list'], why: 'CNI, policy engine and kube-proxy detection (their DaemonSets live in namespaces of their own: kube-flannel, calico-system …)' },
  { resource: 'ippools', kind: 'IPPool', group: 'crd.projectcalico.org', versions: ['v1'], namespaced: false, verbs: ['get', 'list'], why: 'Calico IPAM pools, when Calico is installed' },
  { resource: 'ciliumnodes', kind: 'CiliumNode', group: 'cilium.io', versions: ['v2'], namespaced: false, verbs: ['get', 'list'], why: 'Cilium per-node pod CIDRs, when Cilium is installed' },
  {
    resource: 'jobs',
    kind: 'Job',
    group: 'batch',
    versions: ['v1'],
    namespaced: true,
    verbs: [],
    verbsIn: { [PROBE_NAMESPACE]: ['create', 'delete', 'get', 'list'] },
    why: "the run's anchor Job, which owns its probe pods so the cluster deletes them if netx is killed",
  },
  {
    resource: 'events',
    kind: 'Event',
    group: '',
    versions: ['v1'],
    namespaced: true,
    verbs: [],
    verbsIn: { [PROBE_NAMESPACE]: ['get', 'list'] },
    why: "why a probe pod does not start (the kubelet's FailedMount: a node without /etc/cni/net.d)",
  },
];

/** The entry for a plural resource name; undefined for resources netx does not know. */
export function resourceInfo(resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.resource === resource);
}

/** URL path of a collection or an object: /api/v1/namespaces/ns/pods[/name] or /apis/group/version/... */
export function resourcePath(info: ResourceInfo, version: string, namespace?: string, name?: string): string {
  const base = info.group === '' ? `/api/${version}` : `/apis/${info.group}/${version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const obj = name ? `/${encodeURIComponent(name)}` : '';
  return `${base}${ns}/${info.resource}${obj}`;
}

/** "apps/v1" or "v1". */
export const apiVersionOf = (info: ResourceInfo, version: string): string => (info.group === '' ? version : `${info.group}/${version}`);
