/**
 * Typed views over the raw API objects of a Snapshot. The Snapshot keeps objects exactly as the API
 * returned them; the core reads them through client-node's model types (type-only imports: no I/O).
 * Caveat: date fields (creationTimestamp, ...) are ISO strings in raw JSON although the types say Date.
 */
import type {
  V1ConfigMap,
  V1DaemonSet,
  V1EndpointSlice,
  V1Namespace,
  V1NetworkPolicy,
  V1Node,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import type { RawObject, ResourceName, Snapshot } from '../snapshot/types.js';

export type { V1ConfigMap, V1DaemonSet, V1NetworkPolicy, V1Node, V1Pod, V1Service };

/** A ServiceCIDR (networking.k8s.io/v1, or v1beta1 on 1.31–1.32). */
interface ServiceCIDRView extends RawObject {
  spec?: { cidrs?: string[] };
  status?: { conditions?: { type?: string; status?: string; reason?: string; message?: string }[] };
}

interface ViewOf {
  nodes: V1Node;
  pods: V1Pod;
  services: V1Service;
  endpointslices: V1EndpointSlice;
  networkpolicies: V1NetworkPolicy;
  configmaps: V1ConfigMap;
  daemonsets: V1DaemonSet;
  namespaces: V1Namespace;
  servicecidrs: ServiceCIDRView;
}

/** The objects of one resource, typed; `[]` when the snapshot did not collect it (check `has`). */
export function objectsOf<R extends keyof ViewOf>(snapshot: Snapshot, resource: R): ViewOf[R][];
export function objectsOf(snapshot: Snapshot, resource: ResourceName): RawObject[];
export function objectsOf(snapshot: Snapshot, resource: ResourceName): unknown[] {
  return snapshot.cluster.objects[resource] ?? [];
}

/** Whether a resource was collected at all: "no objects" and "not collected" are different answers. */
export function has(snapshot: Snapshot, resource: ResourceName): boolean {
  return snapshot.cluster.objects[resource] !== undefined;
}

export const nsName = (o: { metadata?: { namespace?: string; name?: string } }): string =>
  o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name ?? ''}` : (o.metadata?.name ?? '');
