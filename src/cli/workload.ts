/**
 * A workload SRC (`deploy/web`) becomes the `ns/pod` it stands for, and the user is told which pod,
 * on stderr as `kubectl logs deploy/web` does (stdout stays the report).
 */
import chalk from 'chalk';
import type { Snapshot } from '../snapshot/types.js';
import { describeChoice, pickWorkloadPod } from '../analyze/trace/workload.js';

export function workloadSource(snapshot: Snapshot, src: string, namespace: string, stream: NodeJS.WritableStream = process.stderr): string {
  const choice = pickWorkloadPod(snapshot, src, namespace);
  if (!choice) return src;
  stream.write(`${chalk.dim(describeChoice(choice))}\n`);
  return `${choice.namespace}/${choice.pod.metadata?.name ?? ''}`;
}
