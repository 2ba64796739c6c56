/** Compares one oracle observation with the simulator's branches; lists every disagreement. */
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { traceRequest } from '../../../src/analyze/trace/index.js';
import { buildWorld, type NodeBuilder } from '../../../src/analyze/trace/world.js';
import { undeclaredPorts } from '../../../src/analyze/trace/path-findings.js';
import { newPacket, simulate, mergeBranches, type Branch, type Finding, type Step } from '../../../src/sim/index.js';
import { isFailure, type Trace } from '../../../src/sim/trace.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import type { Observation } from '../../lab/oracle.js';
import type { TraceEvent } from '../../lab/trace.js';

export interface Prediction {
  branches: Branch[];
  findings: Finding[];
  /** The whole trace when it came from `traceRequest` (not from a bare walk). */
  trace?: Trace;
}

/**
 * netx's prediction for one observed case: the case's own `netx` request when it names one (the
 * `dns-query` trace for `--dns`), else a trace from the source pod to ip:port, or, from the underlay,
 * a walk that enters the node owning the destination address.
 */
export function predictCase(snapshot: Snapshot, o: Observation, buildNode: NodeBuilder = buildNodeModel): Prediction {
  const proto = o.case.to.protocol.toLowerCase() as 'tcp' | 'udp';
  const sport = o.case.sourcePort;
  const req = o.case.netx;
  if (req) {
    const r = traceRequest(snapshot, { src: req.src, dst: req.dst, namespace: 'default', ...(req.fromNode ? { fromNode: req.fromNode } : {}), ...(req.dns ? { dns: true } : {}), ...(req.family ? { family: req.family } : {}), ...(sport ? { sport } : {}) }, { buildNode });
    // Several traces (a headless service: one per endpoint): the one to the probed address.
    const trace = req.dns ? r.traces.find((t) => t.role === 'dns-query') : (r.traces.find((t) => t.destination.ip === o.case.to.ip && t.destination.port === o.case.to.port) ?? r.traces[0]);
    if (!trace) throw new Error(`netx gave no ${req.dns ? 'dns-query ' : ''}trace for ${req.src} → ${req.dst}`);
    return { branches: trace.branches, findings: trace.findings, trace };
  }
  if (o.source.namespace === 'pod') {
    const host = o.case.to.ip.includes(':') ? `[${o.case.to.ip}]` : o.case.to.ip;
    const r = traceRequest(snapshot, { src: o.case.from, dst: `${host}:${o.case.to.port}`, namespace: 'default', protocol: proto, ...(sport ? { sport } : {}) }, { buildNode });
    return { branches: r.traces[0]!.branches, findings: r.traces[0]!.findings, trace: r.traces[0]! };
  }
  // From the underlay (outside the cluster): arrives on the interface of the node that owns the address.
  const tw = buildWorld(snapshot, buildNode);
  const node = tw.world.nodeByAddr.get(o.case.to.ip)!;
  const iif = tw.models.get(node)!.addresses.find((a) => a.local === o.case.to.ip)?.ifname;
  // Without the node's addresses (an addr dump lost) nothing says where the packet enters.
  if (iif === undefined) return { branches: [{ probability: 1, disposition: 'insufficient-info', reason: `${node} shows no interface holding ${o.case.to.ip}`, hops: [], notes: [] }], findings: [] };
  const branches = mergeBranches(simulate(tw.world, newPacket({ proto, saddr: o.source.ip, daddr: o.case.to.ip, dport: o.case.to.port }), { kind: 'interface', node, iif }));
  return { branches, findings: undeclaredPorts(snapshot, branches) };
}

export interface Verdict {
  problems: string[];
  ruleNodesCompared: number;
}

const short = (pod?: string): string => (pod ?? '').split('/').pop() ?? '';

