/**
 * A small language for the shape of the API-object fields netx reads, and its checker. A shape names
 * only those fields: anything else in an object is the API server's business and is left alone. Pure.
 *
 * `null` on an optional field is read as "absent" (Go's encoder writes `null` for an empty slice or
 * map without `omitempty`, e.g. an EndpointSlice's `endpoints`) and removed, so readers see one form.
 * A map (labels, ConfigMap data) loses its prototype: a key such as `constructor` is then only ever
 * the object's own entry, never Object.prototype's.
 */
import ipaddr from 'ipaddr.js';
import type { ShapeIssue } from './types.js';

export type Format = 'ip' | 'cidr' | 'ip-or-none';

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
export const map = (of: Shape): Shape => ({ t: 'map', of });
export const obj = (fields: Record<string, Shape>, required?: string[]): Shape => ({ t: 'object', fields, ...(required ? { required } : {}) });
export const strings = list(str);
export const stringMap = map(str);


/** Issues past this many in one object are not listed: one bad object is named, not its every field. */
const MAX_ISSUES = 5;

/** Checks `value` against `shape`; removes `null` optional fields (see the file comment). */
export function checkShape(value: unknown, shape: Shape, path = ''): ShapeIssue[] {
  const issues: ShapeIssue[] = [];
  visit(value, shape, path, issues);
  return issues;
}

function visit(v: unknown, s: Shape, path: string, out: ShapeIssue[]): void {
  if (out.length >= MAX_ISSUES) return;
  const wrong = (): void => void out.push({ code: 'wrong-type', path, expected: expectedOf(s), found: describeValue(v) });
  switch (s.t) {
    case 'string':
      if (typeof v !== 'string') return wrong();
      if (s.format && !formatOk(v, s.format)) out.push({ code: 'bad-format', path, expected: FORMAT_TEXT[s.format], found: describeValue(v) });
      return;
    case 'bool':
      if (typeof v !== 'boolean') wrong();
      return;
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) return wrong();
      if (v < s.min || v > s.max) out.push({ code: 'out-of-range', path, expected: `an integer from ${s.min} to ${s.max}`, found: describeValue(v) });
      return;
    case 'int-or-string':
      if (typeof v === 'string') return;
      if (typeof v !== 'number' || !Number.isInteger(v)) return wrong();
      if (v < s.min || v > s.max) out.push({ code: 'out-of-range', path, expected: `an integer from ${s.min} to ${s.max}, or a name`, found: describeValue(v) });
      return;
    case 'list':
      if (!Array.isArray(v)) return wrong();
      if (s.max !== undefined && v.length > s.max) return void out.push({ code: 'out-of-range', path, expected: `at most ${s.max} items`, found: describeValue(v) });
      for (let i = 0; i < v.length && out.length < MAX_ISSUES; i++) {
        if (v[i] === null) out.push({ code: 'wrong-type', path: `${path}[${i}]`, expected: expectedOf(s.of), found: 'null' });
        else visit(v[i], s.of, `${path}[${i}]`, out);
      }
      if (out.length === 0) for (const fields of s.unique ?? []) duplicates(v, fields, path, out);
      return;
    case 'map':
      if (!isPlainObject(v)) return wrong();
      if (Object.getPrototypeOf(v) !== null) Object.setPrototypeOf(v, null);
      for (const [k, x] of Object.entries(v)) {
        if (out.length >= MAX_ISSUES) return;
        visit(x, s.of, joinKey(path, k), out);
      }
      return;
    case 'object':
      if (!isPlainObject(v)) return wrong();
      for (const [k, fs] of Object.entries(s.fields)) {
        if (!Object.hasOwn(v, k)) continue;
        const x = v[k];
        if (x === null) delete v[k];
        else visit(x, fs, joinKey(path, k), out);
      }
      for (const k of s.required ?? []) {
        if (!Object.hasOwn(v, k) && out.length < MAX_ISSUES) out.push({ code: 'missing', path: joinKey(path, k), expected: expectedOf(s.fields[k]!), found: 'nothing' });
      }
  }
}

/** The first item that repeats an earlier one in `fields` (items are objects that passed their shape). */
function duplicates(items: unknown[], fields: string[], path: string, out: ShapeIssue[]): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const rec = item as Record<string, unknown>;
    // Items without any of the fields (a single unnamed port) are not compared by them.
    if (out.length >= MAX_ISSUES || fields.every((f) => rec[f] === undefined)) return;
    const key = JSON.stringify(fields.map((f) => rec[f] ?? ''));
    if (seen.has(key)) out.push({ code: 'duplicate', path: `${path}[${i}]`, expected: `no two items with the same ${fields.join(' and ')}`, found: `a repeat of ${fields.map((f) => `${f} ${JSON.stringify(rec[f] ?? '')}`).join(', ')}` });
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
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v)) return v.split('.').every((o) => Number(o) <= 255) ? 4 : undefined;
  return v.includes(':') && !v.includes('%') && ipaddr.IPv6.isValid(v) ? 6 : undefined;
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
