/** A node's kube-proxy input with one ClusterIP service (ns/s, 10.96.0.10, TCP 80 → 8080), for renderer and plan tests. */
import type { KubeProxyInput, LabService } from '../lab/kube-proxy/types.js';

export const oneService = (service: Partial<LabService> & Pick<LabService, 'endpoints'>): KubeProxyInput => ({
  nodeName: 'n1',
  nodeIPs: ['192.168.0.1'],
  clusterCIDR: '10.244.0.0/16',
  serviceCIDRs: ['10.96.0.0/12'],
  services: [{
    namespace: 'ns', name: 's', type: 'ClusterIP', clusterIP: '10.96.0.10',
    ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }], ...service,
  }],
});
