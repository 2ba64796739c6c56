/**
 * The service set of upstream's TestOverallIPTablesRules / TestOverallNFTablesRules
 * (pkg/proxy/{iptables,nftables}/proxier_test.go), restated as a KubeProxyInput. The expected
 * outputs of those tests are in the corpus (iptables/k8s-proxier-test-TestOverallIPTablesRules.rules,
 * nftables/k8s-nftables-proxier-test-TestOverallNFTablesRules.nft).
 */
import type { KubeProxyInput, LabEndpoint } from '../lab/kube-proxy/types.js';

const ep = (ip: string, nodeName = 'other-node'): LabEndpoint => ({ ip, nodeName, ready: true });
const p80 = { name: 'p80', protocol: 'TCP' as const, port: 80, targetPort: 80 };

/** Upstream's fake proxier: node "test-node" 192.168.0.2, cluster CIDR 10.0.0.0/8, service CIDR 172.30.0.0/16. */
export const upstreamOverallInput: KubeProxyInput = {
  nodeName: 'test-node',
  nodeIPs: ['192.168.0.2'],
  clusterCIDR: '10.0.0.0/8',
  serviceCIDRs: ['172.30.0.0/16'],
  services: [
    // ClusterIP with one endpoint.
    { namespace: 'ns1', name: 'svc1', type: 'ClusterIP', clusterIP: '172.30.0.41', ports: [p80], endpoints: [ep('10.180.0.1')] },
    // LoadBalancer, externalTrafficPolicy Local, the only endpoint is on another node.
    {
      namespace: 'ns2', name: 'svc2', type: 'LoadBalancer', clusterIP: '172.30.0.42',
      ports: [{ ...p80, nodePort: 3001 }], externalIPs: ['192.168.99.22'], loadBalancerIPs: ['1.2.3.4'],
      externalTrafficPolicy: 'Local', healthCheckNodePort: 30000, endpoints: [ep('10.180.0.2')],
    },
    // NodePort.
    { namespace: 'ns3', name: 'svc3', type: 'NodePort', clusterIP: '172.30.0.43', ports: [{ ...p80, nodePort: 3003 }], endpoints: [ep('10.180.0.3')] },
    // ClusterIP with an external IP and two endpoints.
    {
      namespace: 'ns4', name: 'svc4', type: 'ClusterIP', clusterIP: '172.30.0.44', ports: [p80],
      externalIPs: ['192.168.99.33'], endpoints: [ep('10.180.0.4'), ep('10.180.0.5', 'test-node')],
    },
    // LoadBalancer with source ranges and ClientIP affinity.
    {
      namespace: 'ns5', name: 'svc5', type: 'LoadBalancer', clusterIP: '172.30.0.45',
      ports: [{ ...p80, nodePort: 3002 }], loadBalancerIPs: ['5.6.7.8'], loadBalancerSourceRanges: ['203.0.113.0/25'],
      sessionAffinitySeconds: 10800, endpoints: [ep('10.180.0.3')],
    },
    // No endpoints.
    { namespace: 'ns6', name: 'svc6', type: 'ClusterIP', clusterIP: '172.30.0.46', ports: [p80], endpoints: [] },
  ],
};
