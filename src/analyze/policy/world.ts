/**
 * What the evaluator reads from a Snapshot: the NetworkPolicies and the namespaces' labels. A
 * namespace the snapshot does not hold gets only the label the API server always sets,
 * `kubernetes.io/metadata.name=<name>` (immutable, set on every namespace since v1.22); any other key
 * is unknown, so a namespaceSelector on it answers `maybe`, never a guess.
 */
import type { MalformedObject, Snapshot } from '../../snapshot/types.js';
import { describeIssues, malformedOf, objectLabel } from '../../snapshot/screen.js';
import { has, objectsOf, type V1NetworkPolicy } from '../../model/k8s.js';
import type { LabelSet } from './selector.js';
import type { Direction } from './types.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export interface PolicyWorld {
  policies: V1NetworkPolicy[];
  /** Labels of a namespace (see the file comment for a missing one). */
  namespaceLabels(ns: string): LabelSet;
  /** Whether the snapshot holds namespace `ns` (false: only its name label is known). */
  namespaceKnown(ns: string): boolean;
  /** NetworkPolicies of `ns` set aside at load (snapshot/screen.ts), each as `ns/name: what is wrong`. */
  unreadable(ns: string): string[];
}

/** Builds the world from explicit objects (tests, trace) — `namespaces` undefined = not collected. */
export function policyWorldOf(policies: V1NetworkPolicy[], namespaces?: { metadata?: { name?: string; labels?: Record<string, string> } }[], malformed: MalformedObject[] = []): PolicyWorld {
  const byName = new Map<string, Record<string, string>>();
  for (const n of namespaces ?? []) if (n.metadata?.name) byName.set(n.metadata.name, n.metadata.labels ?? {});
  return {
    policies,
    namespaceKnown: (ns) => byName.has(ns),
    unreadable: (ns) => malformed.filter((m) => m.namespace === ns).map((m) => `${objectLabel(m)}: ${describeIssues(m)}`),
    namespaceLabels(ns) {
      const labels = byName.get(ns);
      // The API server sets the name label itself; an object without it (hand-written fixture, pre-1.21) still has it.
      if (labels) return { labels: { ...labels, [NAMESPACE_NAME_LABEL]: ns }, known: 'all' };
      return { labels: { [NAMESPACE_NAME_LABEL]: ns }, known: new Set([NAMESPACE_NAME_LABEL]) };
    },
  };
}

/** The world of a Snapshot. */
export function policyWorld(snapshot: Snapshot): PolicyWorld {
  return policyWorldOf(objectsOf(snapshot, 'networkpolicies'), has(snapshot, 'namespaces') ? objectsOf(snapshot, 'namespaces') : undefined, malformedOf(snapshot, 'networkpolicies'));
}

/**
 * The directions a policy applies to. `policyTypes` when given; otherwise (docs, and the API server's
 * defaulting) Ingress always, plus Egress when the policy has egress rules.
 */
export function policyTypes(p: V1NetworkPolicy): Direction[] {
  const listed = p.spec?.policyTypes;
  if (listed && listed.length > 0) return listed.map((t) => t.toLowerCase()).filter((t): t is Direction => t === 'ingress' || t === 'egress');
  return (p.spec?.egress?.length ?? 0) > 0 ? ['ingress', 'egress'] : ['ingress'];
}

export const policyName = (p: V1NetworkPolicy): string => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;
