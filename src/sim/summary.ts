/** Whole-trace facts derived from branches: the overall disposition, merged endpoints, sanity checks. */
import { isFailure, type Branch, type Disposition, type EndpointShare, type Step } from './trace.js';
import { ChainEntry } from './chain.js';
import { uniqueBy } from '../util/unique.js';

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
  // Only branches that end alike can be one: the (longer) story is compared among those alone.
  const ending = new Map<string, number>();
  const ends = branches.map((b) => JSON.stringify([b.disposition, b.reason, b.endpoint]));
  for (const e of ends) ending.set(e, (ending.get(e) ?? 0) + 1);
  for (const [i, b] of branches.entries()) {
    const end = ends[i]!;
    const key = ending.get(end)! > 1 ? JSON.stringify([end, b.hops.map((h) => [h.node, h.steps.map((s) => [s.kind, s.summary, s.rule])])]) : end;
    const prev = out.get(key);
    if (prev) {
      prev.probability += b.probability;
      prev.affinity ??= b.affinity;
    }
    else out.set(key, { ...b });
  }
  return [...out.values()].sort((a, b) => b.probability - a.probability);
}

/** Branch odds must sum to 1 (a walker bug otherwise). */
export function probabilitySum(branches: Branch[]): number {
  return branches.reduce((s, b) => s + b.probability, 0);
}

/** Up to this many branches, every path is shown on its own; above it, paths that differ only in the endpoint are one. */
const GROUP_ABOVE = 16;

/**
 * Lists each branch's endpoints with their odds and, when there are more than GROUP_ABOVE branches, folds branches
 * that take the same way (same nodes, same kinds of steps in the same tables and hooks, same verdicts, same
 * disposition; endpoints on the same node) into one: its `hops` are the likeliest member's, its `endpoints` every
 * member's, its probability theirs added up. A service with thousands of endpoints on a few dozen nodes then has a
 * few dozen paths, and every endpoint keeps its odds.
 */
export function groupPaths(branches: Branch[]): Branch[] {
  if (branches.length <= GROUP_ABOVE) return branches.map((b) => (b.endpoint ? { ...b, endpoints: [share(b)] } : b));
  const groups = new Map<string, Branch[]>();
  for (const b of branches) {
    const k = shapeKey(b);
    const g = groups.get(k);
    if (g) g.push(b);
    else groups.set(k, [b]);
  }
  const out = [...groups.values()].map((members) => {
    if (members.length === 1) return members[0]!.endpoint ? { ...members[0]!, endpoints: [share(members[0]!)] } : members[0]!;
    members.sort((a, b) => likelier(a.probability, b.probability) || naturally(target(a), target(b)));
    const endpoints = members.map(share).filter((e): e is EndpointShare => e !== undefined);
    // The steps shown: the member with the shortest story (fewest rules evaluated: kube-proxy's first random rule
    // on the way rather than its 5,000th), so a path's rule list stays short.
    const counts = members.map(rulesEvaluated);
    const rep = members[counts.indexOf(Math.min(...counts))]!;
    const where = rep.endpoint?.node ?? rep.hops[rep.hops.length - 1]?.node;
    const notes = [...rep.notes, `this path stands for ${members.length.toLocaleString('en-US')} ${rep.endpoint ? 'endpoints' : 'destinations'}${where ? ` on ${where}` : ''} that take the same way; the steps shown are for ${describe(rep)}`];
    return { ...rep, probability: members.reduce((s, m) => s + m.probability, 0), endpoints, notes };
  });
  return out.sort((a, b) => likelier(a.probability, b.probability) || naturally(a.endpoint?.node ?? '', b.endpoint?.node ?? ''));
}

/**
 * One branch for each way the branches take (see groupPaths), for checks whose answer is the same along one way
 * (the reply's path): with more than GROUP_ABOVE branches, checking each of thousands of endpoints would cost as much
 * as the trace itself.
 */
export function oneOfEachWay(branches: Branch[]): Branch[] {
  return branches.length <= GROUP_ABOVE ? branches : uniqueBy(branches, shapeKey);
}

/**
 * Likelier first; odds within 1e-9 count as equal (iptables writes each endpoint's odds to 11 digits, so equal
 * shares differ in the last ones) and the caller's tie-break decides.
 */
// One collator for thousands of comparisons (localeCompare with options builds one per call).
const naturally = new Intl.Collator('en', { numeric: true }).compare;

const likelier = (a: number, b: number): number => (Math.abs(b - a) > 1e-9 ? b - a : 0);

function share(b: Branch): EndpointShare;
function share(b: Branch): EndpointShare | undefined;
function share(b: Branch): EndpointShare | undefined {
  if (b.endpoint) return { ...b.endpoint, probability: b.probability };
  if (!b.final) return undefined;
  return b.final.dport !== undefined ? { ip: b.final.daddr, port: b.final.dport, probability: b.probability } : { ip: b.final.daddr, probability: b.probability };
}

const rulesEvaluated = (b: Branch): number => b.hops.reduce((n, h) => n + h.steps.reduce((k, s) => k + (s instanceof ChainEntry ? s.rulesEvaluated() : (s.evaluated?.length ?? 0)), 0), 0);
const target = (b: Branch): string => b.endpoint?.ip ?? b.final?.daddr ?? '';
const describe = (b: Branch): string => (b.endpoint ? (b.endpoint.pod ?? b.endpoint.ip) : (b.final?.daddr ?? 'the first'));

// A trace asks for each branch's way twice (the reply check, then grouping): keyed once per branch and hop list.
const shapes = new WeakMap<Branch, { hops: Branch['hops']; steps: number; key: string }>();

/** What makes two paths the same way: nodes, step kinds, tables, hooks and verdicts; not addresses or chain names. */
function shapeKey(b: Branch): string {
  const steps = b.hops.reduce((n, h) => n + h.steps.length, 0);
  const known = shapes.get(b);
  if (known && known.hops === b.hops && known.steps === steps) return known.key;
  const key = computeShape(b);
  shapes.set(b, { hops: b.hops, steps, key });
  return key;
}

function computeShape(b: Branch): string {
  const ids: (string | number)[] = [b.disposition, b.endpoint?.node ?? '', b.endpoint?.owner ?? ''];
  for (const h of b.hops) {
    ids.push(h.node);
    for (const s of h.steps) ids.push(stepId(s));
  }
  return ids.join('|');
}

// Step shapes as small numbers: thousands of paths of ~100 steps each are keyed without building a string per step.
const shapeIds = new Map<string, Map<string, Map<string, Map<string, number>>>>();
const verdictWords = new Map<string, string>();
let nextId = 0;

function stepId(s: Step): number {
  const v = s.verdict ?? '';
  let word = verdictWords.get(v);
  if (word === undefined) verdictWords.set(v, (word = v.split(' ', 1)[0]!));
  const byKind = shapeIds.get(s.kind) ?? shapeIds.set(s.kind, new Map()).get(s.kind)!;
  const byTable = byKind.get(s.table ?? '') ?? byKind.set(s.table ?? '', new Map()).get(s.table ?? '')!;
  const byHook = byTable.get(s.hook ?? '') ?? byTable.set(s.hook ?? '', new Map()).get(s.hook ?? '')!;
  let id = byHook.get(word);
  if (id === undefined) byHook.set(word, (id = nextId++));
  return id;
}
