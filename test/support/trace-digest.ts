/**
 * A trace as compact text, one line per step, for golden files: everything a trace says (dispositions, reasons,
 * causes, odds, every step with its rule reference, verdict and packet change, the rules evaluated on the way (`-v`)
 * counted by result, notes, findings) except the rule text, which the line or handle names. A change anywhere in the walk
 * shows up as a line of diff a reviewer can read.
 */
import type { PacketView } from '../../src/sim/packet.js';
import type { Branch, EvaluatedRule, Finding, Step, Trace } from '../../src/sim/trace.js';

const packet = (p: PacketView): string =>
  `${p.proto} ${p.saddr}${p.sport === undefined ? '' : `:${p.sport}`} > ${p.daddr}${p.dport === undefined ? '' : `:${p.dport}`}` +
  `${p.iif ? ` iif=${p.iif}` : ''}${p.oif ? ` oif=${p.oif}` : ''} mark=${p.mark} ct=${p.ctState}/${p.ctMark}`;

/** The fields a line shows besides its summary: those whose value the summary does not already spell out. */
const fields = (o: object, keys: readonly string[], summary: string): string =>
  keys.flatMap((k) => {
    const v = (o as Record<string, unknown>)[k];
    const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return v === undefined || summary.includes(text) ? [] : [`${k}=${text}`];
  }).join(' ');

const STEP_KEYS = ['table', 'chain', 'hook', 'priority', 'line', 'handle', 'verdict', 'action', 'target', 'dst', 'tunnel', 'assumption', 'detail'] as const;

/** The rules a step evaluated (`-v`), in short: how many gave each result, and the runs it shows as one entry. */
function evaluated(rules: EvaluatedRule[]): string {
  const counts = new Map<string, number>();
  for (const e of rules) counts.set(e.result, (counts.get(e.result) ?? 0) + 1);
  const results = [...counts].map(([r, n]) => `${n}× ${r}`);
  return ['evaluated', ...results, ...rules.filter((e) => e.skipped).map((e) => e.rule)].join(' · ');
}

/** A step's line, and the packet under it whenever it differs from the last packet the branch showed. */
function stepLines(s: Step, seen: { packet?: string }): string[] {
  const out = [`      ${s.kind} ${fields(s, STEP_KEYS, s.summary)} | ${s.summary}`];
  if ('evaluated' in s && s.evaluated?.length) out.push(`        ${evaluated(s.evaluated)}`);
  for (const view of [s.packetBefore, s.packetAfter]) {
    const text = view ? packet(view) : undefined;
    if (text === undefined || text === seen.packet) continue;
    out.push(`        packet ${text}`);
    seen.packet = text;
  }
  return out;
}

export function branchLines(b: Branch): string[] {
  const head = `  branch p=${b.probability.toFixed(6)} ${b.disposition}: ${b.reason}${b.cause ? ` cause=${JSON.stringify(b.cause)}` : ''}${b.affinity ? ` affinity=${b.affinity}` : ''}`;
  const ends = [
    ...(b.endpoint ? [`    endpoint ${JSON.stringify(b.endpoint)}`] : []),
    ...(b.endpoints ?? []).map((e) => `    share ${e.probability.toFixed(6)} ${JSON.stringify({ ...e, probability: undefined })}`),
    ...(b.final ? [`    final ${packet(b.final)}`] : []),
    ...(b.egress ? [`    egress ${JSON.stringify(b.egress)}`] : []),
    ...b.notes.map((n) => `    note ${n}`),
  ];
  const seen = {};
  const hops = b.hops.flatMap((h) => [`    hop ${h.node} ${h.namespace}`, ...h.steps.flatMap((s) => stepLines(s, seen))]);
  return [head, ...ends, ...hops];
}

const findingLine = (f: Finding): string => `  finding ${f.severity} ${f.code}: ${f.message}${f.evidence ? ` evidence=${JSON.stringify(f.evidence)}` : ''}`;

export function traceDigest(t: Trace): string {
  const { branches, findings, ...rest } = t;
  return [`trace ${JSON.stringify(rest)}`, ...branches.flatMap(branchLines), ...findings.map(findingLine)].join('\n');
}
