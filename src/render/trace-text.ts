/**
 * `kubectl netx trace` as text: the verdict first, the endpoints and their odds, then the paths that
 * matter hop by hop, then findings. By default a path is shown for each way the packet fails (the
 * most likely branch of each), or, when every path is delivered, the one that crosses the most nodes;
 * the table names the others. -v shows every path with every rule evaluated.
 */
import { isFailure, type Branch, type DnsInfo, type Finding, type RuleAction, type Step, type Trace, type TraceEnd } from '../sim/trace.js';
import { hostPort } from '../sim/packet.js';
import { findingTone, mark, paint, tone, type Tone } from './style.js';
import { pct, stepLine, storySteps } from './trace-story.js';
import { endpointsTable } from './trace-endpoints.js';

export interface TraceTextOptions {
  /** Every path, every step and every rule evaluated (`-v`; a level above 0, or true). */
  verbose?: boolean | number;
  /** The terminal's width: the endpoints table wraps its last column to fit. */
  width?: number;
  /** `-o wide`: the endpoints table adds the nodes crossed and the packet as it arrives. */
  wide?: boolean;
}

const detailed = (o: TraceTextOptions): boolean => o.verbose === true || (typeof o.verbose === 'number' && o.verbose > 0);

export function renderTraceText(traces: Trace[], opts: TraceTextOptions = {}): string {
  return traces.map((t) => renderOne(t, opts)).join('\n');
}

function endLabel(e: TraceEnd, withPort: boolean): string {
  const addr = withPort && e.port !== undefined ? `${hostPort(e.ip, e.port)}/${e.protocol.toUpperCase()}` : e.ip;
  switch (e.kind) {
    case 'pod':
      return `${e.name} (${addr}${e.node ? `, node ${e.node}` : ''})`;
    case 'service':
      return `service ${e.name} ${addr}${e.portName ? ` (${e.portName})` : ''}`;
    case 'node':
      return `node ${e.name} (${addr})`;
    case 'ip':
      // An outside client: `external:IP`, and the node its packet enters.
      return e.name?.startsWith('external') ? `${e.name === `external:${e.ip}` ? 'outside client' : e.name} ${addr}${e.node ? ` (enters node ${e.node})` : ''}` : addr;
  }
}

function headline(t: Trace): string {
  const n = t.branches.length;
  const ok = t.branches.filter((b) => b.disposition === 'delivered');
  const word = t.disposition.toUpperCase();
  const out = t.branches.filter((b) => b.disposition === 'egress');
  // Every row is counted: the headline follows from the table under it.
  const part = (list: typeof ok, what: string): string => (list.length > 0 ? ` · ${what} ${list.length} (${pct(list.reduce((s, b) => s + b.probability, 0))})` : '');
  if (t.disposition === 'delivered') return `${tone('ok', `DELIVERED on ${ok.length} of ${n} path${n === 1 ? '' : 's'}`)}${part(out, 'leaves the cluster on')}`;
  if (!isFailure(t.disposition)) return `${tone('ok', `LEAVES THE CLUSTER on ${out.length} of ${n} path${n === 1 ? '' : 's'}`)}${part(ok, 'delivered on')} · ${out[0]?.reason ?? ''}`;
  const failing = t.branches.filter((b) => b.disposition === t.disposition);
  const mass = failing.reduce((s, b) => s + b.probability, 0);
  const reason = failing[0]?.reason ?? '';
  const rest = `${part(ok, 'delivered on')}${part(out, 'leaves the cluster on')}`;
  const t0: Tone = t.disposition === 'uncertain' || t.disposition === 'insufficient-info' ? 'warning' : 'error';
  return `${tone(t0, `${word} on ${failing.length} of ${n} path${n === 1 ? '' : 's'} (${pct(mass)})`)}${rest}${reason ? ` · ${reason}` : ''}`;
}

function endpointCell(b: Branch): string {
  if (b.endpoint) {
    const who = b.endpoint.pod ?? (b.endpoint.owner === 'node' ? `node ${b.endpoint.node}` : '');
    return `${who ? `${who}  ` : ''}${hostPort(b.endpoint.ip, b.endpoint.port)}`;
  }
  return b.final ? hostPort(b.final.daddr, b.final.dport) : '';
}

function renderOne(t: Trace, opts: TraceTextOptions): string {
  const lines: string[] = [];
  lines.push(`${t.role === 'dns-query' ? 'DNS query: ' : ''}${endLabel(t.source, false)} → ${endLabel(t.destination, true)}`);
  lines.push(headline(t));
  if (t.dns && t.role !== 'dns-query') lines.push(...dnsLines(t.dns));
  if (t.ingress) {
    const r = t.ingress;
    lines.push('', `Ingress ${r.ingress}: ${r.host}${r.path} → ${r.backend ? `service ${r.backend.service}${r.backend.port ? `:${r.backend.port}` : ''}` : 'no service'} (${r.matched})`);
    for (const n of r.notes) lines.push(`  ${paint.dim(`note: ${n}`)}`);
  }
  lines.push('');
  lines.push(endpointsTable(t, { wide: opts.wide === true, ...(opts.width ? { width: opts.width } : {}) }));
  const all = detailed(opts);
  const shown = all ? t.branches.map((_, i) => i) : pathsToShow(t.branches);
  for (const i of shown) lines.push('', ...pathLines(t, i, all));
  const hidden = t.branches.length - shown.length;
  if (hidden > 0) lines.push('', paint.dim(`${hidden === 1 ? '1 more path' : `${hidden} more paths`} in the table above: -v shows every path step by step, with every rule evaluated`));
  if (t.labels && t.labels.length > 0 && all) {
    lines.push('', 'Addresses');
    for (const l of t.labels) lines.push(`  ${l.address.padEnd(16)} ${l.kind} ${l.name ?? ''}${l.node ? ` (node ${l.node})` : ''}`);
  }
  lines.push('', 'Findings');
  if (t.findings.length === 0) lines.push(`  ${mark('ok')} nothing to report`);
  for (const f of t.findings) lines.push(...finding(f));
  return `${lines.join('\n')}\n`;
}

