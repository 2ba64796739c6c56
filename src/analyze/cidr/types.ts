/** The typed result of `kubectl netx cidr`: everything a renderer prints, nothing it must compute. */
import type { FindingOf, Severity } from '../../model/finding.js';
import type { Family } from './ipmath.js';

export type Confidence = 'high' | 'medium' | 'low' | 'assumed';

/** Where a cluster-level CIDR figure came from, in the order the analysis consults them. */
export type CidrSourceKind =
  | 'servicecidr-object'
  | 'kube-apiserver-flag'
  | 'kube-controller-manager-flag'
  | 'kubeadm-config'
  | 'kube-proxy-config'
  | 'flannel-net-conf'
  | 'dry-run-probe'
  | 'calico-ippool'
  | 'cilium-config'
  | 'kubernetes-service-ip'
  | 'distribution-default';

/** One source's claim. `cidrs` is empty when the source answered without a range (it still says so). */
export interface CidrClaim {
  source: CidrSourceKind;
  /** Human pointer to the exact place: `ServiceCIDR "kubernetes"`, `kube-system/kube-apiserver-cp1 --service-cluster-ip-range`. */
  detail: string;
  confidence: Confidence;
  cidrs: string[];
  /** Why the confidence is what it is, or what the source could not tell. */
  note?: string;
}

/** One effective cluster range: the figure used for findings, with every source that agrees. */
export interface ClusterRange {
  cidr: string;
  family: Family;
  confidence: Confidence;
  /** The first source (in consultation order) that gave this range. */
  source: CidrClaim;
  /** Details of the other sources that gave the same range. */
  confirmedBy: string[];
}

export interface RangeDiscovery {
  /** The ranges findings are checked against (empty = unknown). */
  ranges: ClusterRange[];
  /** Every claim, in consultation order, including ones without a CIDR and ones that disagree. */
  claims: CidrClaim[];
}

/** How pods on this cluster get addresses, as far as the snapshot shows. */
export type IpamMode =
  | 'node-podcidr' // host-local style: pod IPs come from Node.spec.podCIDRs
  | 'calico-ipam' // blocks carved from Calico IPPools
  | 'cilium-cluster-pool' // per-node CIDRs in CiliumNode.spec.ipam.podCIDRs
  | 'cilium-multi-pool'
  | 'cloud-vpc' // AWS VPC CNI, Azure CNI, GKE: addresses from the cloud network
  | 'cni-own' // the CNI runs its own allocator (weave, ovn-kubernetes)
  | 'unknown';

export interface CniDetection {
  /** e.g. flannel, calico, cilium, aws-vpc-cni, kindnet, kube-router, canal, antrea, weave; 'unknown'. */
  name: string;
  ipam: IpamMode;
  /** What the detection rests on (DaemonSet names, conflist path and plugin types, ConfigMap keys). */
  evidence: string[];
  /** Why the result is uncertain, if it is. */
  uncertainty?: string;
}

/** Per-family usage of one node's podCIDR. */
export interface NodeCidrUsage {
  cidr: string;
  family: Family;
  /** Where this range comes from: the Node object or the CNI's own per-node object. */
  origin: 'node.spec.podCIDRs' | 'ciliumnode.spec.ipam.podCIDRs';
  /** Addresses in the range (decimal string: IPv6 sizes exceed Number). */
  size: string;
  /** Addresses pods can get (host-local rule, see docs/cidr.md), decimal string. */
  usable: string;
  /** log2 of `usable`, rounded, for display of huge IPv6 ranges (~2^64). */
  usableLog2: number;
  /** Pod IPs of this family inside the range; null when the pod listing did not carry this family. */
  used: number | null;
  /** used / usable × 100, null when unknown or when the CNI does not allocate from this range. */
  utilisation: number | null;
}

export interface PodRef {
  name: string; // namespace/name
  ip: string;
}

export interface NodeCidrRow {
  name: string;
  internalIPs: string[];
  podCIDRs: NodeCidrUsage[];
  /** Non-hostNetwork pods in a non-terminal phase bound to this node. */
  pods: number;
  /** Distinct pod IPs those pods use (all families the listing carried). */
  podIPs: number;
  /** Max pods from status.allocatable.pods (else capacity.pods); null when absent. */
  maxPods: number | null;
  /** Pods whose IP is outside all of this node's ranges. */
  outside: { count: number; expected: boolean | null; reason: string; samples: PodRef[] };
  /** Short per-row remarks for the table (`nearly exhausted`, `no podCIDR`), most severe first. */
  notes: RowNote[];
}

export interface RowNote {
  severity: Severity;
  text: string;
}

export type { Severity } from '../../model/finding.js';

export type FindingCode =
  | 'pod-service-overlap'
  | 'node-ip-in-pod-cidr'
  | 'node-ip-in-service-cidr'
  | 'node-ip-in-cluster-cidr'
  | 'node-podcidr-outside-cluster-cidr'
  | 'node-podcidr-overlap'
  | 'podcidr-smaller-than-max-pods'
  | 'podcidr-nearly-exhausted'
  | 'podcidr-exhausted'
  | 'service-ip-outside-service-cidrs'
  | 'kubernetes-service-ip-unexpected'
  | 'node-without-podcidr'
  | 'pod-ip-outside-node-podcidr'
  | 'cidr-sources-disagree'
  | 'service-cidr-unknown'
  | 'cluster-cidr-unknown'
  | 'servicecidr-not-ready'
  | 'invalid-cidr'
  | 'cni-unknown'
  | 'secondary-family-not-listed'
  | 'malformed-object';

export interface Evidence {
  /** What the value is: `node kind-worker spec.podCIDRs[0]`, `service default/web clusterIP`. */
  what: string;
  value: string;
}

export interface Finding extends FindingOf<FindingCode, Evidence> {
  evidence: Evidence[];
}

export interface CidrReport {
  kind: 'CidrReport';
  /** When the snapshot was taken (copied, never "now"). */
  capturedAt: string;
  serviceCidrs: RangeDiscovery;
  clusterCidrs: RangeDiscovery;
  /** Node CIDR mask sizes from kube-controller-manager, when known. */
  nodeCidrMaskSize?: { ipv4?: number; ipv6?: number; source: string };
  /** kube-controller-manager --allocate-node-cidrs, when known. */
  allocateNodeCidrs?: { value: boolean; source: string };
  cni: CniDetection;
  nodes: NodeCidrRow[];
  totals: { nodes: number; pods: number; podIPs: number; hostNetworkPods: number; services: number };
  findings: Finding[];
  /** Things the snapshot did not hold, so some answers are missing. */
  gaps: string[];
}
