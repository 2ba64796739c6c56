/**
 * Input of the lab's kube-proxy-shaped rule renderers (iptables mode and nftables mode).
 * The lab renders, per node, what kube-proxy would program for these services and endpoints.
 */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface LabServicePort {
  /** Port name; '' or undefined for an unnamed port (portName becomes `ns/svc`). */
  name?: string;
  protocol: Protocol;
  port: number;
  targetPort: number;
  nodePort?: number;
}

export interface LabEndpoint {
  ip: string;
  /** Port per service port name ('' for unnamed); defaults to the port's targetPort. */
  ports?: Record<string, number>;
  nodeName: string;
  ready: boolean;
  serving?: boolean;
  terminating?: boolean;
  /** Pod that owns the endpoint (for EndpointSlice targetRef). */
  pod?: string;
}

export interface LabService {
  namespace: string;
  name: string;
  type: 'ClusterIP' | 'NodePort';
  clusterIP: string;
  ports: LabServicePort[];
  /** ClientIP affinity timeout in seconds when set. */
  sessionAffinitySeconds?: number;
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  endpoints: LabEndpoint[];
}

export interface KubeProxyInput {
  nodeName: string;
  /** The node's primary IP(s) (NodePort addresses). */
  nodeIPs: string[];
  /** Cluster pod CIDR used for local-traffic detection (`! -s clusterCIDR` → masquerade). */
  clusterCIDR: string;
  /** Service CIDR(s): nftables mode drops unallocated service IPs (`cluster-ips-check`). */
  serviceCIDRs: string[];
  services: LabService[];
  masqueradeAll?: boolean;
}
