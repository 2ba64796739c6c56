/**
 * kubectl's JSONPath templates (`-o jsonpath='{.branches[*].endpoint.pod}'`) over a JSON document,
 * with the grammar of k8s.io/client-go/util/jsonpath: text with `{…}` actions; `.field`, `['field']`
 * (a union of quoted names), `[n]` (negative from the end), `[start:end:step]`, `[*]` / `.*`,
 * `..field` (recursive descent), `[?(@.field OP value)]` filters (==, !=, <, <=, >, >=, or just a path:
 * it exists), `{range EXPR}…{end}`, quoted literals (`{"\n"}`), `\.` for a dot inside a key. A missing
 * key yields nothing, as kubectl's default --allow-missing-template-keys. Several values of one action
 * print separated by spaces; objects and arrays print as JSON. Pure.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

type Segment =
  | { kind: 'field'; names: string[] }
  | { kind: 'recursive'; name: string | '*' }
  | { kind: 'wildcard' }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'filter'; left: Path; op?: '==' | '!=' | '<' | '<=' | '>' | '>='; right?: Path | Json };

interface Path {
  /** `$`: from the document root; otherwise from the current value (`@`, or the range item). */
  root: boolean;
  segments: Segment[];
}

type Node = { kind: 'text'; text: string } | { kind: 'path'; path: Path } | { kind: 'literal'; text: string } | { kind: 'range'; path: Path; body: Node[] };

export class JsonPathError extends Error {
  override readonly name = 'JsonPathError';
}

export interface CompiledJsonPath {
  nodes: Node[];
}

/** Parses a template; throws JsonPathError saying what is wrong and where. */
export function compileJsonPath(template: string): CompiledJsonPath {
  const source = template.includes('{') ? template : `{${template}}`;
  const actions = splitActions(source);
  const stack: Node[][] = [[]];
  const ranges: Path[] = [];
  for (const a of actions) {
    const top = stack[stack.length - 1]!;
    if (a.kind === 'text') {
      if (a.text) top.push({ kind: 'text', text: a.text });
      continue;
    }
    const body = a.text.trim();
    if (body === 'end') {
      if (ranges.length === 0) throw new JsonPathError('{end} without {range}');
      const inner = stack.pop()!;
      stack[stack.length - 1]!.push({ kind: 'range', path: ranges.pop()!, body: inner });
    } else if (body.startsWith('range ')) {
      ranges.push(parsePath(body.slice(6).trim()));
      stack.push([]);
    } else if (/^(["']).*\1$/s.test(body)) {
      top.push({ kind: 'literal', text: unquote(body) });
    } else {
      top.push({ kind: 'path', path: parsePath(body) });
    }
  }
  if (ranges.length > 0) throw new JsonPathError('{range} without {end}');
  return { nodes: stack[0]! };
}

/** Evaluates a template as kubectl prints it. */
export function evaluateJsonPath(compiled: CompiledJsonPath, doc: Json): string {
  return render(compiled.nodes, doc, doc);
}

/** Every value the template's actions select, in order (kubectl's -o jsonpath-as-json). */
export function selectJsonPath(compiled: CompiledJsonPath, doc: Json): Json[] {
  const out: Json[] = [];
  const walk = (nodes: Node[], current: Json): void => {
    for (const n of nodes) {
      if (n.kind === 'path') out.push(...select(n.path, doc, current));
      else if (n.kind === 'range') for (const item of select(n.path, doc, current)) walk(n.body, item);
    }
  };
  walk(compiled.nodes, doc);
  return out;
}

function render(nodes: Node[], root: Json, current: Json): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text' || n.kind === 'literal') out += n.text;
    else if (n.kind === 'path') out += select(n.path, root, current).map(show).join(' ');
    else for (const item of select(n.path, root, current)) out += render(n.body, root, item);
  }
  return out;
}

