/** Live collection of a CollectPlan. (Being built: see cluster/client.ts.) */
import type { Progress } from '../cli/progress.js';
import type { CollectPlan } from '../snapshot/plan.js';
import type { Snapshot } from '../snapshot/types.js';
import { UserError } from '../util/errors.js';
import type { ClusterOptions } from './options.js';

export async function collect(_opts: ClusterOptions, _plan: CollectPlan, _progress: Progress): Promise<Snapshot> {
  throw new UserError('live collection is not available yet; use --snapshot FILE');
}
