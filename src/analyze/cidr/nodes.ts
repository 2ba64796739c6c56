/**
 * Per-node view: the node's pod ranges, the pods bound to it and the addresses they use.
 * Counted pods: bound to the node, not hostNetwork, phase not Succeeded/Failed (kubelet has torn
 * their sandbox down and IPAM released the address). A pod whose IP equals a node address is
 * treated as hostNetwork: light pod listings (Table) carry no spec.hostNetwork.
 * One pass over the pods into per-node counters: nothing per pod is kept (150,000 pods).
 */
import { objectsOf, nsName, type V1Node, type V1Pod } from '../../model/k8s.js';
import type { Snapshot } from '../../snapshot/types.js';
import { contains, parseCidr, parseIp, usableHostLocal, size, type Cidr, type Ip } from './ipmath.js';
import { field, maxPods, nodeAddresses, nodePodCidrs } from './objects.js';
import type { CniDetection, NodeCidrRow, NodeCidrUsage, PodRef } from './types.js';

const TERMINAL = new Set(['succeeded', 'failed', 'completed', 'evicted']);
const NO_IPS: readonly string[] = [];
/** Terminal phase, in any letter case; the usual phases answered without lower-casing (150,000 pods). */
const terminal = (phase: string | undefined): boolean => phase !== 'Running' && phase !== 'Pending' && TERMINAL.has((phase ?? '').toLowerCase());
const SAMPLES = 5;

/** Per-node ranges from CiliumNode.spec.ipam.podCIDRs (cluster-pool IPAM). */
function ciliumRanges(snapshot: Snapshot): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const cn of objectsOf(snapshot, 'ciliumnodes')) {
    const list = field(cn, 'spec', 'ipam', 'podCIDRs');
    if (Array.isArray(list)) m.set(cn.metadata?.name ?? '', list.filter((x): x is string => typeof x === 'string'));
  }
  return m;
}

/** Whether a pod IP outside the node's ranges is normal for this IPAM, and why. */
function outsideVerdict(cni: CniDetection, ip: Ip, pools: Cidr[]): { expected: boolean | null; reason: string } {
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

/** What one pass over the pods accumulates for one node. */
interface NodeAcc {
  node: V1Node;
  cidrs: Cidr[];
  invalid: string[];
  origin: NodeCidrUsage['origin'];
  used: Set<bigint>[]; // per cidr
  ips: Set<string>;
  pods: number;
  outside: number;
  verdict?: { expected: boolean | null; reason: string };
  samples: PodRef[];
}

export interface NodeAnalysis {
  rows: NodeCidrRow[];
  /** Parsed ranges per node (for overlap findings), with invalid texts kept. */
  ranges: Map<string, { cidrs: Cidr[]; invalid: string[] }>;
  /** Counted pods (see above), hostNetwork pods skipped, and whether all IP families were listed. */
  pods: number;
  hostNetwork: number;
  allFamilies: boolean;
}

export interface NodeInputs {
  nodes: V1Node[];
  pods: V1Pod[];
  cni: CniDetection;
  /** Enabled Calico IPPools (to judge pod IPs outside node ranges). */
  pools: Cidr[];
  /** The pod listing was a server-side Table, whose IP column holds only the primary IP. */
  primaryOnly: boolean;
}

function accumulator(node: V1Node, cilium: Map<string, string[]>): NodeAcc {
  const fromCilium = cilium.get(node.metadata?.name ?? '');
  const cidrs: Cidr[] = [];
  const invalid: string[] = [];
  for (const t of fromCilium ?? nodePodCidrs(node)) {
    const c = parseCidr(t);
    if (c) cidrs.push(c);
    else invalid.push(t);
  }
  const origin = fromCilium ? 'ciliumnode.spec.ipam.podCIDRs' : 'node.spec.podCIDRs';
  return { node, cidrs, invalid, origin, used: cidrs.map(() => new Set<bigint>()), ips: new Set(), pods: 0, outside: 0, samples: [] };
}

function addPod(acc: NodeAcc, pod: V1Pod, texts: readonly string[], inp: NodeInputs): void {
  acc.pods++;
  for (const text of texts) {
    const ip = parseIp(text);
    if (!ip) continue;
    acc.ips.add(ip.text);
    const home = acc.cidrs.findIndex((c) => contains(c, ip));
    if (home >= 0) acc.used[home]?.add(ip.value);
    else if (acc.cidrs.length > 0) {
      acc.outside++;
      const v = outsideVerdict(inp.cni, ip, inp.pools);
      // One unexpected IP makes the node's verdict unexpected.
      if (!acc.verdict || v.expected === false || (acc.verdict.expected === true && v.expected === null)) acc.verdict = v;
      if (acc.samples.length < SAMPLES) acc.samples.push({ name: nsName(pod), ip: ip.text });
    }
  }
}

export function analyzeNodes(snapshot: Snapshot, inp: NodeInputs): NodeAnalysis {
  const { cni } = inp;
  const cilium = cni.ipam === 'cilium-cluster-pool' ? ciliumRanges(snapshot) : new Map<string, string[]>();
  const byName = new Map<string, NodeAcc>(inp.nodes.map((n) => [n.metadata?.name ?? '', accumulator(n, cilium)]));
  const nodeIps = new Set(inp.nodes.flatMap((n) => nodeAddresses(n)));
  let pods = 0;
  let hostNetwork = 0;
  let allFamilies = false;
  for (const p of inp.pods) {
    const nodeName = p.spec?.nodeName;
    if (!nodeName || terminal(p.status?.phase)) continue;
    const list = p.status?.podIPs;
    const texts = list ? (list.length === 1 && list[0] ? [list[0].ip] : list.map((x) => x.ip)) : p.status?.podIP ? [p.status.podIP] : NO_IPS;
    if (p.status?.podIPs && !inp.primaryOnly) allFamilies = true;
    if (p.spec?.hostNetwork === true || texts.some((t) => nodeIps.has(t))) {
      hostNetwork++;
      continue;
    }
    pods++;
    const acc = byName.get(nodeName);
    if (acc) addPod(acc, p, texts, inp);
  }

  // The node podCIDR only counts as "the pod range" when the IPAM allocates from it.
  const allocates = cni.ipam === 'node-podcidr' || cni.ipam === 'cilium-cluster-pool' || cni.ipam === 'unknown';
  const rows: NodeCidrRow[] = [];
  const ranges = new Map<string, { cidrs: Cidr[]; invalid: string[] }>();
  for (const [name, a] of byName) {
    ranges.set(name, { cidrs: a.cidrs, invalid: a.invalid });
    const firstFamily = a.cidrs[0]?.family;
    rows.push({
      name,
      internalIPs: nodeAddresses(a.node, 'InternalIP'),
      podCIDRs: a.cidrs.map((c, i) => usage(c, a.origin, allFamilies || c.family === firstFamily ? (a.used[i]?.size ?? 0) : null, allocates)),
      pods: a.pods,
      podIPs: a.ips.size,
      maxPods: maxPods(a.node),
      outside: { count: a.outside, expected: a.verdict?.expected ?? null, reason: a.verdict?.reason ?? '', samples: a.samples },
      notes: [],
    });
  }
  rows.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return { rows, ranges, pods, hostNetwork, allFamilies };
}
