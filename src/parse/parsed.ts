/** What every parser in parse/ returns: the value plus the non-fatal observations made on the way. */
import type { ParseWarning } from '../util/parse-error.js';

export interface Parsed<T> {
  value: T;
  warnings: ParseWarning[];
}

/** Options every parser takes: the name of the input, used in errors and warnings. */
export interface SourceOpts {
  source: string;
}

/** Copies the defined values onto target (keeps optional fields absent instead of `undefined`). */
export function assignDefined<T extends object>(target: T, values: Partial<T>): T {
  for (const [k, v] of Object.entries(values)) if (v !== undefined) (target as Record<string, unknown>)[k] = v;
  return target;
}
