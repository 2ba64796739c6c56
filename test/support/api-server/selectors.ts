/** Label and field selectors as the API server evaluates them (the subset netx and kubectl use). */

type Requirement =
  | { op: 'exists' | '!exists'; key: string }
  | { op: '=' | '!='; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] };

export class SelectorError extends Error {}

/** Splits on commas outside parentheses: "a in (x,y),b" → ["a in (x,y)", "b"]. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') terms.push(current.trim());
  return terms;
}

export function parseLabelSelector(text: string): Requirement[] {
  return splitTerms(text).map((term): Requirement => {
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) return { op: m[2] as 'in' | 'notin', key: m[1]!, values: m[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '') };
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m) return { op: m[2] === '!=' ? '!=' : '=', key: m[1]!, value: m[3]! };
    m = /^!([^=!\s]+)$/.exec(term);
    if (m) return { op: '!exists', key: m[1]! };
    if (/^[^=!\s(),]+$/.test(term)) return { op: 'exists', key: term };
    // apimachinery's parser: a set operator must be followed by '(' (labels/selector.go parseValues).
    m = /^\S+\s+(?:in|notin)\s+([^\s(]+)/.exec(term);
    if (m) throw new SelectorError(`unable to parse requirement: found '${m[1]}' expected: '('`);
    throw new SelectorError(`unable to parse requirement: ${term}`);
  });
}

export function matchesLabels(reqs: Requirement[], labels: Record<string, string> = {}): boolean {
  return reqs.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case '=':
        return has && v === r.value;
      case '!=':
        return !has || v !== r.value;
      case 'in':
        return has && r.values.includes(v!);
      case 'notin':
        return !has || !r.values.includes(v!);
    }
  });
}

/** Field paths the API server supports for the resources we serve. */
const FIELDS: Record<string, (o: Record<string, unknown>) => string> = {
  'metadata.name': (o) => String((o.metadata as Record<string, unknown>)?.name ?? ''),
  'metadata.namespace': (o) => String((o.metadata as Record<string, unknown>)?.namespace ?? ''),
  'spec.nodeName': (o) => String((o.spec as Record<string, unknown>)?.nodeName ?? ''),
  'status.phase': (o) => String((o.status as Record<string, unknown>)?.phase ?? ''),
  'involvedObject.name': (o) => String((o.involvedObject as Record<string, unknown>)?.name ?? ''),
  'involvedObject.kind': (o) => String((o.involvedObject as Record<string, unknown>)?.kind ?? ''),
  'involvedObject.uid': (o) => String((o.involvedObject as Record<string, unknown>)?.uid ?? ''),
  reason: (o) => String(o.reason ?? ''),
};

export type FieldRequirement = { field: string; op: '=' | '!='; value: string };

export function parseFieldSelector(text: string, supported: string[]): FieldRequirement[] {
  return splitTerms(text).map((term) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw new SelectorError(`invalid field selector: ${term}`);
    const field = m[1]!.trim();
    if (!supported.includes(field) || !FIELDS[field]) throw new SelectorError(`field label not supported: ${field}`);
    return { field, op: m[2] === '!=' ? '!=' : '=', value: m[3]!.trim() };
  });
}

export function matchesFields(reqs: FieldRequirement[], obj: Record<string, unknown>): boolean {
  return reqs.every((r) => (FIELDS[r.field]!(obj) === r.value) === (r.op === '='));
}
