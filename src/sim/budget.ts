/**
 * How far one trace may fork. Every random match, numgen map or ECMP route splits a path; merging paths that
 * continue identically keeps the count at the number of distinct outcomes, and this bound stops a ruleset whose
 * distinct outcomes multiply (each rule setting its own mark bit: 2^rules paths) from exhausting memory. Past it,
 * the alternatives not followed become one `uncertain` branch that says so.
 */
export interface Budget {
  /** Most branches (in progress and finished) one trace may hold. */
  readonly limit: number;
  /** Branches now: 1 + alternatives followed − paths merged. */
  branches: number;
  /** Rules evaluated so far (a measure of the walk's work, for tests and benches). */
  evaluations: number;
}

/** Above any real Service's endpoint count (a 5,000-endpoint service traces in about a second). */
const MAX_BRANCHES = 20_000;

export const newBudget = (limit = MAX_BRANCHES): Budget => ({ limit, branches: 1, evaluations: 0 });

/** How many of `k` alternatives a fork may follow (at least the first, which continues the current branch). */
export function allow(b: Budget, k: number): number {
  const n = Math.max(1, Math.min(k, b.limit - b.branches + 1));
  b.branches += n - 1;
  return n;
}

/** `n` branches merged into others. */
export function release(b: Budget, n = 1): void {
  b.branches -= n;
}

/** The reason a branch that stands for the alternatives not followed ends with. */
export function limitReason(b: Budget, where: string): string {
  return `path limit reached: netx follows at most ${b.limit.toLocaleString('en-US')} distinct paths per trace, and the other alternatives of ${where} were not followed, so where this share of the traffic goes is not known`;
}
