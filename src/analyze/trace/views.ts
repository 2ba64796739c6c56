/** The API object types the trace analysis reads (type-only re-exports). */
export { objectsOf, has, type V1Node, type V1Pod, type V1Service, type V1EndpointSlice } from '../../model/k8s.js';
export type { V1ServicePort } from '@kubernetes/client-node';
