/**
 * Text and wide output of `kubectl netx proxy-mode` (ux.md sketch): the configured mode and its
 * source, a per-node table (effective mode, evidence, iptables backend, kube-proxy version), then
 * findings with evidence and next steps. Prints the report, computes nothing.
 */
import type { Agreement, ConfigSource, ConfiguredMode, Finding, NodeProxyMode, ProxyModeReport } from '../analyze/proxy-mode/types.js';
import { mark, paint, plainMark, tone, type Tone } from './style.js';
import { renderTable, wrapText, type Column } from './table.js';

export interface ProxyModeTextOptions {
  wide?: boolean;
  /** The terminal's width: long cells wrap inside their column. */
  width?: number;
}

/** `-o name`: the nodes. */
export const proxyModeNames = (r: ProxyModeReport): string[] => r.nodes.map((n) => `node/${n.node}`);

const sourceText = (s: ConfigSource): string => (s.kind === 'absent' ? s.evidence : `${s.object}, ${s.evidence}`);

function configuredLabel(c: ConfiguredMode): string {
  switch (c.mode) {
    case 'none':
      return tone('error', 'no kube-proxy');
    case 'replaced':
      return 'replaced (no kube-proxy)';
    case 'unknown':
    case 'unrecognised':
      return tone('warning', c.mode);
    default:
      return c.defaulted ? `${c.mode} (default)` : c.mode;
  }
}

function configuredBlock(c: ConfiguredMode, wide: boolean, width: number | undefined): string {
  const decided = c.decidedBy !== undefined ? c.sources[c.decidedBy] : undefined;
  const first = decided ? `(${sourceText(decided)})` : c.sources[0] ? `(${sourceText(c.sources[0])})` : '(no kube-proxy configuration found)';
  const rows: string[][] = [['Configured', paint.bold(configuredLabel(c)), first]];
  c.sources.forEach((s, i) => {
    if (s === decided || (!decided && i === 0)) return;
    const label = s.kind === 'hint' ? 'hint' : s.kind === 'replacement' ? 'replacement' : 'also';
    rows.push(['', label, sourceText(s)]);
  });
  if (wide || c.assumptions.length > 0) for (const a of c.assumptions) rows.push(['', 'assumed', a]);
  const cols: Column<string[]>[] = [0, 1, 2].map((i) => ({ header: '', value: (r: string[]) => r[i] ?? '', flex: i === 2 }));
  return renderTable(rows, cols, { indent: 0, header: false, ...(width ? { width } : {}) });
}

const effectiveText = (n: NodeProxyMode): string => {
  const e = n.effective;
  if (e.kind === 'known') return e.mode;
  if (e.kind === 'none') return 'none';
  if (e.kind === 'ambiguous') return tone('warning', e.candidates.join('+') + '?');
  return paint.dim('unknown');
};

const evidenceText = (n: NodeProxyMode): string => {
  const e = n.effective;
  if (e.kind === 'unknown') return paint.dim(`unknown — ${e.reason}`);
  return e.summary;
};

const backendText = (n: NodeProxyMode): string => {
  const b = n.backend.backend;
  if (b === 'not-applicable') return paint.dim(n.backend.node && n.backend.node.backend !== 'unknown' ? `— (node: ${n.backend.node.backend === 'nf_tables' ? 'nft' : n.backend.node.backend})` : '—');
  if (b === 'nf_tables') return 'nft';
  return b === 'unknown' ? paint.dim('?') : b;
};

