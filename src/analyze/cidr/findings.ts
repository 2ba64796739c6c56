/** Findings over ranges, nodes and services. Each check is a small function returning Finding[]. */
import type { V1Node, V1Service } from '../../model/k8s.js';
import { nsName } from '../../model/k8s.js';
import { CidrIndex, contains, overlaps, parseCidr, parseIp, within, type Cidr } from './ipmath.js';
import type { NodeAnalysis } from './nodes.js';
import { nodeAddresses } from './objects.js';
import type { CniDetection, Evidence, Finding, NodeCidrRow, RangeDiscovery, RowNote } from './types.js';

/** Evidence lists are capped so a 5,000-node cluster does not print 5,000 lines per finding. */
export const MAX_EVIDENCE = 20;

function capped(items: Evidence[]): Evidence[] {
  if (items.length <= MAX_EVIDENCE) return items;
  return [...items.slice(0, MAX_EVIDENCE), { what: 'more', value: `${items.length - MAX_EVIDENCE} more not shown` }];
}

const parsed = (d: RangeDiscovery): Cidr[] => d.ranges.map((r) => parseCidr(r.cidr)).filter((c): c is Cidr => !!c);

export function rangeOverlaps(services: RangeDiscovery, cluster: RangeDiscovery): Finding[] {
  const out: Finding[] = [];
  for (const s of parsed(services)) {
    for (const c of parsed(cluster)) {
      if (!overlaps(s, c)) continue;
      out.push({
        code: 'pod-service-overlap',
        severity: 'error',
        message: `service CIDR ${s.text} overlaps cluster pod CIDR ${c.text}: the same address can name a Service and a pod`,
        evidence: [
          { what: 'service CIDR', value: s.text },
          { what: 'cluster pod CIDR', value: c.text },
        ],
      });
    }
  }
  return out;
}

/**
 * A range only pods take addresses from: node podCIDRs, and a cluster CIDR from a source that defines
 * one. kube-proxy's clusterCIDR only tells it which sources are local (on EKS it is the VPC's CIDR,
 * nodes included), and with cloud-VPC IPAM nodes and pods share the VPC's subnets.
 */
const podOnly = (r: RangeDiscovery['ranges'][number], cni: CniDetection): boolean => r.source.source !== 'kube-proxy-config' && cni.ipam !== 'cloud-vpc';

