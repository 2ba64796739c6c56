/**
 * A small, representative service set for kernel checks of the renderers: ClusterIP with three
 * endpoints (one not ready), NodePort, ClientIP affinity, no endpoints, multi-port, UDP. All
 * endpoints sit on the rendering node so a single namespace can answer for them.
 */
import type { KubeProxyInput, LabEndpoint } from './types.js';

const ep = (ip: string, pod: string, extra: Partial<LabEndpoint> = {}): LabEndpoint => ({
  ip, pod, nodeName: 'node-a', ready: true, ...extra,
});

export const SAMPLE_NODE_IP = '192.168.77.2';

/** Every endpoint answers on its targetPort; names are `pod` values so probes can tell them apart. */
export const sampleInput: KubeProxyInput = {
  nodeName: 'node-a',
  nodeIPs: [SAMPLE_NODE_IP],
  clusterCIDR: '10.244.0.0/16',
  serviceCIDRs: ['10.96.0.0/12'],
  services: [
    {
      namespace: 'demo', name: 'web', type: 'ClusterIP', clusterIP: '10.96.0.10',
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      endpoints: [ep('10.244.0.11', 'web-1'), ep('10.244.0.12', 'web-2'), ep('10.244.0.13', 'web-3', { ready: false })],
    },
    {
      namespace: 'demo', name: 'np', type: 'NodePort', clusterIP: '10.96.0.11',
      ports: [{ protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }],
      endpoints: [ep('10.244.0.21', 'np-1')],
    },
    {
      namespace: 'demo', name: 'sticky', type: 'ClusterIP', clusterIP: '10.96.0.12', sessionAffinitySeconds: 600,
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      endpoints: [ep('10.244.0.31', 'sticky-1'), ep('10.244.0.32', 'sticky-2'), ep('10.244.0.33', 'sticky-3')],
    },
    {
      namespace: 'demo', name: 'empty', type: 'ClusterIP', clusterIP: '10.96.0.13',
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      endpoints: [],
    },
    {
      namespace: 'demo', name: 'multi', type: 'ClusterIP', clusterIP: '10.96.0.14',
      ports: [
        { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: 'admin', protocol: 'TCP', port: 9000, targetPort: 9090 },
      ],
      endpoints: [ep('10.244.0.41', 'multi-1')],
    },
    {
      namespace: 'demo', name: 'dns', type: 'ClusterIP', clusterIP: '10.96.0.15',
      ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 }],
      endpoints: [ep('10.244.0.51', 'dns-1')],
    },
  ],
};
