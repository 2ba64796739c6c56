/**
 * Scenario `fabric` (topology `fabric`, kube-proxy iptables mode): the EKS-shaped cluster of fabric.ts. Packets
 * between nodes cross the router, which is no node; packets to an address outside the VPC leave the cluster SNATed to
 * the node's primary address, by the primary interface even from a pod of the secondary one (connmark → fwmark rule).
 */
import type { ProbeCase } from './oracle.js';
import type { Scenario } from './scenarios.js';
import { IPS } from './topologies.js';
import { FABRIC_OFF_NETWORK, FABRIC_VPC_CIDR, planAddresses, podByName, type LabSpec } from './spec.js';

const WEB_PORTS = [
  { name: 'http', protocol: 'TCP' as const, port: 8080 },
  { name: 'dns', protocol: 'UDP' as const, port: 5353 },
];

/** The standard cluster's web service and API server, on fabric nodes: client on eth0, client-2 on eth1 of node-a. */
function fabricSpec(base: LabSpec): LabSpec {
  const spec: LabSpec = {
    ...base,
    clusterCIDR: FABRIC_VPC_CIDR,
    nodes: [
      {
        name: 'node-a',
        pods: [
          { name: 'client', labels: { app: 'client' } },
          { name: 'client-2', labels: { app: 'client' }, secondary: true, ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] },
          { name: 'web-0', labels: { app: 'web' }, ports: WEB_PORTS },
        ],
      },
      {
        name: 'node-b',
        pods: [
          { name: 'web-1', labels: { app: 'web' }, ports: WEB_PORTS },
          { name: 'web-2', labels: { app: 'web' }, ports: WEB_PORTS },
        ],
      },
    ],
    services: base.services.filter((s) => s.name === 'kubernetes' || s.name === 'web'),
  };
  // The API server answers on node-a's primary address.
  const apiserver = planAddresses(spec).nodes[0]!.ip;
  return { ...spec, services: spec.services.map((s) => (s.staticEndpoints ? { ...s, staticEndpoints: [{ ip: apiserver, nodeName: 'node-a' }] } : s)) };
}

const tcp = (ip: string, port: number) => ({ ip, port, protocol: 'TCP' as const });

export const fabric: Scenario = {
  name: 'fabric',
  description:
    'EKS-shaped fabric: nodes on their own subnets behind a router that is no node, pods on /32 routes without a bridge, a secondary interface with its own table (ip rule from), fwmark/connmark and SNAT for off-VPC destinations',
  topologies: ['fabric'],
  spec: fabricSpec,
  cases: (lab): ProbeCase[] => {
    const ip = (pod: string): string => podByName(lab.plan, pod).ip;
    return [
      { id: 'client-to-web-1-pod', from: 'client', to: tcp(ip('web-1'), 8080), count: 2 },
      { id: 'client-to-web-0-pod-local', from: 'client', to: tcp(ip('web-0'), 8080), count: 2 },
      { id: 'client-2-to-web-1-pod', from: 'client-2', to: tcp(ip('web-1'), 8080), count: 2 },
      { id: 'web-1-to-client-2-pod', from: 'web-1', to: tcp(ip('client-2'), 8080), count: 2 },
      { id: 'client-to-web-svc-tcp', from: 'client', to: tcp(IPS.web, 80), count: 30 },
      { id: 'client-2-to-web-svc-tcp', from: 'client-2', to: tcp(IPS.web, 80), count: 30 },
      { id: 'client-to-web-svc-udp', from: 'client', to: { ip: IPS.web, port: 53, protocol: 'UDP' }, count: 30 },
      { id: 'client-to-off-network', from: 'client', to: tcp(FABRIC_OFF_NETWORK, 8080), count: 2 },
      { id: 'client-2-to-off-network', from: 'client-2', to: tcp(FABRIC_OFF_NETWORK, 8080), count: 2 },
    ];
  },
};
