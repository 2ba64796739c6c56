// The live bench's cluster objects. The trace workload is traces.test.ts's: a client pod on node-1 and Service `web`
// with 3 netexec endpoints, one on node-1 and two on node-2. The big one is N selector-less Services x 5 endpoints
// (EndpointSlices to 10.128.0.0/10, which no pod owns), spread over 10 namespaces, as kube-proxy sees a large cluster.
export const TRACE_NS = 'netx-bench-live';
export const BIG_NAMESPACES = 10;

const agnhost = (name, node, args, labels = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: TRACE_NS, labels },
  spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'netx.local/agnhost:lab', imagePullPolicy: 'Never', args }] },
});

export const traceWorkload = () => [
  agnhost('web-0', 'node-1', ['netexec', '--http-port=8080'], { app: 'web' }),
  agnhost('web-1', 'node-2', ['netexec', '--http-port=8080'], { app: 'web' }),
  agnhost('web-2', 'node-2', ['netexec', '--http-port=8080'], { app: 'web' }),
  agnhost('client', 'node-1', ['pause']),
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: TRACE_NS }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
];

export const bigNamespace = (i) => `netx-bench-svc-${i}`;
/** Service i: namespace, name; the middle and last ones are what the bench traces to. */
export const bigService = (i) => ({ namespace: bigNamespace(i % BIG_NAMESPACES), name: `svc-${i}` });

/** 10.128.0.0/10: 5 addresses per service, service i's at 10.128.0.0 + 8i + 1..5. */
const endpointIp = (i, k) => {
  const n = (10 << 24) + (128 << 16) + i * 8 + k + 1;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
};

export function bigObjects(i) {
  const { namespace, name } = bigService(i);
  return {
    service: { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } },
    slice: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-bench`, namespace, labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'netx-bench' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: 5 }, (_, k) => ({ addresses: [endpointIp(i, k)], conditions: { ready: true } })),
    },
  };
}
