/**
 * How a dump's stdout is stored: plain text, or gzip then base64 for large outputs (the probe
 * compresses on the node so big rulesets cross the exec stream small). One decoder for every reader.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DumpResult } from './types.js';

export type DecodedStdout = { kind: 'text'; text: string } | { kind: 'undecodable'; reason: string };

/** The dump's stdout as text; a `gzip+base64` stdout that does not decode says why. */
export function decodeDumpStdout(d: Pick<DumpResult, 'stdout' | 'encoding'>): DecodedStdout {
  if (d.encoding !== 'gzip+base64') return { kind: 'text', text: d.stdout };
  try {
    // base64 tools wrap lines; Buffer.from skips whitespace, but be explicit about it.
    return { kind: 'text', text: gunzipSync(Buffer.from(d.stdout.replace(/\s+/g, ''), 'base64')).toString('utf8') };
  } catch (e) {
    return { kind: 'undecodable', reason: `stdout is marked gzip+base64 but does not decode: ${(e as Error).message}` };
  }
}

/** gzip+base64 of a text, as the node-side `gzip -c | base64` produces it (tests, local re-encoding). */
export function encodeGzipBase64(text: string): string {
  return gzipSync(Buffer.from(text, 'utf8')).toString('base64');
}
