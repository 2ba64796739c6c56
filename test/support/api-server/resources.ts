/** What the test API server serves: its own resource table (deliberately not the client's). */

export interface ServedResource {
  resource: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  /** Field selectors this resource supports besides metadata.name/namespace. */
  fields: string[];
  verbs: string[];
}

const base = ['metadata.name', 'metadata.namespace'];

export const BUILTIN: ServedResource[] = [
  { resource: 'nodes', kind: 'Node', group: '', version: 'v1', namespaced: false, fields: [...base], verbs: ['get', 'list'] },
  { resource: 'pods', kind: 'Pod', group: '', version: 'v1', namespaced: true, fields: [...base, 'spec.nodeName', 'status.phase'], verbs: ['get', 'list', 'create', 'delete'] },
  { resource: 'services', kind: 'Service', group: '', version: 'v1', namespaced: true, fields: [...base], verbs: ['get', 'list', 'create'] },
  { resource: 'namespaces', kind: 'Namespace', group: '', version: 'v1', namespaced: false, fields: [...base, 'status.phase'], verbs: ['get', 'list'] },
  { resource: 'configmaps', kind: 'ConfigMap', group: '', version: 'v1', namespaced: true, fields: [...base], verbs: ['get', 'list'] },
  { resource: 'endpointslices', kind: 'EndpointSlice', group: 'discovery.k8s.io', version: 'v1', namespaced: true, fields: [...base], verbs: ['get', 'list'] },
  { resource: 'networkpolicies', kind: 'NetworkPolicy', group: 'networking.k8s.io', version: 'v1', namespaced: true, fields: [...base], verbs: ['get', 'list'] },
  { resource: 'daemonsets', kind: 'DaemonSet', group: 'apps', version: 'v1', namespaced: true, fields: [...base], verbs: ['get', 'list'] },
  { resource: 'jobs', kind: 'Job', group: 'batch', version: 'v1', namespaced: true, fields: [...base], verbs: ['get', 'list', 'create', 'delete'] },
  { resource: 'events', kind: 'Event', group: '', version: 'v1', namespaced: true, fields: [...base, 'involvedObject.name', 'involvedObject.kind', 'involvedObject.uid', 'reason'], verbs: ['get', 'list'] },
];

/** Served only when configured (ServiceCIDR by cluster version) or when the snapshot holds them (CRDs). */
export const OPTIONAL: ServedResource[] = [
  { resource: 'servicecidrs', kind: 'ServiceCIDR', group: 'networking.k8s.io', version: 'v1', namespaced: false, fields: [...base], verbs: ['get', 'list'] },
  { resource: 'ippools', kind: 'IPPool', group: 'crd.projectcalico.org', version: 'v1', namespaced: false, fields: [...base], verbs: ['get', 'list'] },
  { resource: 'ciliumnodes', kind: 'CiliumNode', group: 'cilium.io', version: 'v2', namespaced: false, fields: [...base], verbs: ['get', 'list'] },
];

export const groupVersion = (r: Pick<ServedResource, 'group' | 'version'>): string => (r.group === '' ? r.version : `${r.group}/${r.version}`);
