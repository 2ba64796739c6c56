/**
 * The lab's declarative spec: what cluster to build inside this machine, and the address plan that
 * derives every address from it. Pure: the builder (build.ts) turns a spec into namespaces.
 */
import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';

/** How pods reach pods on other nodes. */
export type Topology =
  /** flannel host-gw: `podCIDR via <nodeIP>` on the underlay; pods on a cni0 bridge. */
  | 'host-gw'
  /** flannel VXLAN: `flannel.1` (VNI 1, port 8472, nolearning), onlink routes, static neigh + FDB. */
  | 'vxlan'
  /** Calico-like without tunnel: per-pod veths with /32 routes and proxy ARP, BGP-style node routes. */
  | 'routed'
  /**
   * AWS VPC CNI-shaped cloud fabric: each node on its own subnet behind a router namespace that is no node (the VPC
   * router), pods with addresses of the node's subnets on /32 routes without a bridge (`eni…` veths), a secondary
   * interface with its own routing table, `ip rule` to/from/fwmark, the AWS CONNMARK and SNAT rules.
   */
  | 'fabric';

/** `ipvs`: the kernel here has no IPVS, so its virtual servers are rendered, not loaded (ipvs-load.ts). */
export type ProxyMode = 'iptables' | 'nftables' | 'ipvs';
export type LabProtocol = 'TCP' | 'UDP';

export interface PodPortSpec {
  name?: string;
  protocol: LabProtocol;
  /** The port the pod's server listens on (its containerPort). */
  port: number;
}

export interface PodSpec {
  name: string;
  /** Default 'default'. */
  namespace?: string;
  labels?: Record<string, string>;
  /** Ports served by a small server answering with the pod's name. */
  ports?: PodPortSpec[];
  /** Readiness as the API would report it (not-ready pods are published as not-ready endpoints). */
  ready?: boolean;
  /** `fabric`: the pod's address is on the node's secondary interface, whose own table its traffic uses (`ip rule from`). */
  secondary?: boolean;
}

interface NodeSpec {
  name: string;
  pods: PodSpec[];
  /** The node's `topology.kubernetes.io/zone` label (kube-proxy reads it for topology-aware hints). */
  zone?: string;
}

interface ServicePortSpec {
  name?: string;
  protocol: LabProtocol;
  port: number;
  targetPort: number;
  nodePort?: number;
}

