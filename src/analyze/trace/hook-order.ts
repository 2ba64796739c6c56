/**
 * Base chains tied at one hook and priority on the path (src/sim/hook-order.ts): the kernel runs the one hooked last
 * first and no dump records which that was. The walk takes an order and its steps say so; here the same packet is
 * walked again with the order turned around on those nodes, and a finding says what was assumed and what the other
 * order gives. Also kube-proxy's rules in both iptables backends on a node of the path (as `proxy-mode` reports it).
 */
import type { NodeModel } from '../../model/node.js';
import { isFailure, type Assumption, type Branch, type Finding, type Trace } from '../../sim/trace.js';
import type { World } from '../../sim/world.js';
import { alternativeWorld, backendInUse } from '../../sim/hook-order.js';
import { hostPort } from '../../sim/packet.js';
import { mixedBackendsMessage, mixedBackendsSteps } from '../proxy-mode/mixed-backends.js';

type HookOrder = Extract<Assumption, { kind: 'hook-order' }>;

export interface HookOrderAlternative {
  /** Each tie the walk met, on its node. */
  ties: { node: string; assumption: HookOrder }[];
  /** The same packet walked with every assumed order on those nodes turned around. */
  branches: Branch[];
}

function tiesOf(branches: Branch[]): HookOrderAlternative['ties'] {
  const seen = new Map<string, HookOrderAlternative['ties'][number]>();
  for (const b of branches) {
    for (const h of b.hops) {
      for (const s of h.steps) {
        const a = s.assumption;
        if (a?.kind !== 'hook-order') continue;
        const key = `${h.node}|${a.hook}|${a.priority}|${a.order.join(',')}`;
        if (!seen.has(key)) seen.set(key, { node: h.node, assumption: a });
      }
    }
  }
  return [...seen.values()];
}

/** Walks the packet again with the assumed orders turned around; undefined when the path met no such tie. */
export function hookOrderAlternative(world: World, branches: Branch[], rerun: (w: World) => Branch[]): HookOrderAlternative | undefined {
  const ties = tiesOf(branches);
  if (ties.length === 0) return undefined;
  return { ties, branches: rerun(alternativeWorld(world, new Set(ties.map((t) => t.node)))) };
}

/** `delivered to default/web-1 (10.244.1.10:8080) from 10.244.0.10 (50%)`, one part per distinct end, most likely first. */
function describeOutcome(branches: Branch[]): string {
  const mass = new Map<string, number>();
  for (const b of branches) {
    const who = b.endpoint?.pod ?? (b.endpoint?.owner === 'node' ? `node ${b.endpoint.node}` : undefined);
    const at = b.endpoint ? hostPort(b.endpoint.ip, b.endpoint.port) : '';
    const from = b.final ? ` from ${b.final.saddr}` : '';
    const key = isFailure(b.disposition) ? `${b.disposition}: ${b.reason}` : `${b.disposition} to ${who ? `${who} (${at})` : at}${from}`;
    mass.set(key, (mass.get(key) ?? 0) + b.probability);
  }
  return [...mass.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, p]) => `${k} (${Math.round(p * 1000) / 10}%)`)
    .join('; ');
}

/** An outcome list cut to its first few parts for a message (a service with thousands of endpoints has thousands). */
function shortOutcome(described: string): string {
  const parts = described.split('; ');
  return parts.length <= 4 ? described : `${parts.slice(0, 3).join('; ')}; … and ${(parts.length - 3).toLocaleString('en-US')} more`;
}

export function hookOrderFindings(trace: Trace, alt: HookOrderAlternative | undefined): Finding[] {
  if (!alt) return [];
  const fullOurs = describeOutcome(trace.branches);
  const fullTheirs = describeOutcome(alt.branches);
  const same = fullOurs === fullTheirs;
  const ours = shortOutcome(fullOurs);
  const theirs = shortOutcome(fullTheirs);
  const ties = alt.ties.map(({ node, assumption: a }) => `${node}, ${a.hook} priority ${a.priority}: ${a.order.join(' before ')} (assumed: ${a.basis})`);
  const nodes = [...new Set(alt.ties.map((t) => t.node))];
  return [
    {
      code: 'hook-order-assumed',
      severity: same ? 'info' : 'warning',
      message: `chains of different tables hook at the same priority on ${nodes.join(', ')}: the kernel runs the one hooked last first, and no dump records which that was; the trace assumes ${alt.ties.map((t) => `${t.assumption.order[0]} first`).join(', ')}. ${same ? `The other order gives the same outcome (${ours}).` : `In the other order: ${theirs} (instead of: ${ours}).`}`,
      evidence: ties,
      hint: `compare the rule counters on ${nodes.join(', ')} (iptables-legacy-save -c, iptables-nft-save -c, nft list ruleset with counters): the chain that runs first is the one whose rules count the packets; or remove one of the rule sets`,
    },
  ];
}

/** kube-proxy's rules in both iptables backends on a node of the path (the warning `proxy-mode` gives). */
export function mixedBackendFindings(models: Map<string, NodeModel>, trace: Trace): Finding[] {
  const nodes = [...new Set(trace.branches.flatMap((b) => b.hops.map((h) => h.node)))];
  const out: Finding[] = [];
  for (const name of nodes) {
    const m = models.get(name);
    if (!m) continue;
    const rules = (origin: string): number =>
      m.ruleset.tables.filter((t) => t.family === 'ip' && t.name === 'nat' && t.origin === origin).reduce((s, t) => s + (t.chains.find((c) => c.name === 'KUBE-SERVICES')?.rules.length ?? 0), 0);
    const legacyRules = rules('iptables-legacy');
    const nftRules = rules('iptables-nft');
    if (legacyRules === 0 || nftRules === 0) continue;
    const inUse = backendInUse(m);
    out.push({
      code: 'mixed-backends',
      severity: 'warning',
      message: mixedBackendsMessage({ node: name, legacyRules, nftRules, ...(inUse.canary ? { inUse: inUse.backend } : {}) }),
      evidence: [`backend in use: ${inUse.basis}`],
      hint: mixedBackendsSteps(name).join('; '),
    });
  }
  return out;
}