const show = (v: Json): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Template text → text and `{…}` action pieces (braces inside quotes do not count). */
function splitActions(template: string): { kind: 'text' | 'action'; text: string }[] {
  const out: { kind: 'text' | 'action'; text: string }[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      out.push({ kind: 'text', text: template.slice(i) });
      break;
    }
    out.push({ kind: 'text', text: template.slice(i, open) });
    let j = open + 1;
    let quote: string | undefined;
    for (; j < template.length; j++) {
      const c = template[j]!;
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '}') break;
    }
    if (j >= template.length) throw new JsonPathError(`unclosed action starting at column ${open + 1}: ${template.slice(open)}`);
    out.push({ kind: 'action', text: template.slice(open + 1, j) });
    i = j + 1;
  }
  return out;
}

function unquote(s: string): string {
  const body = s.slice(1, -1);
  if (s[0] === '"') {
    try {
      return JSON.parse(s) as string;
    } catch {
      throw new JsonPathError(`bad string literal ${s}`);
    }
  }
  return body.replace(/\\(.)/g, '$1');
}

const NAME = /^(?:\\.|[^.[\]\s()=!<>,'"])+/;

function parsePath(text: string): Path {
  let rest = text.trim();
  let root = false;
  if (rest.startsWith('$')) {
    root = true;
    rest = rest.slice(1);
  } else if (rest.startsWith('@')) rest = rest.slice(1);
  const segments: Segment[] = [];
  while (rest.length > 0) {
    if (rest.startsWith('..')) {
      rest = rest.slice(2);
      if (rest.startsWith('*')) {
        segments.push({ kind: 'recursive', name: '*' });
        rest = rest.slice(1);
        continue;
      }
      const m = NAME.exec(rest);
      if (!m) throw new JsonPathError(`expected a field name after ".." in ${text}`);
      segments.push({ kind: 'recursive', name: m[0].replace(/\\(.)/g, '$1') });
      rest = rest.slice(m[0].length);
    } else if (rest.startsWith('.')) {
      rest = rest.slice(1);
      if (rest.startsWith('*')) {
        segments.push({ kind: 'wildcard' });
        rest = rest.slice(1);
        continue;
      }
      if (rest === '' || rest.startsWith('[')) continue;
      const m = NAME.exec(rest);
      if (!m) throw new JsonPathError(`expected a field name at "${rest}" in ${text}`);
      segments.push({ kind: 'field', names: [m[0].replace(/\\(.)/g, '$1')] });
      rest = rest.slice(m[0].length);
    } else if (rest.startsWith('[')) {
      const close = matchingBracket(rest);
      segments.push(parseBracket(rest.slice(1, close).trim(), text));
      rest = rest.slice(close + 1);
    } else if (segments.length === 0 && NAME.test(rest)) {
      // `{metadata.name}`: kubectl reads a leading name as `.name`.
      const m = NAME.exec(rest)!;
      segments.push({ kind: 'field', names: [m[0].replace(/\\(.)/g, '$1')] });
      rest = rest.slice(m[0].length);
    } else {
      throw new JsonPathError(`unexpected "${rest}" in ${text}`);
    }
  }
  return { root, segments };
}

function matchingBracket(s: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  throw new JsonPathError(`unclosed [ in ${s}`);
}

function parseBracket(inner: string, text: string): Segment {
  if (inner === '*') return { kind: 'wildcard' };
  if (/^-?\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  const slice = /^(-?\d*):(-?\d*)(?::(-?\d*))?$/.exec(inner);
  if (slice) {
    const num = (s?: string): number | undefined => (s === undefined || s === '' ? undefined : Number(s));
    return { kind: 'slice', start: num(slice[1]), end: num(slice[2]), step: num(slice[3]) };
  }
  if (/^['"]/.test(inner)) {
    const names = [...inner.matchAll(/'((?:\\.|[^'])*)'|"((?:\\.|[^"])*)"/g)].map((m) => (m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1'));
    return { kind: 'field', names };
  }
  const filter = /^\?\((.*)\)$/s.exec(inner);
  if (filter) return parseFilter(filter[1]!.trim(), text);
  throw new JsonPathError(`cannot read [${inner}] in ${text}`);
}

function parseFilter(expr: string, text: string): Segment {
  const m = /^(\S+?)\s*(==|!=|<=|>=|<|>)\s*(.+)$/s.exec(expr);
  if (!m) return { kind: 'filter', left: parsePath(expr) };
  const value = m[3]!.trim();
  let right: Path | Json;
  if (/^(["']).*\1$/s.test(value)) right = unquote(value);
  else if (/^-?\d+(\.\d+)?$/.test(value)) right = Number(value);
  else if (value === 'true' || value === 'false') right = value === 'true';
  else if (value === 'null') right = null;
  else if (/^[@$]/.test(value)) right = parsePath(value);
  else throw new JsonPathError(`cannot read the value "${value}" in filter ${expr} of ${text}`);
  return { kind: 'filter', left: parsePath(m[1]!), op: m[2] as '==' | '!=' | '<' | '<=' | '>' | '>=', right };
}

function isPath(x: unknown): x is Path {
  return typeof x === 'object' && x !== null && 'segments' in x && 'root' in x;
}

function select(path: Path, root: Json, current: Json): Json[] {
  let values: Json[] = [path.root ? root : current];
  for (const seg of path.segments) values = values.flatMap((v) => step(seg, v, root));
  return values;
}

const isObject = (v: Json): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

function step(seg: Segment, v: Json, root: Json): Json[] {
  switch (seg.kind) {
    case 'field':
      return isObject(v) ? seg.names.filter((n) => n in v).map((n) => v[n]!) : [];
    case 'wildcard':
      return Array.isArray(v) ? v : isObject(v) ? Object.values(v) : [];
    case 'index': {
      if (!Array.isArray(v)) return [];
      const i = seg.index < 0 ? v.length + seg.index : seg.index;
      return i >= 0 && i < v.length ? [v[i]!] : [];
    }
    case 'slice':
      return Array.isArray(v) ? sliceOf(v, seg) : [];
    case 'recursive':
      return descendants(v).flatMap((d) => (isObject(d) ? (seg.name === '*' ? Object.values(d) : seg.name in d ? [d[seg.name]!] : []) : []));
    case 'filter': {
      const items = Array.isArray(v) ? v : isObject(v) ? Object.values(v) : [];
      return items.filter((item) => test(seg, item, root));
    }
  }
}

function sliceOf(v: Json[], s: { start?: number; end?: number; step?: number }): Json[] {
  const n = v.length;
  const norm = (i: number): number => (i < 0 ? Math.max(0, n + i) : Math.min(i, n));
  const stepBy = s.step ?? 1;
  if (stepBy <= 0) return [];
  const out: Json[] = [];
  for (let i = norm(s.start ?? 0); i < norm(s.end ?? n); i += stepBy) out.push(v[i]!);
  return out;
}

function descendants(v: Json): Json[] {
  const out: Json[] = [v];
  if (Array.isArray(v)) for (const x of v) out.push(...descendants(x));
  else if (isObject(v)) for (const x of Object.values(v)) out.push(...descendants(x));
  return out;
}

function test(seg: Extract<Segment, { kind: 'filter' }>, item: Json, root: Json): boolean {
  const left = select(seg.left, root, item);
  if (!seg.op) return left.length > 0;
  const rights = isPath(seg.right) ? select(seg.right, root, item) : [seg.right as Json];
  return left.some((l) => rights.some((r) => compare(l, seg.op!, r)));
}

function compare(a: Json, op: '==' | '!=' | '<' | '<=' | '>' | '>=', b: Json): boolean {
  switch (op) {
    case '==':
      return JSON.stringify(a) === JSON.stringify(b);
    case '!=':
      return JSON.stringify(a) !== JSON.stringify(b);
    default: {
      if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) return false;
      return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
    }
  }
}