const NODE_COLUMNS: Column<NodeProxyMode>[] = [
  { header: 'node', value: (n) => n.node },
  { header: 'effective', value: effectiveText },
  { header: 'basis', value: (n) => (n.effective.kind === 'known' ? n.effective.basis : ''), wide: true },
  { header: 'evidence', value: evidenceText, flex: true },
  { header: 'all signals', value: (n) => n.signals.map((s) => signalLine(s)).join('\n') || paint.dim('—'), wide: true, flex: true },
  { header: 'backend', value: backendText },
  { header: 'backend evidence', value: (n) => n.backend.evidence, wide: true, flex: true },
  { header: 'kube-proxy', value: (n) => (n.kubeProxy?.version ? `${n.kubeProxy.version}${n.kubeProxy.via === 'daemonset-image' ? paint.dim(' (DaemonSet)') : ''}` : paint.dim('—')) },
  { header: 'pod', value: (n) => n.kubeProxy?.pod ?? (n.kubeProxy?.via === 'daemonset-image' ? 'DaemonSet image' : n.kubeProxy?.via === 'process' ? 'host process' : paint.dim('—')), wide: true },
  { header: '', value: (n) => (n.differs ? tone('warning', '! differs') : '') },
];

function signalLine(s: NodeProxyMode['signals'][number]): string {
  switch (s.kind) {
    case 'proxy-mode-endpoint':
      return `/proxyMode: ${s.value}`;
    case 'iptables-services':
      return `${s.dump}: KUBE-SERVICES ${s.rules} rules (${s.serviceRules} to services, ${s.ipvsSetRules} ipset)`;
    case 'nft-table':
      return `nft: ${s.family} kube-proxy ${s.chains} chains, ${s.rules} rules`;
    case 'ipvs-link':
      return 'link: kube-ipvs0';
    case 'ipvs-services':
      return `ipvs: ${s.services} virtual servers`;
  }
}

function findingBlock(f: Finding): string {
  const lines = [`${mark(f.severity)} ${f.message}`];
  for (const e of f.evidence) lines.push(`    ${paint.dim(e)}`);
  for (const s of f.nextSteps) lines.push(`    → ${s}`);
  return lines.join('\n');
}

/** Up to four names, then how many more: a note stays one line on a big cluster. */
function names(list: string[]): string {
  return list.length <= 4 ? list.join(', ') : `${list.slice(0, 3).join(', ')} and ${list.length - 3} more nodes`;
}

/**
 * Dumps not read that did not matter (other evidence decides the node's mode): dim notes at the
 * end, one line per dump across nodes, without the probe's own command and error text (that is for
 * `-o wide`, one line per node with the command, why it failed and what decided instead).
 */
function unreadableNotes(nodes: NodeProxyMode[], wide: boolean): string[] {
  const notes = nodes.flatMap((n) => n.unreadable.filter((u) => u.severity === 'info').map((u) => ({ node: n.node, ...u })));
  if (wide) return notes.map((u) => paint.dim(`${plainMark('info')} note: ${u.dump} not read on ${u.node} (${u.reason}) — ${u.impact}`));
  const groups = new Map<string, string[]>();
  for (const u of notes) groups.set(u.dump, [...(groups.get(u.dump) ?? []), u.node]);
  return [...groups].map(([dump, on]) => paint.dim(`${plainMark('info')} note: ${dump} not read on ${names([...new Set(on)])} — could not change the answer (-o wide: why)`));
}

const AGREEMENT_TONE: Record<Agreement['kind'], Tone> = { agree: 'ok', partial: 'warning', differ: 'warning', unchecked: 'warning', unconfigured: 'warning' };

/** The human report. */
export function renderProxyModeText(r: ProxyModeReport, opts: ProxyModeTextOptions = {}): string {
  const wide = opts.wide ?? false;
  const parts = [configuredBlock(r.configured, wide, opts.width)];
  if (r.nodes.length > 0) parts.push(renderTable(r.nodes, NODE_COLUMNS, { wide, ...(opts.width ? { width: opts.width } : {}) }));
  else parts.push(paint.dim('  no nodes in the snapshot'));
  const lines = [`${mark(AGREEMENT_TONE[r.agreement.kind])} ${r.agreement.summary}`];
  lines.push(...r.findings.map(findingBlock));
  parts.push(lines.join('\n'));
  const notes = unreadableNotes(r.nodes, wide);
  if (notes.length) parts.push(notes.join('\n'));
  return `${wrapText(parts.join('\n\n'), opts.width)}\n`;
}
