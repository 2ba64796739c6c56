/**
 * `kubectl netx cidr`: which addresses live where, and do any ranges collide or run out.
 * Pure: Snapshot in, CidrReport out.
 */
import { has, objectsOf } from '../../model/k8s.js';
import type { Snapshot } from '../../snapshot/types.js';
import { clusterClaims, nodeCidrSettings, serviceClaims } from './claims.js';
import { detectCni } from './cni.js';
import * as f from './findings.js';
import { parseCidr, type Cidr } from './ipmath.js';
import { analyzeNodes } from './nodes.js';
import { uniquePods } from './objects.js';
import { disagreements, resolveRanges } from './resolve.js';
import type { CidrReport, Finding, Severity } from './types.js';
import { leftOut, leftOutText } from '../left-out.js';
import { cidrPlan } from './plan.js';

export type * from './types.js';
export { cidrPlan } from './plan.js';

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function analyzeCidr(snapshot: Snapshot): CidrReport {
  const nodes = objectsOf(snapshot, 'nodes');
  const pods = uniquePods(snapshot);
  const services = objectsOf(snapshot, 'services');
  const cni = detectCni(snapshot);

  const serviceCidrs = resolveRanges(serviceClaims(snapshot, pods));
  const poolsFirst = cni.ipam === 'calico-ipam' ? 'calico' : cni.ipam === 'cilium-cluster-pool' ? 'cilium' : undefined;
  const clusterCidrs = resolveRanges(clusterClaims(snapshot, pods, poolsFirst));
  const calicoPools = clusterCidrs.claims
    .filter((c) => c.source === 'calico-ippool' && c.confidence !== 'low')
    .flatMap((c) => c.cidrs.map(parseCidr))
    .filter((c): c is Cidr => !!c);

  const analysis = analyzeNodes(snapshot, { nodes, pods, cni, pools: calicoPools, primaryOnly: snapshot.cluster.views?.pods === 'table' });
  const settings = nodeCidrSettings(pods);
  for (const row of analysis.rows) row.notes = f.rowNotes(row, cni);

  const findings: Finding[] = [
    ...f.rangeOverlaps(serviceCidrs, clusterCidrs),
    ...f.nodeIpOverlaps(nodes, serviceCidrs, clusterCidrs, analysis, cni),
    ...f.nodeRangeOverlaps(analysis),
    ...f.nodeRangesOutsideCluster(clusterCidrs, analysis, cni),
    ...f.exhaustion(analysis.rows, cni),
    ...f.servicesOutside(services, serviceCidrs),
    ...f.kubernetesServiceIp(services, serviceCidrs),
    ...f.nodesWithoutRange(analysis.rows, cni),
    ...f.podsOutside(analysis.rows),
    ...disagreements(serviceCidrs, 'service CIDR'),
    ...disagreements(clusterCidrs, 'cluster pod CIDR'),
    ...invalidRanges(analysis.ranges),
    ...unknowns(serviceCidrs.ranges.length, clusterCidrs.ranges.length, cni),
    ...secondaryFamily(analysis.allFamilies, analysis.rows),
    ...malformed(snapshot),
  ];
  findings.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);

  const report: CidrReport = {
    kind: 'CidrReport',
    capturedAt: snapshot.capturedAt,
    serviceCidrs,
    clusterCidrs,
    cni,
    nodes: analysis.rows,
    totals: { nodes: nodes.length, pods: analysis.pods, podIPs: analysis.rows.reduce((n, r) => n + r.podIPs, 0), hostNetworkPods: analysis.hostNetwork, services: services.length },
    findings,
    gaps: gaps(snapshot),
  };
  if (settings.mask) report.nodeCidrMaskSize = settings.mask;
  if (settings.allocate) report.allocateNodeCidrs = settings.allocate;
  return report;
}

function invalidRanges(ranges: Map<string, { invalid: string[] }>): Finding[] {
  const ev = [...ranges].flatMap(([node, r]) => r.invalid.map((t) => ({ what: `node ${node} podCIDR`, value: t })));
  return ev.length ? [{ code: 'invalid-cidr', severity: 'warning', message: `${ev.length} node podCIDR value(s) are not valid CIDRs and were ignored`, evidence: ev.slice(0, f.MAX_EVIDENCE) }] : [];
}

function unknowns(services: number, cluster: number, cni: { name: string; uncertainty?: string }): Finding[] {
  const out: Finding[] = [];
  if (services === 0) out.push({ code: 'service-cidr-unknown', severity: 'info', message: 'service CIDR unknown: no ServiceCIDR object, control-plane flag, kubeadm-config or dry-run answer in the snapshot (--service-cidr-dry-run asks the API server; it needs create on services in default); service checks skipped', evidence: [] });
  if (cluster === 0) out.push({ code: 'cluster-cidr-unknown', severity: 'info', message: 'cluster pod CIDR unknown: no controller-manager flag, kubeadm-config, kube-proxy clusterCIDR or CNI pool in the snapshot; cluster-range checks skipped', evidence: [] });
  if (cni.name === 'unknown' || cni.uncertainty) out.push({ code: 'cni-unknown', severity: 'info', message: cni.name === 'unknown' ? `CNI not recognised: ${cni.uncertainty ?? ''}` : `CNI ${cni.name}: ${cni.uncertainty ?? ''}`, evidence: [] });
  return out;
}

function secondaryFamily(allFamilies: boolean, rows: { name: string; podCIDRs: { used: number | null; cidr: string }[] }[]): Finding[] {
  if (allFamilies) return [];
  const dual = rows.filter((r) => r.podCIDRs.some((u) => u.used === null));
  return dual.length
    ? [{ code: 'secondary-family-not-listed', severity: 'info', message: `the pod listing carries only each pod's primary IP: usage of the second address family on ${dual.length} dual-stack node(s) is unknown`, evidence: [] }]
    : [];
}

/** Objects set aside at load: the rows and counts above do not include them. */
function malformed(snapshot: Snapshot): Finding[] {
  const t = leftOutText(leftOut(snapshot, cidrPlan()));
  return t ? [{ code: 'malformed-object', severity: 'warning', message: t.message, evidence: t.evidence.map((e) => ({ what: 'left out', value: e })) }] : [];
}

function gaps(snapshot: Snapshot): string[] {
  // A ConfigMap looked for in two namespaces (flannel's kube-flannel-cfg) is no gap where one copy was found.
  const found = new Set(objectsOf(snapshot, 'configmaps').map((c) => c.metadata?.name));
  const elsewhere = (what: string): boolean => {
    const name = /^configmaps [^/]+\/(.+)$/.exec(what)?.[1];
    return name !== undefined && found.has(name);
  };
  const out = (snapshot.source.gaps ?? []).filter((g) => !(g.code === 'not-found' && elsewhere(g.what))).map((g) => `${g.what}: ${g.reason}`);
  for (const r of ['nodes', 'pods', 'services'] as const) if (!has(snapshot, r)) out.push(`${r} not in the snapshot`);
  return out;
}
