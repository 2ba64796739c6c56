/** Hops through a network no dump shows (src/sim/fabric.ts): what the trace took for granted there. */
import type { Assumption, Finding, Trace } from '../../sim/trace.js';

type Underlay = Extract<Assumption, { kind: 'underlay' }>;

export function underlayFindings(trace: Trace): Finding[] {
  const seen = new Map<string, { node: string; a: Underlay }>();
  for (const b of trace.branches) {
    for (const h of b.hops) {
      for (const s of h.steps) {
        if (s.assumption?.kind !== 'underlay') continue;
        const a = s.assumption;
        seen.set(`${h.node}|${a.dev}|${a.gateway ?? ''}|${a.to}`, { node: h.node, a });
      }
    }
  }
  if (seen.size === 0) return [];
  const hops = [...seen.values()];
  const where = hops.map(({ node, a }) => `${node} → ${a.gateway ? `gateway ${a.gateway}` : `${a.dev}'s segment`} → ${a.toNode}`);
  return [
    {
      code: 'underlay-assumed',
      severity: 'info',
      message: `the path crosses a network the snapshot does not show (${where.join('; ')}): it is assumed to deliver ${[...new Set(hops.map(({ a }) => a.to))].join(', ')} to the node that owns it, as a cloud VPC or a routed underlay does`,
      evidence: hops.map(({ node, a }) => `${node}: ${a.basis}`),
      hint: `if the packet is lost there, check the route tables of ${[...new Set(hops.map(({ a }) => a.gateway ?? a.dev))].join(', ')} (VPC/subnet route tables, security groups or NSGs, source/destination checks)`,
    },
  ];
}
