/**
 * `kubectl netx policy` output: the verdict first, who enforces it, then each flow's two sides
 * (egress of the source, ingress of the destination) with the policies that isolate them and the
 * rule that allows the flow or why none does; assumptions and findings last. Prints, computes nothing.
 */
import { effectiveVerdict, type PolicyReport } from '../analyze/policy/index.js';
import type { EndSummary, PolicyVerdict, PolicyVerdictKind, RuleRef, SideVerdict } from '../analyze/policy/types.js';
import type { Finding } from '../sim/trace.js';
import { findingTone, mark, paint, tone, type Tone } from './style.js';

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
  const kinds = r.verdicts.map((_, i) => effectiveVerdict(r, i));
  const counts = n > 1 ? ` on ${kinds.filter((k) => k === r.verdict).length} of ${n} flows` : '';
  const at = kinds.indexOf(r.verdict);
  const first = at >= 0 ? r.verdicts[at] : undefined;
  const split = r.dataplane?.flows.find((f) => f.verdict === at && f.outcome === 'delivered');
  const why = split ? `NetworkPolicy denies it, the node dumps deliver it: they disagree` : first?.reason.replace(/^\w+: /, '');
  lines.push(`${paint.bold(tone(VERDICT_TONE[r.verdict], r.verdict.toUpperCase()))}${counts}${first && n === 1 && why ? ` · ${why}` : ''}`);
  // The header names what enforces: other engines' marks (flannel's chains) are for -o wide.
  const named = opts.wide || r.enforcement.kind !== 'enforcing' ? r.enforcement.evidence : r.enforcement.evidence.filter((e) => e.enforces);
  const ev = [...new Set(named.map((e) => e.evidence))];
  const shown = opts.wide ? ev.length : 3;
  lines.push(`NetworkPolicy ${r.enforcement.summary}${ev.length ? ` — ${ev.slice(0, shown).join('; ')}${ev.length > shown ? `; +${ev.length - shown} more (-o wide)` : ''}` : ''}`);
  r.verdicts.forEach((v, i) => lines.push('', ...flowBlock(v, kinds[i]!, n > 1), ...dataplaneLines(r, i)));
  if (r.dataplane?.notChecked) lines.push('', `  ${mark('info')} dataplane not checked: ${r.dataplane.notChecked}`);
  const notes = [...new Set(r.verdicts.flatMap((v) => v.notes))];
  if (notes.length) lines.push('', 'Assumptions and ambiguities', ...notes.map((x) => `  ${mark('info')} ${x}`));
  lines.push('', 'Findings');
  if (r.findings.length === 0) lines.push(`  ${mark('ok')} nothing to report`);
  for (const f of r.findings) lines.push(...finding(f));
  return `${lines.join('\n')}\n`;
}

function flowBlock(v: PolicyVerdict, kind: PolicyVerdictKind, many: boolean): string[] {
  const f = v.flow;
  const head = `${f.port}/${f.protocol.toUpperCase()} → ${endText(f.destination)}`;
  const out = many ? [`${tone(VERDICT_TONE[kind], kind.toUpperCase())}  ${head}`] : [`  ${head}`];
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

/** What the node dumps do with a denied flow (when it was walked). */
function dataplaneLines(r: PolicyReport, i: number): string[] {
  const f = r.dataplane?.flows.find((x) => x.verdict === i);
  if (!f) return [];
  const what = f.outcome === 'delivered' ? `${mark('warning')} the node dumps deliver it (${f.reason}): the dataplane disagrees with the denial` : f.outcome === 'stopped' ? `${mark('ok')} the node dumps stop it too (${f.reason})` : `${mark('info')} the node dumps do not tell (${f.reason})`;
  return [`  dataplane ${what}`];
}

const rule = (r: RuleRef): string => `${r.policy} ${r.direction}[${r.rule}]${r.peer !== undefined ? ` peer ${r.peer}` : ''}${r.port !== undefined ? ` port ${r.port}` : ''}: ${r.reason}`;

function finding(f: Finding): string[] {
  const t: Tone = findingTone(f);
  const out = [`  ${mark(t)} ${f.message}`];
  for (const e of f.evidence ?? []) out.push(`      ${paint.dim(e)}`);
  if (f.hint) out.push(`      ${paint.dim(`hint: ${f.hint}`)}`);
  return out;
}
