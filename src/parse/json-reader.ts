/** Typed, path-aware reads of an untrusted JSON value: every failure is a ParseError naming the JSON path. */
import { ParseError } from '../util/parse-error.js';

export type JsonObject = Record<string, unknown>;

export class JsonReader {
  constructor(readonly source: string) {}

  fail(path: string, message: string): never {
    throw new ParseError(this.source, message, undefined, undefined, path);
  }

  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, `expected an array, got ${describe(v)}`);
    return v;
  }

  object(v: unknown, path: string): JsonObject {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, `expected an object, got ${describe(v)}`);
    return v as JsonObject;
  }

  str(o: JsonObject, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string') this.fail(`${path}.${key}`, `expected a string, got ${describe(v)}`);
    return v;
  }

  optStr(o: JsonObject, key: string, path: string): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(`${path}.${key}`, `expected a string, got ${describe(v)}`);
    return v;
  }

  num(o: JsonObject, key: string, path: string): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${path}.${key}`, `expected a number, got ${describe(v)}`);
    return v;
  }

  optNum(o: JsonObject, key: string, path: string): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${path}.${key}`, `expected a number, got ${describe(v)}`);
    return v;
  }

  /** A number that iproute2 prints as a number or as a numeric string (table ids, marks). */
  optNumLike(o: JsonObject, key: string, path: string): number | string | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string') return v;
    return this.fail(`${path}.${key}`, `expected a number or string, got ${describe(v)}`);
  }

  optBool(o: JsonObject, key: string, path: string): boolean | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 0 || v === 1) return v === 1;
    return this.fail(`${path}.${key}`, `expected a boolean, got ${describe(v)}`);
  }

  strings(o: JsonObject, key: string, path: string): string[] {
    const v = o[key];
    if (v === undefined || v === null) return [];
    const arr = this.array(v, `${path}.${key}`);
    return arr.map((x, i) => {
      if (typeof x !== 'string') this.fail(`${path}.${key}[${i}]`, `expected a string, got ${describe(x)}`);
      return x;
    });
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