export function nodeIpOverlaps(nodes: V1Node[], services: RangeDiscovery, cluster: RangeDiscovery, analysis: NodeAnalysis, cni: CniDetection): Finding[] {
  const svc = parsed(services);
  const clusterRanges = (keep: boolean): Cidr[] => parsed({ ...cluster, ranges: cluster.ranges.filter((r) => podOnly(r, cni) === keep) });
  const pod = new CidrIndex([...clusterRanges(true), ...[...analysis.ranges.values()].flatMap((r) => r.cidrs)].map((cidr) => ({ cidr, value: cidr })));
  const local = clusterRanges(false);
  const inPod: Evidence[] = [];
  const inSvc: Evidence[] = [];
  const inLocal: Evidence[] = [];
  for (const n of nodes) {
    for (const a of nodeAddresses(n, 'InternalIP')) {
      const ip = parseIp(a);
      if (!ip) continue;
      const what = `node ${n.metadata?.name ?? ''} InternalIP ${ip.text}`;
      const p = pod.find(ip)?.cidr;
      if (p) inPod.push({ what, value: `inside pod range ${p.text}` });
      const l = p ? undefined : local.find((c) => contains(c, ip));
      if (l) inLocal.push({ what, value: `inside ${l.text}` });
      const s = svc.find((c) => contains(c, ip));
      if (s) inSvc.push({ what, value: `inside service CIDR ${s.text}` });
    }
  }
  const out: Finding[] = [];
  if (inPod.length) out.push({ code: 'node-ip-in-pod-cidr', severity: 'error', message: `${inPod.length} node address(es) lie inside a pod range: traffic to them can be routed to a pod instead`, evidence: capped(inPod) });
  if (inLocal.length) {
    const from = cluster.ranges.find((r) => !podOnly(r, cni))?.source.detail ?? 'the cluster CIDR';
    out.push({ code: 'node-ip-in-cluster-cidr', severity: 'info', message: `${inLocal.length} node address(es) lie inside the cluster CIDR from ${from}, which is no pod-only range here${cni.ipam === 'cloud-vpc' ? ` (${cni.name}: pods and nodes share the VPC's subnets)` : ' (on EKS it is the VPC CIDR)'}: kube-proxy counts traffic from these nodes as local`, evidence: capped(inLocal) });
  }
  if (inSvc.length) out.push({ code: 'node-ip-in-service-cidr', severity: 'error', message: `${inSvc.length} node address(es) lie inside the service CIDR: kube-proxy rules can capture traffic to them`, evidence: capped(inSvc) });
  return out;
}

export function nodeRangesOutsideCluster(cluster: RangeDiscovery, analysis: NodeAnalysis, cni: CniDetection): Finding[] {
  const clusterCidrs = parsed(cluster);
  const ev: Evidence[] = [];
  for (const [node, r] of analysis.ranges) {
    for (const c of r.cidrs) {
      const sameFamily = clusterCidrs.filter((x) => x.family === c.family);
      if (sameFamily.length > 0 && !sameFamily.some((x) => within(c, x))) ev.push({ what: `node ${node} podCIDR`, value: c.text });
    }
  }
  if (ev.length === 0) return [];
  const used = cni.ipam === 'node-podcidr' || cni.ipam === 'cilium-cluster-pool';
  return [
    {
      code: 'node-podcidr-outside-cluster-cidr',
      severity: used ? 'warning' : 'info',
      message: `${ev.length} node pod range(s) lie outside the cluster pod CIDR (${clusterCidrs.map((c) => c.text).join(', ')})${used ? '' : `; ${cni.name} does not allocate from node podCIDRs`}`,
      evidence: capped(ev),
    },
  ];
}

/** Duplicate or overlapping node ranges, found by sorting (n log n, not n²). */
export function nodeRangeOverlaps(analysis: NodeAnalysis): Finding[] {
  const all = [...analysis.ranges].flatMap(([node, r]) => r.cidrs.map((c) => ({ node, c })));
  all.sort((a, b) => a.c.family - b.c.family || (a.c.start < b.c.start ? -1 : a.c.start > b.c.start ? 1 : 0));
  const ev: Evidence[] = [];
  let open: { node: string; c: Cidr } | undefined;
  for (const x of all) {
    if (open && overlaps(open.c, x.c) && open.node !== x.node) {
      ev.push({ what: `nodes ${open.node} and ${x.node}`, value: open.c.text === x.c.text ? `both have ${x.c.text}` : `${open.c.text} overlaps ${x.c.text}` });
    }
    if (!open || open.c.family !== x.c.family || x.c.end > open.c.end) open = x;
  }
  if (ev.length === 0) return [];
  return [{ code: 'node-podcidr-overlap', severity: 'error', message: `${ev.length} pair(s) of nodes have duplicate or overlapping podCIDRs: pods on them can get the same address`, evidence: capped(ev) }];
}

/** Utilisation (percent) from which a node range counts as nearly exhausted. */
const PERCENT_WARN = 80;

/** The per-row remarks of the node table, from the same rules as the findings. */
export function rowNotes(r: NodeCidrRow, cni: CniDetection): RowNote[] {
  const notes: RowNote[] = [];
  if (r.podCIDRs.length === 0) notes.push({ severity: cni.ipam === 'node-podcidr' ? 'error' : 'info', text: 'no podCIDR' });
  for (const u of r.podCIDRs) {
    if (u.used === null || u.utilisation === null) continue;
    const usable = Number(u.usable);
    if (u.used >= usable) notes.push({ severity: 'error', text: 'exhausted' });
    else if (u.utilisation >= PERCENT_WARN) notes.push({ severity: 'warning', text: 'nearly exhausted' });
    if (r.maxPods !== null && u.usableLog2 < 53 && usable < r.maxPods) notes.push({ severity: 'warning', text: `< max pods ${r.maxPods}` });
  }
  if (r.outside.count > 0) {
    const how = r.outside.expected === true ? 'expected' : r.outside.expected === false ? 'unexpected' : 'unknown if expected';
    notes.push({ severity: r.outside.expected === false ? 'warning' : 'info', text: `${r.outside.count} IPs outside (${how})` });
  }
  const rank = { error: 0, warning: 1, info: 2 };
  return notes.sort((a, b) => rank[a.severity] - rank[b.severity]);
}

export function exhaustion(rows: NodeCidrRow[], cni: CniDetection): Finding[] {
  const out: Finding[] = [];
  const small: Evidence[] = [];
  for (const r of rows) {
    for (const u of r.podCIDRs) {
      if (u.utilisation === null) continue;
      const usable = Number(u.usable);
      if (r.maxPods !== null && u.usableLog2 < 53 && usable < r.maxPods) {
        small.push({ what: `node ${r.name} ${u.cidr}`, value: `${usable} usable addresses < max pods ${r.maxPods}` });
      }
      if (u.used !== null && u.utilisation >= PERCENT_WARN) {
        const full = u.used >= usable;
        const left = Math.max(usable - u.used, 0);
        out.push({
          code: full ? 'podcidr-exhausted' : 'podcidr-nearly-exhausted',
          severity: full ? 'error' : 'warning',
          message: `${r.name} podCIDR ${u.cidr} ${u.utilisation}% used, ${left} addresses left${r.maxPods !== null ? ` (kubelet max-pods is ${r.maxPods})` : ''}`,
          evidence: [
            { what: `node ${r.name} ${u.origin}`, value: u.cidr },
            { what: 'pod IPs in use / usable', value: `${u.used}/${usable}` },
          ],
        });
      }
    }
  }
  if (small.length) {
    out.push({
      code: 'podcidr-smaller-than-max-pods',
      severity: 'warning',
      message: `${small.length} node range(s) hold fewer addresses than the kubelet admits pods: the last pods will fail with "no IP addresses available"${cni.ipam === 'unknown' ? ' (if the CNI allocates from podCIDRs)' : ''}`,
      evidence: capped(small),
    });
  }
  return out;
}

export function nodesWithoutRange(rows: NodeCidrRow[], cni: CniDetection): Finding[] {
  const missing = rows.filter((r) => r.podCIDRs.length === 0);
  if (missing.length === 0) return [];
  const needs = cni.ipam === 'node-podcidr';
  const why =
    cni.ipam === 'node-podcidr'
      ? `${cni.name} allocates pod IPs from it: pods on these nodes cannot get addresses (is kube-controller-manager --allocate-node-cidrs on?)`
      : cni.ipam === 'unknown'
        ? 'expected with CNIs that allocate elsewhere (AWS VPC CNI, calico-ipam, Cilium cluster-pool); the CNI here is unknown'
        : `expected: ${cni.name} does not use node podCIDRs`;
  return [{ code: 'node-without-podcidr', severity: needs ? 'error' : 'info', message: `${missing.length} node(s) have no podCIDR; ${why}`, evidence: capped(missing.map((r) => ({ what: `node ${r.name}`, value: 'spec.podCIDRs empty' }))) }];
}

export function podsOutside(rows: NodeCidrRow[]): Finding[] {
  const hits = rows.filter((r) => r.outside.count > 0);
  if (hits.length === 0) return [];
  const out: Finding[] = [];
  for (const expected of [false, null, true] as const) {
    const group = hits.filter((r) => r.outside.expected === expected);
    if (group.length === 0) continue;
    const pods = group.reduce((n, r) => n + r.outside.count, 0);
    out.push({
      code: 'pod-ip-outside-node-podcidr',
      severity: expected === false ? 'warning' : 'info',
      message: `${pods} pod IP(s) on ${group.length} node(s) lie outside their node's pod range: ${expected === true ? 'expected — ' : expected === null ? 'unknown whether expected — ' : 'unexpected — '}${group[0]?.outside.reason ?? ''}`,
      evidence: capped(group.flatMap((r) => r.outside.samples.map((s) => ({ what: `pod ${s.name} on ${r.name}`, value: s.ip })))),
    });
  }
  return out;
}

const clusterIPsOf = (s: V1Service): string[] => {
  const list = s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : []);
  return list.filter((ip) => ip.toLowerCase() !== 'none' && ip !== '');
};

export function servicesOutside(services: V1Service[], d: RangeDiscovery): Finding[] {
  const ranges = parsed(d);
  if (ranges.length === 0) return [];
  const families = new Set(ranges.map((r) => r.family));
  const ev: Evidence[] = [];
  for (const s of services) {
    for (const text of clusterIPsOf(s)) {
      const ip = parseIp(text);
      // A family with no known range says nothing about its IPs (e.g. only the IPv4 range is known).
      if (!ip || !families.has(ip.family) || ranges.some((r) => contains(r, ip))) continue;
      ev.push({ what: `service ${nsName(s)} clusterIP`, value: ip.text });
    }
  }
  if (ev.length === 0) return [];
  return [{ code: 'service-ip-outside-service-cidrs', severity: 'warning', message: `${ev.length} Service clusterIP(s) lie outside every known service CIDR (${ranges.map((r) => r.text).join(', ')}): the range was changed, or the service CIDR figure is wrong`, evidence: capped(ev) }];
}

/** The `kubernetes` Service takes the first address of the primary range; anything else is worth a note. */
export function kubernetesServiceIp(services: V1Service[], d: RangeDiscovery): Finding[] {
  const k = services.find((s) => s.metadata?.namespace === 'default' && s.metadata?.name === 'kubernetes');
  const ip = k?.spec?.clusterIP ? parseIp(k.spec.clusterIP) : undefined;
  const ranges = parsed(d).filter((r) => ip && r.family === ip.family);
  if (!ip || ranges.length === 0 || ranges.some((r) => r.start + 1n === ip.value)) return [];
  return [{ code: 'kubernetes-service-ip-unexpected', severity: 'info', message: `Service default/kubernetes has ${ip.text}, not the first address of ${ranges.map((r) => r.text).join(', ')}: the primary service range may differ from the figure shown`, evidence: [{ what: 'Service default/kubernetes clusterIP', value: ip.text }] }];
}
