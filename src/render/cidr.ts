/**
 * Text and wide output of `kubectl netx cidr` (see ../shared/docs/ux.md): cluster ranges with their
 * source first, then the node table, then findings with their evidence. Prints the report, computes
 * nothing.
 */
import type { CidrClaim, CidrReport, Finding, NodeCidrRow, NodeCidrUsage, RangeDiscovery, Severity } from '../analyze/cidr/types.js';
import { mark, paint, tone, type Tone } from './style.js';
import { renderTable, wrapText, type Column } from './table.js';

export interface CidrTextOptions {
  wide?: boolean;
  /** The terminal's width: long cells wrap inside their column. */
  width?: number;
}

/** `-o name`: the nodes. */
export const cidrNames = (report: CidrReport): string[] => report.nodes.map((n) => `node/${n.name}`);

const toneOf = (s: Severity): Tone => s;

/** 253, or ~2^64 for ranges too big to read. */
const count = (u: NodeCidrUsage): string => (u.usable.length > 9 ? `~2^${u.usableLog2}` : u.usable);
const lines = (r: NodeCidrRow, f: (u: NodeCidrUsage) => string): string => r.podCIDRs.map(f).join('\n');

function rangeLine(label: string, d: RangeDiscovery): string[][] {
  if (d.ranges.length === 0) {
    const hint = d.claims.find((c) => c.note);
    return [[label, tone('warning', 'unknown'), hint ? `(${hint.detail}: ${hint.note ?? ''})` : '(no source in the snapshot)']];
  }
  return d.ranges.map((r, i) => {
    const note = r.source.note ? `; ${r.source.note}` : '';
    const confirmed = r.confirmedBy.length ? `; matches ${r.confirmedBy.join(', ')}` : '';
    return [i === 0 ? label : '', paint.bold(r.cidr), `(${r.source.detail}${confirmed}${note}) · ${r.confidence} confidence`];
  });
}

function cniEvidence(evidence: string[], wide: boolean): string {
  if (evidence.length === 0) return '';
  if (wide || evidence.length === 1) return `; ${evidence.join('; ')}`;
  return `; ${evidence[0]}; +${evidence.length - 1} more (-o wide)`;
}

function header(report: CidrReport, wide: boolean, width: number | undefined): string {
  const rows: string[][] = [...rangeLine('Service CIDR', report.serviceCidrs), ...rangeLine('Cluster CIDR', report.clusterCidrs)];
  const cni = report.cni;
  rows.push(['CNI', paint.bold(cni.name), `(IPAM ${cni.ipam}${cniEvidence(cni.evidence, wide)})`]);
  if (report.nodeCidrMaskSize) {
    const m = report.nodeCidrMaskSize;
    rows.push(['Node mask', [m.ipv4 !== undefined ? `/${m.ipv4}` : '', m.ipv6 !== undefined ? `/${m.ipv6} (IPv6)` : ''].filter(Boolean).join(' '), `(${m.source})`]);
  }
  const cols: Column<string[]>[] = [0, 1, 2].map((i) => ({ header: '', value: (r: string[]) => r[i] ?? '', flex: i === 2 }));
  return renderTable(rows, cols, { indent: 0, header: false, ...(width ? { width } : {}) });
}

const NODE_COLUMNS: Column<NodeCidrRow>[] = [
  { header: 'node', value: (r) => r.name },
  { header: 'internal IP', value: (r) => r.internalIPs.join('\n') },
  { header: 'podCIDR', value: (r) => (r.podCIDRs.length ? lines(r, (u) => u.cidr) : paint.dim('—')) },
  { header: 'origin', value: (r) => lines(r, (u) => (u.origin === 'node.spec.podCIDRs' ? 'node' : 'CiliumNode')), wide: true },
  { header: 'pods', value: (r) => String(r.pods), align: 'right' },
  { header: 'pod IPs', value: (r) => String(r.podIPs), align: 'right', wide: true },
  { header: 'max pods', value: (r) => (r.maxPods === null ? '—' : String(r.maxPods)), align: 'right', wide: true },
  { header: 'used/usable', value: (r) => lines(r, (u) => `${u.used ?? '?'}/${count(u)}`), align: 'right' },
  { header: 'use', value: (r) => lines(r, (u) => (u.utilisation === null ? '—' : `${u.utilisation}%`)), align: 'right' },
  { header: 'outside', value: (r) => String(r.outside.count), align: 'right', wide: true },
  { header: '', value: (r) => r.notes.map((n) => `${mark(toneOf(n.severity))} ${tone(toneOf(n.severity), n.text)}`).join(', '), flex: true },
];

function findings(list: Finding[], wide: boolean): string {
  if (list.length === 0) return `${mark('ok')} no findings`;
  const by = (s: Severity) => list.filter((f) => f.severity === s).length;
  const summary = (['error', 'warning', 'info'] as const).filter((s) => by(s) > 0).map((s) => `${by(s)} ${s}${by(s) > 1 ? 's' : ''}`);
  const out = [`Findings (${summary.join(', ')})`];
  const shown = wide ? Infinity : 3;
  for (const f of list) {
    out.push(`  ${mark(toneOf(f.severity))} ${f.message}`);
    for (const e of f.evidence.slice(0, shown)) out.push(paint.dim(`      ${e.what}: ${e.value}`));
    if (f.evidence.length > shown) out.push(paint.dim(`      … ${f.evidence.length - shown} more (-o wide or -o json)`));
  }
  return out.join('\n');
}

function claims(title: string, list: CidrClaim[]): string[] {
  if (list.length === 0) return [`${title}: no source in the snapshot`];
  return [
    `${title}:`,
    ...list.map((c) => `  ${c.cidrs.length ? c.cidrs.join(', ') : paint.dim('(no range)')}  ${c.detail} · ${c.confidence}${c.note ? ` · ${c.note}` : ''}`),
  ];
}

/** The human report; `wide` adds columns, every source consulted and all evidence. */
export function renderCidrText(report: CidrReport, opts: CidrTextOptions = {}): string {
  const wide = opts.wide ?? false;
  const t = report.totals;
  const parts = [header(report, wide, opts.width), ''];
  if (report.nodes.length) parts.push(renderTable(report.nodes, NODE_COLUMNS, { wide, ...(opts.width ? { width: opts.width } : {}) }), '');
  parts.push(paint.dim(`${t.nodes} nodes · ${t.pods} pods (${t.hostNetworkPods} hostNetwork not counted) · ${t.podIPs} pod IPs · ${t.services} services`), '');
  if (wide) parts.push(...claims('Service CIDR sources', report.serviceCidrs.claims), ...claims('Cluster CIDR sources', report.clusterCidrs.claims), '');
  parts.push(findings(report.findings, wide));
  if (report.gaps.length) parts.push('', paint.dim(`Not in the snapshot: ${report.gaps.join('; ')}`));
  return `${wrapText(parts.join('\n'), opts.width)}\n`;
}
