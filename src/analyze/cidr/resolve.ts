/**
 * From claims to effective ranges: the first source kind (in consultation order) that states any
 * CIDR decides; every other claim either confirms a range or disagrees with it.
 */
import { parseCidr } from './ipmath.js';
import type { CidrClaim, ClusterRange, Finding, RangeDiscovery } from './types.js';

export function resolveRanges(claims: CidrClaim[]): RangeDiscovery {
  const deciding = claims.find((c) => c.cidrs.length > 0);
  if (!deciding) return { ranges: [], claims };
  const ranges: ClusterRange[] = [];
  for (const c of claims.filter((x) => x.source === deciding.source && x.cidrs.length > 0)) {
    for (const text of c.cidrs) {
      if (ranges.some((r) => r.cidr === text)) continue;
      const cidr = parseCidr(text);
      if (!cidr) continue;
      ranges.push({ cidr: text, family: cidr.family, confidence: c.confidence, source: c, confirmedBy: [] });
    }
  }
  for (const c of claims) {
    for (const r of ranges) if (r.source !== c && c.cidrs.includes(r.cidr) && !r.confirmedBy.includes(c.detail)) r.confirmedBy.push(c.detail);
  }
  // Two agreeing independent sources make a medium figure high.
  for (const r of ranges) if (r.confidence === 'medium' && r.confirmedBy.length > 0) r.confidence = 'high';
  return { ranges, claims };
}

/** Claims (not assumptions, not hints) whose CIDRs are not among the effective ranges. */
export function disagreements(d: RangeDiscovery, what: string): Finding[] {
  const effective = new Set(d.ranges.map((r) => r.cidr));
  const decider = d.ranges[0]?.source;
  if (!decider) return [];
  const off = d.claims.filter((c) => c.confidence !== 'assumed' && c.source !== decider.source && c.cidrs.some((x) => !effective.has(x)));
  if (off.length === 0) return [];
  return [
    {
      code: 'cidr-sources-disagree',
      severity: 'warning',
      message: `${what} sources disagree: using ${[...effective].join(', ')} from ${decider.detail}; ${off.map((c) => `${c.detail} says ${c.cidrs.join(', ')}`).join('; ')}`,
      evidence: [decider, ...off].map((c) => ({ what: c.detail, value: c.cidrs.join(', ') })),
    },
  ];
}
