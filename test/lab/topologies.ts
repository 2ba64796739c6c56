/**
 * The lab's standard cluster (two nodes: bundled snapshots must stay under 300 KB, and each node's
 * dumps take ~120 KB):  a client pod, a three-endpoint web service spread across
 * nodes (TCP + UDP), a NodePort, a service without endpoints, a ClientIP-affinity service and the
 * API server's `default/kubernetes` service. Bundled snapshots and lab tests build it in each
 * topology × proxy mode.
 */
import type { LabSpec, ProxyMode, Topology } from './spec.js';

const WEB_PORTS = [
  { name: 'http', protocol: 'TCP' as const, port: 8080 },
  { name: 'dns', protocol: 'UDP' as const, port: 5353 },
];

export const IPS = {
  kubernetes: '10.96.0.1',
  web: '10.96.0.10',
  webNodePort: '10.96.0.11',
  ghost: '10.96.0.12',
  sticky: '10.96.0.13',
  echo: '10.96.0.14',
} as const;

export const NODE_PORT = 30080;

export function standardSpec(topology: Topology, proxyMode: ProxyMode): LabSpec {
  return {
    name: `${topology}-${proxyMode}`,
    topology,
    proxyMode,
    nodes: [
      {
        name: 'node-a',
        pods: [
          { name: 'client', labels: { app: 'client' } },
          { name: 'web-0', labels: { app: 'web' }, ports: WEB_PORTS },
        ],
      },
      {
        name: 'node-b',
        pods: [
          { name: 'web-1', labels: { app: 'web' }, ports: WEB_PORTS },
          { name: 'web-2', labels: { app: 'web' }, ports: WEB_PORTS },
          { name: 'echo-0', labels: { app: 'echo' }, ports: [{ name: 'tcp', protocol: 'TCP', port: 9090 }] },
        ],
      },
    ],
    services: [
      {
        name: 'kubernetes',
        type: 'ClusterIP',
        clusterIP: IPS.kubernetes,
        selector: {},
        ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }],
        staticEndpoints: [{ ip: '172.31.250.10', nodeName: 'node-a' }],
      },
      {
        name: 'web',
        type: 'ClusterIP',
        clusterIP: IPS.web,
        selector: { app: 'web' },
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
          { name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 },
        ],
      },
      {
        name: 'web-np',
        type: 'NodePort',
        clusterIP: IPS.webNodePort,
        selector: { app: 'web' },
        ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: NODE_PORT }],
      },
      {
        name: 'ghost',
        type: 'ClusterIP',
        clusterIP: IPS.ghost,
        selector: { app: 'ghost' },
        ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      },
      {
        name: 'sticky',
        type: 'ClusterIP',
        clusterIP: IPS.sticky,
        selector: { app: 'web' },
        ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
        sessionAffinitySeconds: 10800,
      },
      {
        name: 'echo',
        type: 'ClusterIP',
        clusterIP: IPS.echo,
        selector: { app: 'echo' },
        ports: [{ protocol: 'TCP', port: 9090, targetPort: 9090 }],
      },
    ],
  };
}
