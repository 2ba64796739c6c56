/** Compares one oracle observation with the simulator's branches; lists every disagreement. */
import type { Branch, Finding, Step } from '../../../src/sim/index.js';
import type { Observation } from '../../lab/oracle.js';
import type { TraceEvent } from '../../lab/trace.js';

export interface Verdict {
  problems: string[];
  ruleNodesCompared: number;
}

const short = (pod?: string): string => (pod ?? '').split('/').pop() ?? '';

/** What a client sees for each of our dispositions. */
const SEEN: Record<string, string[]> = {
  delivered: ['answered'],
  rejected: ['refused', 'unreachable', 'reset'],
  dropped: ['timeout'],
  'no-route': ['timeout', 'unreachable'],
};

export function compareCase(o: Observation, branches: Branch[], findings: Finding[] = []): Verdict {
  const problems: string[] = [];
  // A packet delivered to a port nothing listens on is refused by the pod: netx says so with a finding.
  const portMismatch = findings.some((f) => f.code === 'target-port-mismatch' || f.code === 'port-not-declared');
  const seen = (b: Branch): string[] => [...(SEEN[b.disposition] ?? []), ...(b.disposition === 'delivered' && portMismatch ? ['refused'] : [])];
  for (const b of branches) if (b.disposition === 'uncertain' || b.disposition === 'insufficient-info') problems.push(`branch ${b.disposition}: ${b.reason}`);
  // Every observed outcome must be one a branch predicts.
  for (const key of Object.keys(o.outcomes)) {
    const [kind, who] = key.split(':');
    const ok = branches.some((b) => seen(b).includes(kind!) && (kind !== 'answered' || (short(b.endpoint?.pod) || (b.endpoint?.owner === 'external' ? 'external' : '')) === who));
    if (!ok) problems.push(`kernel saw ${key}; netx predicts ${branches.map((b) => `${b.disposition}${b.endpoint?.pod ? `:${short(b.endpoint.pod)}` : ''}`).join(', ')}`);
  }
  // Every predicted outcome must show up when the sample is large enough to see it (affinity pins clients: skip).
  const affinity = branches.some((b) => b.notes.some((n) => /affinity/.test(n)));
  if (!affinity) {
    for (const b of branches) {
      const expectSeen = o.attempts * b.probability >= 3;
      const observed = Object.keys(o.outcomes).some((k) => seen(b).includes(k.split(':')[0]!) && (k.split(':')[0] !== 'answered' || k === `answered:${short(b.endpoint?.pod) || 'external'}`));
      if (expectSeen && !observed) problems.push(`netx predicts ${b.disposition} ${short(b.endpoint?.pod)} with p=${b.probability.toFixed(3)}, never seen in ${o.attempts} attempts`);
    }
  }
  // The first attempt: its NAT tuple (conntrack on the source node) and its rule path on each node.
  // Several branches can end the same way (two endpoints behind a missing route): any of them may be the one.
  const candidates = o.first.kind === 'answered' ? branches.filter((b) => b.disposition === 'delivered' && (short(b.endpoint?.pod) || (b.endpoint?.owner === 'external' ? 'external' : '')) === (o.first as { by: string }).by) : branches.filter((b) => seen(b).includes(o.first.kind));
  let ruleNodesCompared = 0;
  if (candidates.length === 0) problems.push(`no predicted branch matches the first attempt (${JSON.stringify(o.first)})`);
  else {
    const srcNode = o.source.node;
    const entries = srcNode ? (o.conntrack[srcNode] ?? []) : [];
    const sport = (o.case as { sourcePort?: number }).sourcePort;
    const relevant = entries.filter((e) => sport === undefined || e.original.sport === sport);
    const delivered = candidates.filter((b) => b.disposition === 'delivered');
    if (relevant.length > 0 && delivered.length > 0) {
      const want = new Set(relevant.map((e) => `${e.reply.src}:${e.reply.sport}`));
      const got = delivered.map((b) => {
        const dnat = b.hops.find((h) => h.node === srcNode)?.steps.find((s) => s.kind === 'nat' && s.verdict === 'dnat');
        return dnat?.packetAfter ? `${dnat.packetAfter.daddr}:${dnat.packetAfter.dport}` : `${o.case.to.ip}:${o.case.to.port}`;
      });
      if (!got.some((g) => want.has(g))) problems.push(`conntrack on ${srcNode} shows ${[...want].join(', ')}; netx's NAT gives ${got.join(', ')}`);
    }
    for (const [node, events] of Object.entries(o.trace)) {
      if (events.length === 0) continue;
      const theirs = events.filter((e) => e.kind === 'rule' || e.kind === 'policy').map(kernelStep).join(' | ');
      const ours = candidates.map((b) => ruleSequence(b, node).join(' | ')).filter((x) => x !== '');
      if (ours.length === 0) continue;
      ruleNodesCompared++;
      if (!ours.includes(theirs)) problems.push(`rule path on ${node} differs:\n  kernel: ${theirs}\n  netx:   ${ours.join('\n  netx:   ')}`);
    }
  }
  return { problems, ruleNodesCompared };
}

function kernelStep(e: TraceEvent): string {
  return `${e.family} ${e.table} ${e.chain} ${e.kind === 'policy' ? `policy ${e.verdict}` : e.verdict}`;
}

/** Our rule sequence on one node for the inner packet (the tunnel's outer packet is not traced by the oracle). */
export function ruleSequence(b: Branch, node: string): string[] {
  const out: string[] = [];
  let outer = false;
  for (const h of b.hops) {
    for (const s of h.steps) {
      if (s.kind === 'encap') outer = true;
      if (s.kind === 'decap') outer = false;
      if (h.node !== node || outer || !(s.kind === 'netfilter' || s.kind === 'nat') || s.detail?.entered || !s.table || !s.verdict) continue;
      out.push(`${s.table} ${s.chain} ${ourVerdict(s)}`);
    }
  }
  return out;
}

function ourVerdict(s: Step): string {
  const v = s.verdict ?? '';
  if (s.kind === 'nat') return 'accept';
  if (v.startsWith('reject')) return 'drop';
  return v;
}
