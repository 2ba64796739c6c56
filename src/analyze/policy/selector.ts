/**
 * Label selectors (metav1.LabelSelector) as NetworkPolicy uses them: matchLabels AND every
 * matchExpressions requirement (In, NotIn, Exists, DoesNotExist). An empty selector `{}` selects
 * everything; "absent" is decided by the caller, because its meaning differs per field.
 */
import type { Tri } from './types.js';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** The labels of an object, and whether they are all known (a namespace missing from the snapshot is not). */
export interface LabelSet {
  labels: Record<string, string>;
  /** Keys whose presence/absence is known; `all` when the object was read. */
  known: 'all' | ReadonlySet<string>;
}

export interface SelectorResult {
  match: Tri;
  /** Set when the selector is invalid (an API server would have refused it). */
  invalid?: string;
}

type Requirement = { key: string; operator: string; values: string[] };

/** Evaluates a selector; a requirement on an unknown key gives `maybe`. */
export function matchSelector(sel: LabelSelector, set: LabelSet): SelectorResult {
  const reqs: Requirement[] = [
    ...Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({ key, operator: 'In', values: [v] })),
    ...(sel.matchExpressions ?? []).map((e) => ({ key: e.key, operator: e.operator, values: e.values ?? [] })),
  ];
  let out: Tri = 'yes';
  for (const r of reqs) {
    const problem = invalidRequirement(r);
    if (problem) return { match: 'no', invalid: problem };
    const known = set.known === 'all' || set.known.has(r.key);
    if (!known) {
      out = 'maybe';
      continue;
    }
    if (!requirementHolds(r, set.labels)) return { match: 'no' };
  }
  return { match: out };
}

function requirementHolds(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case 'In':
      return has && r.values.includes(v!);
    case 'NotIn':
      return !has || !r.values.includes(v!);
    case 'Exists':
      return has;
    default: // DoesNotExist (invalidRequirement rejected everything else)
      return !has;
  }
}

/** The API server's validation of one requirement (apimachinery ValidateLabelSelectorRequirement). */
function invalidRequirement(r: Requirement): string | undefined {
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      return r.values.length === 0 ? `operator ${r.operator} on key ${r.key} needs at least one value` : undefined;
    case 'Exists':
    case 'DoesNotExist':
      return r.values.length > 0 ? `operator ${r.operator} on key ${r.key} takes no values` : undefined;
    default:
      return `unknown selector operator ${JSON.stringify(r.operator)} on key ${r.key}`;
  }
}

/** `role=db,tier in (a,b)`-style text of a selector, for reasons. `{}` prints as "all". */
export function selectorText(sel: LabelSelector): string {
  const parts = [
    ...Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(sel.matchExpressions ?? []).map((e) => {
      switch (e.operator) {
        case 'Exists':
          return e.key;
        case 'DoesNotExist':
          return `!${e.key}`;
        default:
          return `${e.key} ${e.operator.toLowerCase() === 'notin' ? 'notin' : 'in'} (${(e.values ?? []).join(',')})`;
      }
    }),
  ];
  return parts.length === 0 ? 'all' : parts.join(',');
}