/**
 * The branches worth showing without -v: for each way the packet fails (disposition and reason) its
 * most likely branch; when nothing fails (delivered, or leaving the cluster), the one crossing the
 * most nodes.
 */
function pathsToShow(branches: Branch[]): number[] {
  const failing = new Map<string, number>();
  branches.forEach((b, i) => {
    if (!isFailure(b.disposition)) return;
    const key = `${b.disposition}\0${b.reason}`;
    const prev = failing.get(key);
    if (prev === undefined || branches[prev]!.probability < b.probability) failing.set(key, i);
  });
  if (failing.size > 0) return [...failing.values()].sort((a, b) => a - b);
  if (branches.length === 0) return [];
  const nodes = (b: Branch): number => new Set(b.hops.map((h) => h.node)).size;
  let best = 0;
  branches.forEach((b, i) => {
    if (nodes(b) > nodes(branches[best]!)) best = i;
  });
  return [best];
}

/** A rule that did something to the packet (not a jump, goto, return or mark): its text is printed under it. */
/** Moving between chains, or matching without a verdict, decides nothing about the packet. */
const PASSING: readonly (RuleAction | undefined)[] = ['jump', 'goto', 'return', 'continue'];
const decides = (s: Step): boolean => !PASSING.includes(s.action);

/**
 * One path hop by hop: the steps that decided, each citing its table, chain and line, with the rule's
 * text under the ones that acted on the packet; with `all`, every step, every rule's text and every
 * rule evaluated.
 */
function pathLines(t: Trace, i: number, all: boolean): string[] {
  const b = t.branches[i]!;
  const lines = [paint.bold(`Path ${i + 1} of ${t.branches.length} (${pct(b.probability)}) → ${b.disposition}${b.endpoint ? ` at ${endpointCell(b)}` : ''}`)];
  let n = 0;
  for (const h of b.hops) {
    lines.push(`  ${paint.bold(h.node)}`);
    for (const s of storySteps(h.steps, all)) {
      n++;
      lines.push(`  ${String(n).padStart(3)}  ${stepLine(s)}`);
      if (s.rule && (s.kind === 'netfilter' || s.kind === 'nat') && s.table && (all || decides(s))) lines.push(`       ${paint.dim(s.rule)}`);
      if (all && s.evaluated) for (const e of s.evaluated) lines.push(`       ${paint.dim(`${e.result.padEnd(10)} ${e.chain}${e.line ? ` line ${e.line}` : e.handle !== undefined ? ` handle ${e.handle}` : ''}: ${e.rule}`)}`);
    }
  }
  if (b.disposition !== 'delivered') lines.push(`  ${mark(isFailure(b.disposition) ? 'error' : 'ok')} ${b.disposition}: ${b.reason}`);
  for (const note of b.notes) lines.push(`  ${paint.dim(`note: ${note}`)}`);
  return lines;
}

/** How the pod resolved the name: its resolv.conf, each candidate tried, the DNS service. */
function dnsLines(d: DnsInfo): string[] {
  const out = ['', `DNS: ${d.name} → ${d.answer ?? 'no answer in the cluster'}`];
  out.push(`  resolv.conf (dnsPolicy ${d.dnsPolicy}): ${d.resolvConf.split('\n').join(' · ') || '(empty)'}`);
  out.push(`  cluster domain ${d.clusterDomain} (${d.clusterDomainSource}); nameserver from ${d.nameserverSource}`);
  d.attempts.forEach((a, i) => out.push(`  ${String(i + 1).padStart(2)}. ${a.query}  ${paint.dim(a.result)}`));
  if (d.dnsService) {
    const eps = d.dnsService.endpoints.map((e) => `${e.pod ?? e.ip}${e.ready ? '' : ' (not ready)'}`).join(', ');
    out.push(`  DNS service ${d.dnsService.name} ${d.dnsService.ip}: ${eps || 'no endpoints'}`);
  }
  for (const n of d.notes) out.push(`  ${paint.dim(`note: ${n}`)}`);
  return out;
}

function finding(f: Finding): string[] {
  const m = mark(findingTone(f));
  const out = [`  ${m} ${f.message}`];
  for (const e of f.evidence ?? []) out.push(`    ${paint.dim(e)}`);
  if (f.hint) out.push(`    ${paint.dim(`try: ${f.hint}`)}`);
  return out;
}

