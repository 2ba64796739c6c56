/**
 * Where a command's Snapshot comes from: the file named by --snapshot, or the live cluster through
 * the cluster layer. Both paths answer the same CollectPlan, so a command behaves the same either way.
 */
import { clusterOptionsFromFlags } from '../cluster/options.js';
import { probeOptionsFromFlags, type ProbeFlagValues } from './probe-flags.js';
import { readSnapshotFile } from './snapshot-file.js';
import type { CollectPlan, ResourceRequest } from '../snapshot/plan.js';
import type { Snapshot } from '../snapshot/types.js';
import { UserError } from '../util/errors.js';
import { parseDuration } from './flags.js';
import { silentProgress, type Progress } from '../util/progress.js';

/** The global flags as a command's `this.parse()` returns them (see cli/flags.ts). */
export interface GlobalFlagValues extends ProbeFlagValues {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  snapshot?: string;
  'request-timeout'?: string;
  'no-color'?: boolean;
}

/** Loads --snapshot (checking it holds what `plan` needs) or collects `plan` from the live cluster. */
export async function obtainSnapshot(flags: GlobalFlagValues, plan: CollectPlan, progress: Progress = silentProgress): Promise<Snapshot> {
  if (flags.snapshot) {
    const snapshot = readSnapshotFile(flags.snapshot);
    checkSnapshotCovers(snapshot, plan, flags.snapshot);
    return snapshot;
  }
  const timeout = flags['request-timeout'] ?? '30s';
  let requestTimeoutMs: number;
  try {
    requestTimeoutMs = parseDuration(timeout);
  } catch (e) {
    throw new UserError((e as Error).message, { hint: 'for example --request-timeout 45s' });
  }
  const options = clusterOptionsFromFlags({ ...flags, requestTimeoutMs });
  // Loaded on demand: @kubernetes/client-node takes a second to import, and --snapshot runs never need it.
  const probe = plan.nodes ? probeOptionsFromFlags(flags) : undefined;
  const { collect } = await import('./collect.js');
  try {
    return await collect(options, plan, progress, undefined, probe);
  } finally {
    progress.done();
  }
}

/**
 * The namespace for names given without one, as kubectl picks it: -n, else the context's namespace
 * (recorded in the snapshot at capture time, so --snapshot runs agree with live ones), else "default".
 */
export function defaultNamespace(flags: GlobalFlagValues, snapshot: Snapshot): string {
  return flags.namespace ?? snapshot.source.namespace ?? 'default';
}

/**
 * Throws when the snapshot lacks a resource a required request needs, or holds only a lighter
 * listing (table/metadata) where it needs full objects. Optional requests never fail: a file either
 * has them or not, and the analysis copes (as it does with a gap in a live run).
 */
export function checkSnapshotCovers(snapshot: Snapshot, plan: CollectPlan, source: string): void {
  const problems: string[] = [];
  for (const req of plan.resources) {
    const problem = coverageProblem(snapshot, req);
    if (problem) problems.push(problem);
  }
  if (problems.length === 0) return;
  throw new UserError(`snapshot ${source} lacks what this command needs: ${problems.join('; ')}`, {
    code: 'snapshot',
    hint: 'capture a complete snapshot with: kubectl netx collect -A -o FILE (a current kubectl-netx, with list permission on those resources: kubectl netx rbac)',
  });
}

const VIEW_RANK = { metadata: 0, table: 1, full: 2 } as const;

function coverageProblem(snapshot: Snapshot, req: ResourceRequest): string | undefined {
  if (req.optional) return undefined;
  const objects = snapshot.cluster.objects[req.resource];
  const gap = snapshot.source.gaps?.find((g) => g.what === req.resource || g.what.startsWith(`${req.resource} `));
  if (objects === undefined) {
    return gap ? `${req.resource} (not collected: ${gap.reason})` : `${req.resource} (not in the file)`;
  }
  const have = snapshot.cluster.views?.[req.resource] ?? 'full';
  const want = req.view ?? 'full';
  if (VIEW_RANK[have] < VIEW_RANK[want]) {
    return `${req.resource} as full objects (the file holds only a ${have} listing)`;
  }
  return undefined;
}
