/**
 * Deterministic synthetic clusters for benches and scale tests (e.g. 10,000 services x 5 endpoints).
 * Same (n, endpointsPerService, seed) always gives the same input, hence byte-identical renderings.
 */
import type { KubeProxyInput, LabEndpoint, LabService } from './types.js';
import { prng } from './prng.js';

/** Where the synthetic cluster lives: services in 10.96.0.0/12, pods in 10.128.0.0/10. */
const SYNTHETIC_SERVICE_CIDR = '10.96.0.0/12';
const SYNTHETIC_CLUSTER_CIDR = '10.128.0.0/10';
const SYNTHETIC_NODE_COUNT = 10;

const ipv4 = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
const SERVICE_BASE = (10 << 24) | (96 << 16); // 10.96.0.0
const POD_BASE = (10 << 24) | (128 << 16); // 10.128.0.0
const NODEPORT_MIN = 30000;
const NODEPORT_COUNT = 2768; // 30000-32767

/**
 * `n` services with `endpointsPerService` ready endpoints each, rendered for node `node-0`.
 * Feature mix by index, so counts are predictable: every 10th service is a NodePort (while the
 * NodePort range lasts), every 7th has ClientIP affinity, every 13th is UDP, every 17th has a second
 * named port; endpoints are spread over SYNTHETIC_NODE_COUNT nodes by the seeded PRNG.
 */
export function syntheticServices(n: number, endpointsPerService: number, seed = 1): KubeProxyInput {
  const random = prng(seed);
  const services: LabService[] = [];
  let podIndex = 1;
  let nodePorts = 0;
  for (let i = 0; i < n; i++) {
    const nodePort = i % 10 === 0 && nodePorts < NODEPORT_COUNT ? NODEPORT_MIN + nodePorts++ : undefined;
    const protocol = i % 13 === 0 ? 'UDP' : 'TCP';
    const endpoints: LabEndpoint[] = [];
    for (let j = 0; j < endpointsPerService; j++) {
      const node = Math.floor(random() * SYNTHETIC_NODE_COUNT);
      endpoints.push({ ip: ipv4(POD_BASE + podIndex++), nodeName: `node-${node}`, ready: true, pod: `svc-${i}-${j}` });
    }
    const svc: LabService = {
      namespace: `ns-${i % 50}`,
      name: `svc-${i}`,
      type: nodePort ? 'NodePort' : 'ClusterIP',
      clusterIP: ipv4(SERVICE_BASE + 1 + i),
      ports: [{ name: 'p80', protocol, port: 80, targetPort: 8080, ...(nodePort ? { nodePort } : {}) }],
      endpoints,
    };
    if (i % 17 === 0) svc.ports.push({ name: 'metrics', protocol: 'TCP', port: 9100, targetPort: 9100 });
    if (i % 7 === 0) svc.sessionAffinitySeconds = 10800;
    services.push(svc);
  }
  return {
    nodeName: 'node-0',
    nodeIPs: ['192.168.0.10'],
    clusterCIDR: SYNTHETIC_CLUSTER_CIDR,
    serviceCIDRs: [SYNTHETIC_SERVICE_CIDR],
    services,
  };
}
