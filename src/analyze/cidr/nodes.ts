/**
 * Per-node view: the node's pod ranges, the pods bound to it and the addresses they use.
 * Counted pods: bound to the node, not hostNetwork, phase not Succeeded/Failed (kubelet has torn
 * their sandbox down and IPAM released the address). A pod whose IP equals a node address is
 * treated as hostNetwork: light pod listings (Table) carry no spec.hostNetwork.
 */
import { objectsOf, nsName, type V1Node, type V1Pod } from '../../model/k8s.js';
import type { Snapshot } from '../../snapshot/types.js';
import { contains, parseCidr, parseIp, usableHostLocal, size, type Cidr, type Ip } from './ipmath.js';
import { field, maxPods, nodeAddresses, nodePodCidrs } from './objects.js';
import type { CniDetection, NodeCidrRow, NodeCidrUsage, PodRef } from './types.js';

const TERMINAL = new Set(['succeeded', 'failed', 'completed', 'evicted']);
const SAMPLES = 5;

/** Live, non-hostNetwork pods with their IPs, grouped by node. */
export interface PodIndex {
  byNode: Map<string, { ref: string; ips: Ip[] }[]>;
  pods: number;
  hostNetwork: number;
  /** Whether the listing carries status.podIPs (all families) or only the primary status.podIP. */
  allFamilies: boolean;
}

/** `primaryOnly`: the listing was a server-side Table, whose IP column holds only the primary IP. */
export function indexPods(pods: V1Pod[], nodeIps: Set<string>, primaryOnly = false): PodIndex {
  const byNode = new Map<string, { ref: string; ips: Ip[] }[]>();
  let count = 0;
  let hostNetwork = 0;
  let allFamilies = false;
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (!node || TERMINAL.has((p.status?.phase ?? '').toLowerCase())) continue;
    const texts = p.status?.podIPs?.map((x) => x.ip) ?? (p.status?.podIP ? [p.status.podIP] : []);
    if (p.status?.podIPs && !primaryOnly) allFamilies = true;
    if (p.spec?.hostNetwork === true || texts.some((t) => nodeIps.has(t))) {
      hostNetwork++;
      continue;
    }
    count++;
    const ips = texts.map(parseIp).filter((x): x is Ip => x !== undefined);
    let list = byNode.get(node);
    if (!list) byNode.set(node, (list = []));
    list.push({ ref: nsName(p), ips });
  }
  return { byNode, pods: count, hostNetwork, allFamilies };
}

/** Per-node pod ranges from CiliumNode.spec.ipam.podCIDRs (cluster-pool IPAM). */
function ciliumRanges(snapshot: Snapshot): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const cn of objectsOf(snapshot, 'ciliumnodes')) {
    const list = field(cn, 'spec', 'ipam', 'podCIDRs');
    if (Array.isArray(list)) m.set(cn.metadata?.name ?? '', list.filter((x): x is string => typeof x === 'string'));
  }
  return m;
}

/** Whether a pod IP outside the node's ranges is normal for this IPAM, and why. */
export function outsideVerdict(cni: CniDetection, ip: Ip, pools: Cidr[]): { expected: boolean | null; reason: string } {
  switch (cni.ipam) {
    case 'node-podcidr':
      return { expected: false, reason: `${cni.name} allocates pod IPs from the node's podCIDR` };
    case 'calico-ipam':
      return pools.some((p) => contains(p, ip))
        ? { expected: true, reason: 'calico-ipam allocates blocks from IPPools, not from the node podCIDR' }
        : { expected: false, reason: 'calico-ipam allocates from IPPools, and this IP is in none of them' };
    case 'cilium-cluster-pool':
      return { expected: false, reason: 'Cilium cluster-pool allocates from the CiliumNode podCIDRs' };
    case 'cilium-multi-pool':
    case 'cloud-vpc':
    case 'cni-own':
      return { expected: true, reason: `${cni.name} takes pod addresses from its own pools, not from the node podCIDR` };
    default:
      return { expected: null, reason: 'CNI/IPAM unknown: cannot tell whether this is expected' };
  }
}

function usage(cidr: Cidr, origin: NodeCidrUsage['origin'], used: number | null, allocates: boolean): NodeCidrUsage {
  const usable = usableHostLocal(cidr);
  return {
    cidr: cidr.text,
    family: cidr.family,
    origin,
    size: size(cidr).toString(),
    usable: usable.toString(),
    usableLog2: usable > 0n ? Math.round(Math.log2(Number(usable))) : 0,
    used,
    utilisation: used === null || !allocates || usable === 0n ? null : Math.round((used / Number(usable)) * 1000) / 10,
  };
}

export interface NodeAnalysis {
  rows: NodeCidrRow[];
  /** Parsed ranges per node (for overlap findings), with invalid texts kept. */
  ranges: Map<string, { cidrs: Cidr[]; invalid: string[] }>;
}

export function analyzeNodes(snapshot: Snapshot, nodes: V1Node[], index: PodIndex, cni: CniDetection, pools: Cidr[]): NodeAnalysis {
  const cilium = cni.ipam === 'cilium-cluster-pool' ? ciliumRanges(snapshot) : new Map<string, string[]>();
  // The node podCIDR only counts as "the pod range" when the IPAM allocates from it.
  const allocates = cni.ipam === 'node-podcidr' || cni.ipam === 'cilium-cluster-pool' || cni.ipam === 'unknown';
  const rows: NodeCidrRow[] = [];
  const ranges = new Map<string, { cidrs: Cidr[]; invalid: string[] }>();
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    const fromCilium = cilium.get(name);
    const texts = fromCilium ?? nodePodCidrs(node);
    const origin: NodeCidrUsage['origin'] = fromCilium ? 'ciliumnode.spec.ipam.podCIDRs' : 'node.spec.podCIDRs';
    const cidrs: Cidr[] = [];
    const invalid: string[] = [];
    for (const t of texts) {
      const c = parseCidr(t);
      if (c) cidrs.push(c);
      else invalid.push(t);
    }
    ranges.set(name, { cidrs, invalid });
    const pods = index.byNode.get(name) ?? [];
    const used = new Map<Cidr, Set<bigint>>(cidrs.map((c) => [c, new Set<bigint>()]));
    const all = new Set<string>();
    const samples: PodRef[] = [];
    let outside = 0;
    let verdict: { expected: boolean | null; reason: string } | undefined;
    for (const p of pods) {
      for (const ip of p.ips) {
        all.add(ip.text);
        const home = cidrs.find((c) => contains(c, ip));
        if (home) used.get(home)?.add(ip.value);
        else if (cidrs.length > 0) {
          outside++;
          const v = outsideVerdict(cni, ip, pools);
          // One unexpected IP makes the node's verdict unexpected.
          if (!verdict || v.expected === false || (verdict.expected === true && v.expected === null)) verdict = v;
          if (samples.length < SAMPLES) samples.push({ name: p.ref, ip: ip.text });
        }
      }
    }
    const firstFamily = cidrs[0]?.family;
    rows.push({
      name,
      internalIPs: nodeAddresses(node, 'InternalIP'),
      podCIDRs: cidrs.map((c) =>
        usage(c, origin, index.allFamilies || c.family === firstFamily ? (used.get(c)?.size ?? 0) : null, allocates),
      ),
      pods: pods.length,
      podIPs: all.size,
      maxPods: maxPods(node),
      outside: { count: outside, expected: verdict?.expected ?? null, reason: verdict?.reason ?? '', samples },
      notes: [],
    });
  }
  rows.sort((a, b) => a.name.localeCompare(b.name));
  return { rows, ranges };
}
