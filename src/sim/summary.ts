/** Whole-trace facts derived from branches: the overall disposition, merged endpoints, sanity checks. */
import { isFailure, type Branch, type Disposition } from './trace.js';

/** Severity order when branches disagree: the worst failure wins the headline. */
const ORDER: Disposition[] = ['uncertain', 'insufficient-info', 'loop', 'no-route', 'rejected', 'dropped', 'delivered', 'egress'];

/**
 * The failing disposition with the most probability when a branch fails; else (every branch delivered or leaving the
 * cluster) the one with the most probability, `delivered` on a tie.
 */
export function overallDisposition(branches: Branch[]): Disposition {
  if (branches.length === 0) return 'uncertain';
  const failing = branches.filter((b) => isFailure(b.disposition));
  const counted = failing.length > 0 ? failing : branches;
  const mass = new Map<Disposition, number>();
  for (const b of counted) mass.set(b.disposition, (mass.get(b.disposition) ?? 0) + b.probability);
  return [...mass.entries()].sort((a, b) => b[1] - a[1] || ORDER.indexOf(a[0]) - ORDER.indexOf(b[0]))[0]![0];
}

/** Merges branches that end identically (same disposition, endpoint and hop story), adding their odds. */
export function mergeBranches(branches: Branch[]): Branch[] {
  const out = new Map<string, Branch>();
  for (const b of branches) {
    const key = JSON.stringify([b.disposition, b.reason, b.endpoint, b.hops.map((h) => [h.node, h.steps.map((s) => [s.kind, s.summary, s.rule])])]);
    const prev = out.get(key);
    if (prev) prev.probability += b.probability;
    else out.set(key, { ...b });
  }
  return [...out.values()].sort((a, b) => b.probability - a.probability);
}

/** Branch odds must sum to 1 (a walker bug otherwise). */
export function probabilitySum(branches: Branch[]): number {
  return branches.reduce((s, b) => s + b.probability, 0);
}
