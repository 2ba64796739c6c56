/**
 * A small language for the shape of the API-object fields netx reads, and its checker. A shape names
 * only those fields: anything else in an object is the API server's business and is left alone. Pure.
 *
 * `null` on an optional field is read as "absent" (Go's encoder writes `null` for an empty slice or
 * map without `omitempty`, e.g. an EndpointSlice's `endpoints`) and removed, so readers see one form.
 */
import { ipv4Int, isIPv6 } from '../util/addr.js';
import type { ShapeIssue } from './types.js';

type Format = 'ip' | 'cidr' | 'ip-or-none';

export type Shape =
  | { t: 'string'; format?: Format }
  | { t: 'int'; min: number; max: number }
  | { t: 'bool' }
  | { t: 'int-or-string'; min: number; max: number }
  | { t: 'list'; of: Shape; max?: number; unique?: string[][] }
  | { t: 'map'; of: Shape }
  | { t: 'object'; fields: Record<string, Shape>; required?: string[] };

export const str: Shape = { t: 'string' };
export const bool: Shape = { t: 'bool' };
export const ip: Shape = { t: 'string', format: 'ip' };
export const cidr: Shape = { t: 'string', format: 'cidr' };
export const int32: Shape = { t: 'int', min: -(2 ** 31), max: 2 ** 31 - 1 };
/** A port: 1–65535 (Service, container and EndpointSlice ports; 0 is "unset" only where `min` says so). */
export const port = (min = 1): Shape => ({ t: 'int', min, max: 65535 });
/**
 * A list; `max` and `unique` are the API server's validation: at most `max` items, and no two items
 * alike in each group of fields of `unique` (an absent field counts as "").
 */
export const list = (of: Shape, rules: { max?: number; unique?: string[][] } = {}): Shape => ({ t: 'list', of, ...rules });
const map = (of: Shape): Shape => ({ t: 'map', of });
export const obj = (fields: Record<string, Shape>, required?: string[]): Shape => ({ t: 'object', fields, ...(required ? { required } : {}) });
export const strings = list(str);
export const stringMap = map(str);

/** Issues past this many in one object are not listed: one bad object is named, not its every field. */
const MAX_ISSUES = 5;

/** Checks `value` against `shape`; removes `null` optional fields (see the file comment). */
export function checkShape(value: unknown, shape: Shape): ShapeIssue[] {
  const walk: Walk = { out: [], path: [] };
  visit(value, shape, walk);
  return walk.out;
}

/** The issues so far and where the walk is: keys and indexes, made into a path only for an issue. */
interface Walk {
  out: ShapeIssue[];
  path: (string | number)[];
}

function pathOf(w: Walk, extra?: string | number): string {
  let out = '';
  for (const seg of extra === undefined ? w.path : [...w.path, extra]) out = typeof seg === 'number' ? `${out}[${seg}]` : joinKey(out, seg);
  return out;
}

function issue(w: Walk, code: ShapeIssue['code'], expected: string, v: unknown, at?: string | number): void {
  w.out.push({ code, path: pathOf(w, at), expected, found: describeValue(v) });
}

function visit(v: unknown, s: Shape, w: Walk): void {
  if (w.out.length >= MAX_ISSUES) return;
  switch (s.t) {
    case 'string':
      if (typeof v !== 'string') return issue(w, 'wrong-type', expectedOf(s), v);
      if (s.format && !formatOk(v, s.format)) issue(w, 'bad-format', FORMAT_TEXT[s.format], v);
      return;
    case 'bool':
      if (typeof v !== 'boolean') issue(w, 'wrong-type', expectedOf(s), v);
      return;
    case 'int':
    case 'int-or-string':
      if (s.t === 'int-or-string' && typeof v === 'string') return;
      if (typeof v !== 'number' || !Number.isInteger(v)) return issue(w, 'wrong-type', expectedOf(s), v);
      if (v < s.min || v > s.max) issue(w, 'out-of-range', `an integer from ${s.min} to ${s.max}${s.t === 'int' ? '' : ', or a name'}`, v);
      return;
    case 'list':
      return visitList(v, s, w);
    case 'map':
      if (!isPlainObject(v)) return issue(w, 'wrong-type', expectedOf(s), v);
      for (const k in v) visitChild(v[k], s.of, w, k);
      return;
    case 'object':
      if (!isPlainObject(v)) return issue(w, 'wrong-type', expectedOf(s), v);
      for (const k in s.fields) {
        if (!Object.hasOwn(v, k)) continue;
        if (v[k] === null) delete v[k];
        else visitChild(v[k], s.fields[k]!, w, k);
      }
      for (const k of s.required ?? []) if (!Object.hasOwn(v, k) && w.out.length < MAX_ISSUES) w.out.push({ code: 'missing', path: pathOf(w, k), expected: expectedOf(s.fields[k]!), found: 'nothing' });
  }
}

