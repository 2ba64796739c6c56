/**
 * `kubectl netx cleanup`: finds netx probe pods (by label) that outlived their deadline — netx was
 * killed before it could delete them — and deletes them (or lists them with --dry-run).
 */
import type { KubeClient } from '../cluster/client.js';
import type { RawObject } from '../snapshot/types.js';
import { CREATED_AT_ANNOTATION, NODE_ANNOTATION, PROBE_SELECTOR } from './debug-pod.js';
import { deletePod } from './pods.js';

export interface Leftover {
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
  /** Also pods still within their deadline (a netx run may be using them right now). */
  all: boolean;
  dryRun: boolean;
}

export interface CleanupResult {
  kind: 'cleanup';
  dryRun: boolean;
  deleted: Leftover[];
  /** Probe pods left alone because they are within their deadline. */
  kept: Leftover[];
  failed: { pod: Leftover; reason: string }[];
}

/** Age and deadline of each probe pod; which are expired at `now`. Pure. */
export function classifyProbePods(pods: RawObject[], now: Date): Leftover[] {
  return pods.map((p) => {
    const meta = p.metadata as { name?: string; namespace?: string; creationTimestamp?: string; annotations?: Record<string, string> } | undefined;
    const created = Date.parse(meta?.annotations?.[CREATED_AT_ANNOTATION] ?? meta?.creationTimestamp ?? '');
    const ageSeconds = Number.isNaN(created) ? Number.POSITIVE_INFINITY : Math.max(0, Math.round((now.getTime() - created) / 1000));
    const deadline = (p.spec as { activeDeadlineSeconds?: number } | undefined)?.activeDeadlineSeconds;
    return {
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

export async function cleanupProbePods(client: KubeClient, opts: CleanupOptions, now: Date): Promise<CleanupResult> {
  const { items } = await client.list({ resource: 'pods', labelSelector: PROBE_SELECTOR, ...(opts.namespace ? { namespace: opts.namespace } : {}) });
  const pods = classifyProbePods(items, now);
  const chosen = pods.filter((p) => opts.all || p.expired);
  const result: CleanupResult = { kind: 'cleanup', dryRun: opts.dryRun, deleted: [], kept: pods.filter((p) => !chosen.includes(p)), failed: [] };
  for (const pod of chosen) {
    if (opts.dryRun) {
      result.deleted.push(pod);
      continue;
    }
    try {
      await deletePod(client, pod.namespace, pod.name);
      result.deleted.push(pod);
    } catch (e) {
      result.failed.push({ pod, reason: (e as Error).message });
    }
  }
  return result;
}

/** The report, one line per pod. */
export function renderCleanup(r: CleanupResult): string {
  const age = (s: number): string => (Number.isFinite(s) ? (s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m` : `${s}s`) : 'unknown age');
  const line = (verb: string, p: Leftover): string => `${verb} pod ${p.namespace}/${p.name}${p.node ? ` (node ${p.node})` : ''}, age ${age(p.ageSeconds)}${p.deadlineSeconds !== undefined ? `, deadline ${p.deadlineSeconds}s` : ''}`;
  const lines = [
    ...r.deleted.map((p) => line(r.dryRun ? 'would delete' : 'deleted', p)),
    ...r.failed.map((f) => `${line('could not delete', f.pod)}: ${f.reason}`),
    ...r.kept.map((p) => line('kept (within its deadline; --all deletes it)', p)),
  ];
  return lines.length ? lines.join('\n') : 'no netx probe pods found';
}
