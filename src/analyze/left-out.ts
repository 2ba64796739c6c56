/**
 * API objects the snapshot held but that were set aside at load (snapshot/screen.ts): the ones a
 * question reads, and the words every report uses to name them. Pure.
 */
import { describeIssues, objectLabel } from '../snapshot/screen.js';
import type { CollectPlan } from '../snapshot/plan.js';
import type { MalformedObject, Snapshot } from '../snapshot/types.js';

/** How many left-out objects a finding lists before "and N more". */
const LISTED = 10;

/** The left-out objects of the resources (and namespaces, names) `plan` reads. */
export function leftOut(snapshot: Snapshot, plan: CollectPlan): MalformedObject[] {
  return (snapshot.cluster.malformed ?? []).filter((m) =>
    plan.resources.some((r) => r.resource === m.resource && (r.namespace === undefined || r.namespace === m.namespace) && (r.name === undefined || r.name === m.name)),
  );
}

export interface LeftOutText {
  message: string;
  /** One line per object: what it is, where it is, which fields are wrong. */
  evidence: string[];
  hint: string;
}

/** The finding's words, or undefined when nothing was left out. */
export function leftOutText(objects: MalformedObject[]): LeftOutText | undefined {
  if (objects.length === 0) return undefined;
  const names = objects.slice(0, 3).map(objectLabel);
  const who = objects.length === 1 ? `${names[0]} does not` : `${objects.length} objects (${names.join(', ')}${objects.length > 3 ? ', …' : ''}) do not`;
  const evidence = objects.slice(0, LISTED).map((m) => `${objectLabel(m)} (${m.at}): ${describeIssues(m)}`);
  if (objects.length > LISTED) evidence.push(`and ${objects.length - LISTED} more`);
  return {
    message: `${who} have the shape Kubernetes gives ${objects.length === 1 ? 'it' : 'them'} and ${objects.length === 1 ? 'is' : 'are'} left out: what depends on ${objects.length === 1 ? 'it' : 'them'} here may be incomplete`,
    evidence,
    hint: 'the API server never returns such objects: re-capture the snapshot (kubectl netx collect -o FILE), or correct the fields named if the file was edited',
  };
}
