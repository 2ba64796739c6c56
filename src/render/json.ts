/**
 * Machine output for any report: JSON with a stable key order (keys sorted at every
 * level, arrays keep their order), undefined dropped, bigint written as a decimal string.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A plain, key-sorted copy of `value` that JSON and YAML print identically. */
export function canonical(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonical(v)));
  if (value instanceof Map) return canonical(Object.fromEntries(value));
  if (value instanceof Set) return canonical([...value]);
  if (typeof value === 'object') {
    // An object that says how it is written (a step that lists its rules only when asked) is written that way.
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return canonical(toJSON.call(value));
    const out: { [k: string]: Json } = {};
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj).sort()) {
      if (obj[k] === undefined || typeof obj[k] === 'function') continue;
      out[k] = canonical(obj[k]);
    }
    return out;
  }
  return null;
}

/** Pretty JSON (2 spaces) ending in a newline. */
export const renderJson = (report: unknown): string => `${JSON.stringify(canonical(report), null, 2)}\n`;