/** What a client sees for each of our dispositions. */
export const SEEN: Record<string, string[]> = {
  delivered: ['answered'],
  rejected: ['refused', 'unreachable', 'reset'],
  dropped: ['timeout'],
  'no-route': ['timeout', 'unreachable'],
  // Out of the cluster: the lab's outside server answers whatever reaches it.
  egress: ['answered'],
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
  const candidates = o.first.kind === 'answered' ? branches.filter((b) => !isFailure(b.disposition) && (short(b.endpoint?.pod) || (b.endpoint?.owner === 'external' ? 'external' : '')) === (o.first as { by: string }).by) : branches.filter((b) => seen(b).includes(o.first.kind));
  let ruleNodesCompared = 0;
  if (candidates.length === 0) problems.push(`no predicted branch matches the first attempt (${JSON.stringify(o.first)})`);
  else {
    // The node whose conntrack holds the flow: the source pod's, or the node an outside client's packet enters.
    const srcNode = o.source.node ?? candidates[0]?.hops[0]?.node;
    const entries = srcNode ? (o.conntrack[srcNode] ?? []) : [];
    const sport = o.case.sourcePort;
    const relevant = entries.filter((e) => (sport === undefined || e.original.sport === sport) && e.original.src === o.source.ip);
    const delivered = candidates.filter((b) => !isFailure(b.disposition));
    if (relevant.length > 0 && delivered.length > 0) {
      // The reply tuple is the NAT the kernel applied: its source is the DNAT target, its destination the SNAT address.
      const want = new Set(relevant.map((e) => `${e.reply.src}:${e.reply.sport}`));
      const got = delivered.map((b) => {
        const dnat = b.hops.find((h) => h.node === srcNode)?.steps.find((s) => s.kind === 'nat' && s.verdict === 'dnat');
        return dnat?.packetAfter ? `${dnat.packetAfter.daddr}:${dnat.packetAfter.dport}` : `${o.case.to.ip}:${o.case.to.port}`;
      });
      if (!got.some((g) => want.has(g))) problems.push(`conntrack on ${srcNode} shows ${[...want].join(', ')}; netx's NAT gives ${got.join(', ')}`);
      const wantSrc = new Set(relevant.map((e) => e.reply.dst));
      const gotSrc = delivered.map((b) => {
        const snat = b.hops.filter((h) => h.node === srcNode).flatMap((h) => h.steps).filter((s) => s.kind === 'nat' && /^(masquerade|snat)/.test(s.verdict ?? '')).at(-1);
        return snat?.packetAfter?.saddr ?? o.source.ip;
      });
      if (!gotSrc.some((g) => wantSrc.has(g))) problems.push(`conntrack on ${srcNode} replies to ${[...wantSrc].join(', ')} (the source after SNAT); netx's source after NAT is ${gotSrc.join(', ')}`);
    }
    const leaving = leavingProblems(o, candidates);
    if (leaving) problems.push(leaving);
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

/**
 * Where netx has the packet leave a node for a network no dump shows (an underlay hop, or out of the cluster), the
 * kernel's last packet line on that node names the interface it left by: some candidate must agree on every such node.
 */
function leavingProblems(o: Observation, candidates: Branch[]): string | undefined {
  const devsOf = (b: Branch): [string, string][] =>
    b.hops.flatMap((h) => h.steps.flatMap((s): [string, string][] => (s.assumption?.kind === 'underlay' ? [[h.node, s.assumption.dev]] : s.detail?.egress === true && typeof s.detail.dev === 'string' ? [[h.node, s.detail.dev]] : [])));
  const kernelOif = (node: string): string | undefined => (o.trace[node] ?? []).filter((e) => e.kind === 'packet' && e.packet?.oif).at(-1)?.packet?.oif;
  const claims = candidates.map(devsOf).filter((c) => c.length > 0);
  if (claims.length === 0) return undefined;
  if (claims.some((c) => c.every(([node, dev]) => kernelOif(node) === undefined || kernelOif(node) === dev))) return undefined;
  return `the kernel's packet leaves by ${claims[0]!.map(([node]) => `${node}:${kernelOif(node)}`).join(', ')}; netx has it leave by ${claims.map((c) => c.map(([n, d]) => `${n}:${d}`).join(', ')).join(' or ')}`;
}

function kernelStep(e: TraceEvent): string {
  return `${e.family} ${e.table} ${e.chain} ${e.kind === 'policy' ? `policy ${e.verdict}` : e.verdict}`;
}

/**
 * Our rule sequence on one node for the inner packet (the tunnel's outer packet is not traced by the oracle), as
 * `nft monitor trace` can show it.
 */
function ruleSequence(b: Branch, node: string): string[] {
  const out: string[] = [];
  let outer = false;
  for (const h of b.hops) {
    for (const s of h.steps) {
      if (s.kind === 'encap') outer = true;
      if (s.kind === 'decap') outer = false;
      if (h.node !== node || outer || !(s.kind === 'netfilter' || s.kind === 'nat') || s.detail?.entered || !s.table || !s.verdict) continue;
      // nft monitor trace sees nf_tables only: iptables-legacy chains run unseen.
      if (s.table.endsWith('(iptables-legacy)')) continue;
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
