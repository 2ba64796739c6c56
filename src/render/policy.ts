/**
 * `kubectl netx policy` output: the verdict first, who enforces it, then each flow's two sides
 * (egress of the source, ingress of the destination) with the policies that isolate them and the
 * rule that allows the flow or why none does; assumptions and findings last. Prints, computes nothing.
 */
import type { PolicyReport } from '../analyze/policy/index.js';
import type { EndSummary, PolicyVerdict, RuleRef, SideVerdict } from '../analyze/policy/types.js';
import type { Finding } from '../sim/trace.js';
import { renderJson } from './json.js';
import { renderYaml } from './yaml.js';
import { findingTone, mark, paint, tone, type Tone } from './style.js';

export type PolicyFormat = 'text' | 'wide' | 'json' | 'yaml';

export function renderPolicy(report: PolicyReport, format: PolicyFormat): string {
  if (format === 'json') return renderJson(report);
  if (format === 'yaml') return renderYaml(report);
  return renderPolicyText(report, { wide: format === 'wide' });
}

/**
 * `-o name`: the NetworkPolicies that select either side of a flow (they decide the verdict), as
 * kubectl names them (without the namespace).
 */
export function policyNames(r: PolicyReport): string[] {
  const names = r.verdicts.flatMap((v) => [...v.egress.selectedBy, ...v.ingress.selectedBy]);
  return [...new Set(names.map((n) => `networkpolicy.networking.k8s.io/${n.split('/').pop()}`))];
}

const VERDICT_TONE: Record<PolicyVerdict['kind'], Tone> = { allowed: 'ok', denied: 'error', uncertain: 'warning' };
const SIDE_TONE: Record<SideVerdict['kind'], Tone> = { unrestricted: 'ok', allowed: 'ok', denied: 'error', uncertain: 'warning' };

const endText = (e: EndSummary): string => {
  const where = e.node ? `, node ${e.node}` : '';
  if (e.kind === 'pod') return `${e.name} (${e.ip}${where})`;
  if (e.owner === 'node') return `node ${e.name ?? ''} (${e.ip})`;
  if (e.owner === 'host-network-pod') return `${e.name} (hostNetwork, ${e.ip}${where})`;
  return `${e.ip} (external)`;
};

export function renderPolicyText(r: PolicyReport, opts: { wide?: boolean } = {}): string {
  const d = r.destination;
  const dst = d.kind === 'service' ? `service ${d.name} ${d.ip}${d.port ? `:${d.port}` : ''}` : d.kind === 'pod' ? `${d.name} (${d.ip})` : d.kind === 'node' ? `node ${d.name} (${d.ip})` : d.ip;
  const lines = [`${endText(r.source)} → ${dst}`];
  const n = r.verdicts.length;
  const counts = n > 1 ? ` on ${r.verdicts.filter((v) => v.kind === r.verdict).length} of ${n} flows` : '';
  const first = r.verdicts.find((v) => v.kind === r.verdict);
  lines.push(`${paint.bold(tone(VERDICT_TONE[r.verdict], r.verdict.toUpperCase()))}${counts}${first && n === 1 ? ` · ${first.reason.replace(/^\w+: /, '')}` : ''}`);
  const ev = [...new Set(r.enforcement.evidence.map((e) => e.evidence))];
  const shown = opts.wide ? ev.length : 3;
  lines.push(`NetworkPolicy ${r.enforcement.summary}${ev.length ? ` — ${ev.slice(0, shown).join('; ')}${ev.length > shown ? `; +${ev.length - shown} more (-o wide)` : ''}` : ''}`);
  for (const v of r.verdicts) lines.push('', ...flowBlock(v, n > 1));
  const notes = [...new Set(r.verdicts.flatMap((v) => v.notes))];
  if (notes.length) lines.push('', 'Assumptions and ambiguities', ...notes.map((x) => `  ${mark('info')} ${x}`));
  lines.push('', 'Findings');
  if (r.findings.length === 0) lines.push(`  ${mark('ok')} nothing to report`);
  for (const f of r.findings) lines.push(...finding(f));
  return `${lines.join('\n')}\n`;
}

function flowBlock(v: PolicyVerdict, many: boolean): string[] {
  const f = v.flow;
  const head = `${f.port}/${f.protocol.toUpperCase()} → ${endText(f.destination)}`;
  const out = many ? [`${tone(VERDICT_TONE[v.kind], v.kind.toUpperCase())}  ${head}`] : [`  ${head}`];
  out.push(...side(v.egress, 'egress ', f.source), ...side(v.ingress, 'ingress', f.destination));
  return out;
}

function side(s: SideVerdict, label: string, end: EndSummary): string[] {
  const who = s.pod ?? endText(end);
  const state = s.kind === 'unrestricted' ? 'not isolated' : s.kind;
  const why = s.selectedBy.length ? `isolated by ${s.selectedBy.join(', ')}` : s.reason;
  const out = [`  ${label}  ${who.padEnd(24)} ${tone(SIDE_TONE[s.kind], state.padEnd(13))} ${why}`];
  for (const r of s.allowedBy) out.push(`      ${mark('ok')} ${rule(r)}`);
  for (const r of s.uncertainBy) out.push(`      ${mark('warning')} may allow: ${rule(r)}`);
  if (s.kind === 'denied') {
    if (s.misses.length === 0) out.push(`      ${mark('error')} no ${s.direction} rules: the selecting policies deny all ${s.direction}`);
    for (const r of s.misses) out.push(`      ${mark('error')} ${rule(r)}`);
  }
  return out;
}

const rule = (r: RuleRef): string => `${r.policy} ${r.direction}[${r.rule}]${r.peer !== undefined ? ` peer ${r.peer}` : ''}${r.port !== undefined ? ` port ${r.port}` : ''}: ${r.reason}`;

function finding(f: Finding): string[] {
  const t: Tone = findingTone(f);
  const out = [`  ${mark(t)} ${f.message}`];
  for (const e of f.evidence ?? []) out.push(`      ${paint.dim(e)}`);
  if (f.hint) out.push(`      ${paint.dim(`hint: ${f.hint}`)}`);
  return out;
}
