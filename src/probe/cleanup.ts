/**
 * `kubectl netx cleanup` and the sweep at the start of every probing run: find what a netx run left
 * behind (probe pods, anchor Jobs) past its deadline, check each is one netx made (its spec, not only
 * its labels), say what will be deleted, then delete it.
 */
import type { KubeClient } from '../cluster/client.js';
import type { RawObject } from '../snapshot/types.js';
import { isNetxError, UserError } from '../util/errors.js';
import { ANCHOR_SELECTOR, deleteJob } from './anchor.js';
import { CREATED_AT_ANNOTATION, NODE_ANNOTATION, PROBE_SELECTOR } from './debug-pod.js';
import { anchorJobOrigin, probePodOrigin, type Origin } from './ownership.js';
import { deletePod } from './pods.js';

export interface Leftover {
  kind: 'pod' | 'job';
  namespace: string;
  name: string;
  node?: string;
  ageSeconds: number;
  deadlineSeconds?: number;
  /** Past its deadline (or selected by --all while still within it). */
  expired: boolean;
}

export interface CleanupOptions {
  /** Omitted: all namespaces. */
  namespace?: string;
  /** Also objects still within their deadline (a netx run may be using them right now). */
  all: boolean;
  dryRun: boolean;
}

export interface CleanupResult {
  kind: 'cleanup';
  dryRun: boolean;
  deleted: Leftover[];
  /** Left alone because they are within their deadline. */
  kept: Leftover[];
  /** Labelled like netx's but not shaped like what netx makes: never deleted. */
  foreign: { item: Leftover; reason: string }[];
  failed: { item: Leftover; reason: string }[];
}

/** Age and deadline of each labelled object; which are expired at `now`. Pure. */
export function classifyProbePods(objects: RawObject[], now: Date, kind: Leftover['kind'] = 'pod'): Leftover[] {
  return objects.map((p) => {
    const meta = p.metadata as { name?: string; namespace?: string; creationTimestamp?: string; annotations?: Record<string, string> } | undefined;
    const created = Date.parse(meta?.annotations?.[CREATED_AT_ANNOTATION] ?? meta?.creationTimestamp ?? '');
    const ageSeconds = Number.isNaN(created) ? Number.POSITIVE_INFINITY : Math.max(0, Math.round((now.getTime() - created) / 1000));
    const deadline = (p.spec as { activeDeadlineSeconds?: number } | undefined)?.activeDeadlineSeconds;
    return {
      kind,
      namespace: meta?.namespace ?? '',
      name: meta?.name ?? '',
      ...(meta?.annotations?.[NODE_ANNOTATION] ? { node: meta.annotations[NODE_ANNOTATION] } : {}),
      ageSeconds,
      ...(deadline !== undefined ? { deadlineSeconds: deadline } : {}),
      // No deadline on record: nothing says a run still owns it.
      expired: deadline === undefined || ageSeconds > deadline,
    };
  });
}

interface Candidate {
  item: Leftover;
  origin: Origin;
}

/** Labelled pods and anchor Jobs, each with whether netx made it. */
async function candidates(client: KubeClient, namespace: string | undefined, now: Date): Promise<Candidate[]> {
  const ns = namespace ? { namespace } : {};
  const pods = (await client.list({ resource: 'pods', labelSelector: PROBE_SELECTOR, ...ns })).items;
  const jobs = await listJobs(client, namespace);
  const pair = (objects: RawObject[], kind: Leftover['kind'], origin: (o: RawObject) => Origin): Candidate[] =>
    classifyProbePods(objects, now, kind).map((item, i) => ({ item, origin: origin(objects[i]!) }));
  return [...pair(pods, 'pod', probePodOrigin), ...pair(jobs, 'job', anchorJobOrigin)];
}

/** Anchor Jobs; none when Jobs cannot be listed (no permission: pods are what matters). */
async function listJobs(client: KubeClient, namespace: string | undefined): Promise<RawObject[]> {
  try {
    return (await client.list({ resource: 'jobs', labelSelector: ANCHOR_SELECTOR, ...(namespace ? { namespace } : {}) })).items;
  } catch (e) {
    if (e instanceof UserError && (e.code === 'forbidden' || e.code === 'not-found')) return [];
    throw e;
  }
}

/**
 * Plans, says and deletes: every line of `say` comes before the deletion it announces, so an
 * interrupted cleanup has already named what it was deleting.
 */
export async function cleanupProbePods(client: KubeClient, opts: CleanupOptions, now: Date, say: (line: string) => void = () => undefined): Promise<CleanupResult> {
  const all = await candidates(client, opts.namespace, now);
  const result: CleanupResult = { kind: 'cleanup', dryRun: opts.dryRun, deleted: [], kept: [], foreign: [], failed: [] };
  const chosen: Leftover[] = [];
  for (const { item, origin } of all) {
    if (!origin.ours) result.foreign.push({ item, reason: origin.reason });
    else if (opts.all || item.expired) chosen.push(item);
    else result.kept.push(item);
  }
  for (const f of result.foreign) say(`skipped ${describe(f.item)}: labelled like netx's, but not one netx made (${f.reason})`);
  for (const k of result.kept) say(`kept ${describe(k)}: within its deadline (--all deletes it)`);
  for (const item of chosen) {
    if (opts.dryRun) {
      say(`would delete ${describe(item)}`);
      result.deleted.push(item);
      continue;
    }
    say(`deleting ${describe(item)}`);
    try {
      await (item.kind === 'pod' ? deletePod(client, item.namespace, item.name) : deleteJob(client, item.namespace, item.name));
      result.deleted.push(item);
    } catch (e) {
      if (!isNetxError(e)) throw e;
      result.failed.push({ item, reason: e.message });
      say(`could not delete ${item.kind} ${item.namespace}/${item.name}: ${e.message}`);
    }
  }
  return result;
}

const age = (s: number): string => (Number.isFinite(s) ? (s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m` : `${s}s`) : 'unknown age');

/** "pod kube-system/netx-probe-a-1 (node a), age 30m, deadline 600s". */
export function describe(p: Leftover): string {
  return `${p.kind} ${p.namespace}/${p.name}${p.node ? ` (node ${p.node})` : ''}, age ${age(p.ageSeconds)}${p.deadlineSeconds !== undefined ? `, deadline ${p.deadlineSeconds}s` : ''}`;
}

/** The closing line, after every line `say` printed. */
export function renderCleanup(r: CleanupResult): string {
  const seen = r.deleted.length + r.kept.length + r.foreign.length + r.failed.length;
  if (seen === 0) return 'no netx probe pods found';
  const verb = r.dryRun ? 'would delete' : 'deleted';
  const failed = r.failed.length ? `, ${r.failed.length} could not be deleted` : '';
  return `${verb} ${r.deleted.length} object(s)${failed}; ${r.kept.length} kept, ${r.foreign.length} not netx's`;
}