function visitChild(v: unknown, s: Shape, w: Walk, key: string | number): void {
  w.path.push(key);
  visit(v, s, w);
  w.path.pop();
}

function visitList(v: unknown, s: Extract<Shape, { t: 'list' }>, w: Walk): void {
  if (!Array.isArray(v)) return issue(w, 'wrong-type', expectedOf(s), v);
  if (s.max !== undefined && v.length > s.max) return issue(w, 'out-of-range', `at most ${s.max} items`, v);
  for (let i = 0; i < v.length && w.out.length < MAX_ISSUES; i++) {
    if (v[i] === null) issue(w, 'wrong-type', expectedOf(s.of), null, i);
    else visitChild(v[i], s.of, w, i);
  }
  if (w.out.length === 0) for (const fields of s.unique ?? []) duplicates(v, fields, w);
}

/** The first item that repeats an earlier one in `fields` (items are objects that passed their shape). */
function duplicates(items: unknown[], fields: string[], w: Walk): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const rec = item as Record<string, unknown>;
    // Items without any of the fields (a single unnamed port) are not compared by them.
    if (w.out.length >= MAX_ISSUES || fields.every((f) => rec[f] === undefined)) return;
    const key = JSON.stringify(fields.map((f) => rec[f] ?? ''));
    if (seen.has(key)) w.out.push({ code: 'duplicate', path: pathOf(w, i), expected: `no two items with the same ${fields.join(' and ')}`, found: `a repeat of ${fields.map((f) => `${f} ${JSON.stringify(rec[f] ?? '')}`).join(', ')}` });
    seen.add(key);
  });
}

const FORMAT_TEXT: Record<Format, string> = {
  ip: 'an IP address',
  cidr: 'a CIDR (address/length)',
  'ip-or-none': 'an IP address, "None" or ""',
};

function formatOk(v: string, f: Format): boolean {
  if (f === 'ip') return ipFamily(v) !== undefined;
  if (f === 'ip-or-none') return v === '' || v === 'None' || ipFamily(v) !== undefined;
  const slash = v.indexOf('/');
  const family = ipFamily(v.slice(0, slash));
  const len = v.slice(slash + 1);
  return slash > 0 && family !== undefined && /^\d{1,3}$/.test(len) && Number(len) <= (family === 4 ? 32 : 128);
}

/**
 * The API server's IP syntax: a dotted quad (leading zeros included: objects created before
 * Kubernetes 1.33 may hold them) or an IPv6 address without a zone.
 */
function ipFamily(v: string): 4 | 6 | undefined {
  if (v.includes(':')) return !v.includes('%') && isIPv6(v) ? 6 : undefined;
  return ipv4Int(v) !== undefined ? 4 : undefined;
}

function expectedOf(s: Shape): string {
  switch (s.t) {
    case 'string':
      return s.format ? FORMAT_TEXT[s.format] : 'a string';
    case 'bool':
      return 'true or false';
    case 'int':
      return 'an integer';
    case 'int-or-string':
      return 'an integer or a name';
    case 'list':
      return 'a list';
    case 'map':
      return 'an object (a map)';
    case 'object':
      return 'an object';
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `spec.ports`, `metadata.labels["app.kubernetes.io/name"]`. */
export function joinKey(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** A value as a message shows it: its JSON type, and the value itself when it is short. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v.length <= 40 ? `the string ${JSON.stringify(v)}` : `a string of ${v.length} characters`;
  if (typeof v === 'number') return `the number ${v}`;
  return String(v);
}
