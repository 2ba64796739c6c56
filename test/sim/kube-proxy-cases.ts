/**
 * The shared simulator suite: kube-proxy-shaped services rendered for a node, the same packet cases
 * for the iptables-mode and the nftables-mode rules (kube-proxy's own test style:
 * {name, source, destination, port, expected disposition, endpoints + odds, masquerade?}).
 */
import type { KubeProxyInput } from '../lab/kube-proxy/types.js';

export const SERVICES = (node: string, nodeIP: string): KubeProxyInput => ({
  nodeName: node,
  nodeIPs: [nodeIP],
  clusterCIDR: '10.244.0.0/16',
  serviceCIDRs: ['10.96.0.0/16'],
  services: [
    {
      namespace: 'default',
      name: 'web',
      type: 'ClusterIP',
      clusterIP: '10.96.0.10',
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      endpoints: [
        { ip: '10.244.0.6', nodeName: 'node-a', ready: true, pod: 'web-a' },
        { ip: '10.244.1.5', nodeName: 'node-b', ready: true, pod: 'web-b' },
      ],
    },
    {
      namespace: 'default',
      name: 'empty',
      type: 'ClusterIP',
      clusterIP: '10.96.0.20',
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      endpoints: [],
    },
    {
      namespace: 'default',
      name: 'three',
      type: 'ClusterIP',
      clusterIP: '10.96.0.30',
      ports: [{ protocol: 'UDP', port: 53, targetPort: 5353 }],
      endpoints: [
        { ip: '10.244.0.6', nodeName: 'node-a', ready: true },
        { ip: '10.244.1.5', nodeName: 'node-b', ready: true },
        { ip: '10.244.0.5', nodeName: 'node-a', ready: true },
      ],
    },
    {
      namespace: 'default',
      name: 'sticky',
      type: 'ClusterIP',
      clusterIP: '10.96.0.40',
      sessionAffinitySeconds: 10800,
      ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }],
      endpoints: [
        { ip: '10.244.0.6', nodeName: 'node-a', ready: true },
        { ip: '10.244.1.5', nodeName: 'node-b', ready: true },
      ],
    },
  ],
});

export interface Case {
  name: string;
  /** Pod name (starts on its node's bridge port) or `node:<name>` (sent by the node). */
  source: string;
  destination: string;
  port: number;
  proto?: 'tcp' | 'udp';
  /** Source port (names one flow: conntrack entries apply). */
  sport?: number;
  disposition: string;
  /** `ip:port` → probability. */
  endpoints?: Record<string, number>;
  /** Source address the endpoint sees (masquerade shows here). */
  seenFrom?: string;
}

export const CASES: Case[] = [
  {
    name: 'pod to ClusterIP, two endpoints on two nodes',
    source: 'default/client',
    destination: '10.96.0.10',
    port: 80,
    disposition: 'delivered',
    endpoints: { '10.244.0.6:8080': 0.5, '10.244.1.5:8080': 0.5 },
    seenFrom: '10.244.0.5',
  },
  { name: 'service without endpoints is rejected', source: 'default/client', destination: '10.96.0.20', port: 80, disposition: 'rejected' },
  {
    name: 'UDP service with three endpoints: 1/3 each',
    source: 'default/client',
    destination: '10.96.0.30',
    port: 53,
    proto: 'udp',
    disposition: 'delivered',
    endpoints: { '10.244.0.6:5353': 1 / 3, '10.244.1.5:5353': 1 / 3, '10.244.0.5:5353': 1 / 3 },
  },
  {
    name: 'session affinity: a first connection spreads like any other',
    source: 'default/client',
    destination: '10.96.0.40',
    port: 80,
    disposition: 'delivered',
    endpoints: { '10.244.0.6:8080': 0.5, '10.244.1.5:8080': 0.5 },
  },
  { name: 'pod to pod on another node (VXLAN)', source: 'default/client', destination: '10.244.1.5', port: 8080, disposition: 'delivered', endpoints: { '10.244.1.5:8080': 1 }, seenFrom: '10.244.0.5' },
  { name: 'pod to pod on the same bridge', source: 'default/client', destination: '10.244.0.6', port: 8080, disposition: 'delivered', endpoints: { '10.244.0.6:8080': 1 }, seenFrom: '10.244.0.5' },
  {
    name: 'node to ClusterIP is masqueraded (source outside the cluster CIDR)',
    source: 'node:node-a',
    destination: '10.96.0.10',
    port: 80,
    disposition: 'delivered',
    endpoints: { '10.244.0.6:8080': 0.5, '10.244.1.5:8080': 0.5 },
  },
];