export interface ServiceSpec {
  name: string;
  namespace?: string;
  /** Metadata labels (e.g. kube-dns's `k8s-app: kube-dns`). */
  labels?: Record<string, string>;
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  clusterIP: string;
  /** LoadBalancer: the addresses in status.loadBalancer.ingress (the lab's underlay routes each to a node). */
  loadBalancerIPs?: string[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  /** spec.healthCheckNodePort (externalTrafficPolicy Local on NodePort/LoadBalancer). */
  healthCheckNodePort?: number;
  /** Pods whose labels include all of these are the endpoints. */
  selector: Record<string, string>;
  ports: ServicePortSpec[];
  sessionAffinitySeconds?: number;
  /**
   * Dual-stack labs (`LabSpec.ipv6`): the IPv6 ClusterIP. The Service is then ipFamilyPolicy
   * RequireDualStack with clusterIPs [clusterIP, clusterIP6]; without it the Service stays IPv4 SingleStack.
   */
  clusterIP6?: string;
  /** Endpoints of a selector-less service (e.g. default/kubernetes → the API server on a node). */
  staticEndpoints?: { ip: string; nodeName: string }[];
  /** EndpointSlice `hints.forZones` per endpoint pod name (what the EndpointSlice controller writes for topology-aware routing). */
  zoneHints?: Record<string, string[]>;
}

export interface LabSpec {
  /** Short name, used in snapshot descriptions. */
  name: string;
  topology: Topology;
  proxyMode: ProxyMode;
  nodes: NodeSpec[];
  services: ServiceSpec[];
  /** Default 10.244.0.0/16; node i gets 10.244.i.0/24. */
  clusterCIDR?: string;
  /** Default 10.96.0.0/16. */
  serviceCIDR?: string;
  /** flannel-style masquerade of pod → off-cluster traffic (default true). */
  podMasquerade?: boolean;
  /**
   * Dual-stack (host-gw only): IPv6 beside IPv4 on the underlay (fd00:31:250::/64), per-node
   * podCIDRs below CLUSTER_CIDR6, pods with both families, kube-proxy's IPv6 rules (ip6tables).
   */
  ipv6?: boolean;
}

/** Underlay: nodes are 172.31.250.10+i; the underlay namespace (router/"outside client") is .1. */
const UNDERLAY_PREFIX = '172.31.250';
export const UNDERLAY_GATEWAY = `${UNDERLAY_PREFIX}.1`;
export const UNDERLAY_LEN = 24;
/** Calico's pod default gateway: a link-local address answered by proxy ARP on the host veth. */
export const CALICO_GATEWAY = '169.254.1.1';
/** `fabric`: the VPC, where the router knows every address; off-network traffic is SNATed to the node's primary address. */
export const FABRIC_VPC_CIDR = '172.31.0.0/16';
/** `fabric`: an address nothing in the cluster owns, on the router (the "internet"): the outside server answers there. */
export const FABRIC_OFF_NETWORK = '203.0.113.10';
/** `fabric`: the routing table of each node's secondary interface (AWS VPC CNI numbers them from 2). */
const FABRIC_SECONDARY_TABLE = 2;
/** `fabric`: aws-node's mark for connections to off-VPC addresses, restored to packets so they leave by the primary interface. */
export const FABRIC_CONNMARK = 0x80;
export const VXLAN_ID = 1;
export const VXLAN_PORT = 8472;

/** Dual-stack labs: IPv6 underlay, cluster and service CIDRs (ULA), beside the IPv4 ones. */
const UNDERLAY6_PREFIX = 'fd00:31:250:';
export const UNDERLAY6_GATEWAY = `${UNDERLAY6_PREFIX}:1`;
export const UNDERLAY6_LEN = 64;
export const CLUSTER_CIDR6 = 'fd00:10:244::/56';
export const SERVICE_CIDR6 = 'fd00:10:96::/112';

const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
const DEFAULT_SERVICE_CIDR = '10.96.0.0/16';

export const clusterCIDR = (spec: LabSpec): string => spec.clusterCIDR ?? DEFAULT_CLUSTER_CIDR;
export const serviceCIDR = (spec: LabSpec): string => spec.serviceCIDR ?? DEFAULT_SERVICE_CIDR;

/** First two octets of the cluster CIDR (the plan hands out /24s below a /16). */
function clusterBase(spec: LabSpec): string {
  const [addr, len] = clusterCIDR(spec).split('/');
  if (len !== '16' || !addr) throw new Error(`lab spec: clusterCIDR must be a /16, got ${clusterCIDR(spec)}`);
  return addr.split('.').slice(0, 2).join('.');
}

export interface NodePlan {
  index: number;
  name: string;
  ip: string;
  podCIDR: string;
  /** Pod gateway on cni0 (.1), or the calico gateway for routed. */
  podGateway: string;
  /** flannel.1 address (the podCIDR's .0) and deterministic VTEP MAC. */
  vtepIP: string;
  vtepMAC: string;
  pods: PodPlan[];
  /** Dual-stack labs: the node's IPv6 underlay address, IPv6 podCIDR and the pod gateway on cni0. */
  ip6?: string;
  podCIDR6?: string;
  podGateway6?: string;
  /** `fabric`: the primary subnet's gateway (the router), and the secondary interface (eth1) with its subnet and table. */
  fabric?: { subnet: string; gateway: string; secondary: { ip: string; subnet: string; gateway: string; table: number } };
}

export interface PodPlan {
  name: string;
  namespace: string;
  nodeName: string;
  ip: string;
  labels: Record<string, string>;
  ports: PodPortSpec[];
  ready: boolean;
  /** Host-side interface: a cni0 port (veth*), a routed veth (cali*) or an AWS one (eni*). ≤ 15 chars. */
  hostIf: string;
  /** `fabric`: the pod's address comes from the node's secondary interface subnet. */
  secondary?: boolean;
  /** Dual-stack labs: the pod's IPv6 address (status.podIPs[1]). */
  ip6?: string;
}

export interface AddressPlan {
  spec: LabSpec;
  nodes: NodePlan[];
  pods: PodPlan[];
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
/** IPv6 addresses in the form the kernel prints them (RFC 5952: `fd00:10:244::10`, not `fd00:10:244:0::10`). */
const v6 = (addr: string): string => ipaddr.IPv6.parse(addr).toRFC5952String();

/** Derives every address from the spec; throws on specs the plan cannot express. */
export function planAddresses(spec: LabSpec): AddressPlan {
  const base = clusterBase(spec);
  if (spec.ipv6 && spec.topology !== 'host-gw') throw new Error(`lab spec: dual-stack (ipv6) is built for host-gw only, not ${spec.topology}`);
  if (spec.nodes.length > 200) throw new Error('lab spec: at most 200 nodes');
  const nodes = spec.nodes.map((n, i): NodePlan => (spec.topology === 'fabric' ? fabricNode(n, i) : overlayNode(spec, base, n, i)));
  const names = new Set<string>();
  for (const p of nodes.flatMap((n) => n.pods)) {
    const key = `${p.namespace}/${p.name}`;
    if (names.has(key)) throw new Error(`lab spec: duplicate pod ${key}`);
    names.add(key);
  }
  return { spec, nodes, pods: nodes.flatMap((n) => n.pods) };
}

/** flannel and Calico shapes: node i has 10.244.i.0/24 and the underlay address 172.31.250.(10+i). */
function overlayNode(spec: LabSpec, base: string, n: NodeSpec, i: number): NodePlan {
  const net = `${base}.${i}`;
  const pods = n.pods.map((p, j): PodPlan => {
    if (j > 200) throw new Error(`lab spec: at most 200 pods on ${n.name}`);
    return {
      ...podBase(p, n),
      ip: `${net}.${10 + j}`,
      hostIf: `${spec.topology === 'routed' ? 'cali' : 'veth'}${hex2(i)}${hex2(j)}p`,
      ...(spec.ipv6 ? { ip6: v6(`fd00:10:244:${i}::${10 + j}`) } : {}),
    };
  });
  return {
    index: i,
    name: n.name,
    ip: `${UNDERLAY_PREFIX}.${10 + i}`,
    podCIDR: `${net}.0/24`,
    podGateway: spec.topology === 'routed' ? CALICO_GATEWAY : `${net}.1`,
    vtepIP: `${net}.0`,
    vtepMAC: `0e:6e:78:00:00:${hex2(i + 1)}`,
    pods,
    ...(spec.ipv6 ? { ip6: v6(`${UNDERLAY6_PREFIX}:${10 + i}`), podCIDR6: `${v6(`fd00:10:244:${i}::`)}/64`, podGateway6: v6(`fd00:10:244:${i}::1`) } : {}),
  };
}

/**
 * `fabric`: node i's primary subnet is 172.31.(10+10i).0/24 and its secondary one 172.31.(15+10i).0/24 (router .1,
 * node .10, pods from .20), like ENIs in VPC subnets; pods take addresses of the subnet of their interface.
 */
function fabricNode(n: NodeSpec, i: number): NodePlan {
  const primary = `172.31.${10 + 10 * i}`;
  const second = `172.31.${15 + 10 * i}`;
  let onPrimary = 0;
  let onSecondary = 0;
  const pods = n.pods.map((p): PodPlan => {
    const ip = p.secondary ? `${second}.${20 + onSecondary++}` : `${primary}.${20 + onPrimary++}`;
    if (onPrimary > 200 || onSecondary > 200) throw new Error(`lab spec: at most 200 pods per interface on ${n.name}`);
    // aws-cni names the host side eni + 11 hex digits of a hash of the pod.
    const hash = createHash('sha1').update(`${p.namespace ?? 'default'}.${p.name}`).digest('hex').slice(0, 11);
    return { ...podBase(p, n), ip, hostIf: `eni${hash}`, ...(p.secondary ? { secondary: true } : {}) };
  });
  return {
    index: i,
    name: n.name,
    ip: `${primary}.10`,
    podCIDR: `${primary}.0/24`,
    podGateway: CALICO_GATEWAY,
    vtepIP: `${primary}.10`,
    vtepMAC: `0e:6e:78:00:00:${hex2(i + 1)}`,
    pods,
    fabric: {
      subnet: `${primary}.0/24`,
      gateway: `${primary}.1`,
      secondary: { ip: `${second}.10`, subnet: `${second}.0/24`, gateway: `${second}.1`, table: FABRIC_SECONDARY_TABLE },
    },
  };
}

const podBase = (p: PodSpec, n: NodeSpec) => ({
  name: p.name,
  namespace: p.namespace ?? 'default',
  nodeName: n.name,
  labels: p.labels ?? {},
  ports: p.ports ?? [],
  ready: p.ready ?? true,
});

/** Pods selected by a service (labels ⊇ selector, same namespace), in node/pod order. */
export function selectedPods(plan: AddressPlan, svc: ServiceSpec): PodPlan[] {
  const ns = svc.namespace ?? 'default';
  const sel = Object.entries(svc.selector);
  if (sel.length === 0) return [];
  return plan.pods.filter((p) => p.namespace === ns && sel.every(([k, v]) => p.labels[k] === v));
}

export const nodeByName = (plan: AddressPlan, name: string): NodePlan => {
  const n = plan.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`lab: no node ${name}`);
  return n;
};

export const podByName = (plan: AddressPlan, name: string): PodPlan => {
  const p = plan.pods.find((x) => x.name === name || `${x.namespace}/${x.name}` === name);
  if (!p) throw new Error(`lab: no pod ${name}`);
  return p;
};
