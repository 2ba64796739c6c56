/**
 * How much text netx reads at most: a whole snapshot (after gunzip) and one node dump (after its
 * gzip+base64 is decoded). Both are held as one JavaScript string, so V8's longest string (just under
 * 512 MiB) is the ceiling; docs/snapshot.md ("Limits") says why no real capture comes near it.
 */
import { constants } from 'node:buffer';

export const MAX_TEXT_BYTES = Math.min(512 * 1024 * 1024, constants.MAX_STRING_LENGTH);

/** `512 MiB`: sizes in messages, in the units the limits are set in. */
export function sizeText(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1 ? `${Math.round(mib)} MiB` : `${bytes} bytes`;
}

/**
 * How many JSON objects and arrays a snapshot may hold. Each costs about 100 bytes of heap once
 * parsed, whatever its size in the text: 512 MiB of `{},{},…` would need 17 GB. A real capture
 * spends 40 bytes or more of text on each (docs/snapshot.md, "Limits").
 */
export const MAX_JSON_CONTAINERS = 16_000_000;

export interface JsonScan {
  /** Where the (limit + 1)th object or array opens, or -1. */
  pastLimit: number;
  /** The deepest nesting of objects and arrays seen (the top level is 1), up to `pastLimit`. */
  depth: number;
}

/**
 * One pass over JSON text before it is parsed: the container count against `limit`, and the nesting
 * depth (which lets the loader skip its depth walks on every real snapshot). Strings are skipped
 * with indexOf (a snapshot's bytes are mostly dump text inside strings).
 */
export function scanJson(text: string, limit = MAX_JSON_CONTAINERS): JsonScan {
  let count = 0;
  let level = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) i = stringEnd(text, i);
    else if (c === 0x7b || c === 0x5b) {
      if (++count > limit) return { pastLimit: i, depth };
      if (++level > depth) depth = level;
    } else if (c === 0x7d || c === 0x5d) level--;
  }
  return { pastLimit: -1, depth };
}

/** The index of the quote that closes the string opened at `open` (or the text's end). */
function stringEnd(text: string, open: number): number {
  let q = open;
  for (;;) {
    q = text.indexOf('"', q + 1);
    if (q < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
}
