/**
 * Any JSON value as text for a message. Never throws: `String({ toString: {} })` does, and such
 * objects are valid JSON (the property tests found one in a mutated nft dump).
 */
export function show(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? typeof v;
  } catch {
    return typeof v;
  }
}
