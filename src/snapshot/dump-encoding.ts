/**
 * How a dump's stdout is stored: plain text, or gzip then base64 for large outputs (the probe
 * compresses on the node so big rulesets cross the exec stream small). One decoder for every reader.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { MAX_TEXT_BYTES, sizeText } from './limits.js';
import type { DumpResult } from './types.js';

export type DecodedStdout = { kind: 'text'; text: string } | { kind: 'undecodable'; reason: string };

/**
 * The dump's stdout as text; a `gzip+base64` stdout that does not decode, or inflates past
 * MAX_TEXT_BYTES (inflating stops there), says why.
 */
export function decodeDumpStdout(d: Pick<DumpResult, 'stdout' | 'encoding'>): DecodedStdout {
  if (d.encoding !== 'gzip+base64') return { kind: 'text', text: d.stdout };
  try {
    // Buffer.from skips the line breaks base64 tools add.
    return { kind: 'text', text: gunzipSync(Buffer.from(d.stdout, 'base64'), { maxOutputLength: MAX_TEXT_BYTES }).toString('utf8') };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      return { kind: 'undecodable', reason: `stdout inflates to more than ${sizeText(MAX_TEXT_BYTES)}, the most kubectl-netx reads of one dump: decompression stopped there` };
    }
    return { kind: 'undecodable', reason: `stdout is marked gzip+base64 but does not decode: ${(e as Error).message}` };
  }
}

/** gzip+base64 of a text, as the node-side `gzip -c | base64` produces it (tests, local re-encoding). */
export function encodeGzipBase64(text: string): string {
  return gzipSync(Buffer.from(text, 'utf8')).toString('base64');
}
