/**
 * Input of the lab's kube-proxy-shaped rule renderers (iptables mode and nftables mode).
 * The lab renders, per node, what kube-proxy would program for these services and endpoints.
 */
type Protocol = 'TCP' | 'UDP' | 'SCTP';

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
  /** EndpointSlice hints.forZones names (topology-aware routing). */
  zoneHints?: string[];
}

export interface LabService {
  namespace: string;
  name: string;
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  clusterIP: string;
  /** spec.externalIPs (routed to the service's external chain). */
  externalIPs?: string[];
  /** status.loadBalancer.ingress IPs; only used when type is LoadBalancer. */
  loadBalancerIPs?: string[];
  /** spec.loadBalancerSourceRanges (KUBE-FW-* / firewall-* chains). */
  loadBalancerSourceRanges?: string[];
  /** spec.healthCheckNodePort (externalTrafficPolicy Local LoadBalancers). */
  healthCheckNodePort?: number;
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
  /**
   * The proxier's IP family (default 4). Dual-stack kube-proxy runs one proxier per family; the IPv6
   * one (loaded with ip6tables-restore) gets only IPv6 addresses here and has no localhost NodePorts.
   */
  family?: 4 | 6;
  /**
   * iptables mode: accept NodePorts on 127.0.0.0/8 (kube-proxy's --iptables-localhost-nodeports, default true;
   * needs route_localnet=1). Adds the KUBE-FIREWALL localnet guard and the localhost KUBE-NODEPORTS rules.
   */
  localhostNodePorts?: boolean;
  /**
   * iptables mode: the nfacct counters exist (kube-proxy >= 1.29 creates them and then uses
   * `-m nfacct --nfacct-name …`). Default true; the loader must `nfacct add` NFACCT_COUNTERS first.
   */
  nfacct?: boolean;
  /** The node's topology.kubernetes.io/zone label: zone hints are used when every ready endpoint has one and some name this zone. */
  nodeZone?: string;
}
