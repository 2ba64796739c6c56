/** Reading one node's dumps as text: failed commands and encodings handled in one place. */
import { decodeDumpStdout } from '../../snapshot/dump-encoding.js';
import type { DumpResult, NodeCapture } from '../../snapshot/types.js';

/** `failed`: `reason` names the command and why; `cause` is the why alone (for short lines). */
export type DumpText = { kind: 'text'; text: string; dump: DumpResult } | { kind: 'failed'; reason: string; cause: string } | { kind: 'absent' };

/** The stdout of a dump, decoded; a non-zero exit is a failure (its stderr is the reason). */
export function dumpText(capture: NodeCapture | undefined, key: string): DumpText {
  const d = capture?.dumps[key];
  if (!d) return { kind: 'absent' };
  if (d.exitCode !== 0) {
    const why = d.stderr.trim().split('\n')[0] || `exit code ${d.exitCode}`;
    return { kind: 'failed', reason: `${d.argv.join(' ') || key} failed: ${why}`, cause: why };
  }
  const decoded = decodeDumpStdout(d);
  return decoded.kind === 'text' ? { kind: 'text', text: decoded.text, dump: d } : { kind: 'failed', reason: `cannot decompress ${key}: ${decoded.reason}`, cause: `cannot decompress: ${decoded.reason}` };
}
