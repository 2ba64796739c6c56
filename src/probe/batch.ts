/**
 * Many catalogue commands in one exec. Through the API every exec is a WebSocket upgrade, a kubelet
 * stream and a runc exec: 65–100 ms each on a 2-core node, ~24 of them per node, one after another.
 * One shell running them all costs one exec. The script is fixed (BATCH_SCRIPT): each command
 * arrives as its own argv in the positional parameters (never as shell text, so nothing is quoted or
 * interpreted), framed on stdout and stderr by lines carrying a per-batch random nonce, its stdout
 * base64-encoded (gzip first where the catalogue compresses) so no output can forge a frame.
 *
 * A command whose frame did not arrive complete (no shell or base64 in the image, the exec cut by its
 * deadline or output bound, a frame that does not parse) has no result here, and the caller runs it
 * on its own as before: batching changes how many execs run, never what is read or how it fails.
 */
import { randomBytes } from 'node:crypto';
import type { DumpResult } from '../snapshot/types.js';

/** One command of a batch: its argv and whether its output is gzip+base64 (as compressedArgv gives it). */
export interface BatchCommand {
  argv: readonly string[];
  compress: boolean;
}

/**
 * Parameters: NONCE, then per command ID Z N ARG1..ARGN. For each: a begin line "NONCE ID" on both
 * streams, its stdout base64-encoded (after gzip when Z=1), then "NONCE ID RC" on stdout; stderr ends
 * with "NONCE end". Every frame line starts after a newline, so output without one cannot swallow it.
 * The command's own argv is rebuilt in a subshell by rotating the positional parameters (POSIX sh has
 * no arrays), and its exit status crosses the pipe on fd 4, as in COMPRESS_SCRIPT.
 */
export const BATCH_SCRIPT =
  'exec 3>&1; nonce=$1; shift; while [ $# -gt 0 ]; do id=$1; z=$2; n=$3; shift 3; printf "\\n%s %s\\n" "$nonce" "$id" >&2; printf "\\n%s %s\\n" "$nonce" "$id"; ' +
  'rc=$( { { ( k=$#; j=0; for a; do j=$((j+1)); if [ "$j" -le "$n" ]; then set -- "$@" "$a"; fi; done; shift "$k"; exec "$@" 3>&- ) 4>&-; echo $? >&4; } | if [ "$z" = 1 ]; then gzip -c | base64; else base64; fi >&3; } 4>&1 ); ' +
  'printf "\\n%s %s %s\\n" "$nonce" "$id" "$rc"; shift "$n"; done; printf "\\n%s end\\n" "$nonce" >&2';

/** The argv of one batch; `nonce` is fresh for every batch (batchNonce). */
export function batchArgv(commands: readonly BatchCommand[], nonce: string): string[] {
  const params = commands.flatMap((c, i) => [String(i), c.compress ? '1' : '0', String(c.argv.length), ...c.argv]);
  return ['sh', '-c', BATCH_SCRIPT, 'sh', nonce, ...params];
}

export const batchNonce = (): string => `netx-${randomBytes(16).toString('hex')}`;

/** What one command of a batch gave, by its index; commands without a complete frame are absent. */
export function parseBatch(commands: readonly BatchCommand[], nonce: string, out: Pick<DumpResult, 'stdout' | 'stderr'>): Map<number, DumpResult> {
  const stdouts = stdoutFrames(out.stdout, nonce);
  const stderrs = stderrFrames(out.stderr, nonce);
  const results = new Map<number, DumpResult>();
  commands.forEach((c, i) => {
    const o = stdouts.get(i);
    const e = stderrs.get(i);
    if (o === undefined || e === undefined) return;
    const stdout = c.compress ? o.base64 : Buffer.from(o.base64, 'base64').toString('utf8');
    results.set(i, { argv: [...c.argv], stdout, stderr: e, exitCode: o.exitCode, ...(c.compress ? { encoding: 'gzip+base64' as const } : {}) });
  });
  return results;
}

/** Index → (base64 text as base64 printed it, exit code), for frames that closed. */
function stdoutFrames(text: string, nonce: string): Map<number, { base64: string; exitCode: number }> {
  const frames = new Map<number, { base64: string; exitCode: number }>();
  let open: { id: number; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${nonce} `)) {
      if (open && line !== '') open.lines.push(line);
      continue;
    }
    const [id, rc, extra] = line.slice(nonce.length + 1).split(' ').map(Number);
    if (extra !== undefined || id === undefined || !Number.isInteger(id)) return frames;
    if (rc === undefined) open = { id, lines: [] };
    else if (open?.id === id && Number.isInteger(rc)) {
      frames.set(id, { base64: open.lines.map((l) => `${l}\n`).join(''), exitCode: rc });
      open = undefined;
    } else return frames;
  }
  return frames;
}

/** Index → the command's stderr exactly, for commands whose stderr the next frame line closed. */
function stderrFrames(text: string, nonce: string): Map<number, string> {
  const frames = new Map<number, string>();
  const parts = `\n${text}`.split(`\n${nonce} `);
  for (let p = 1; p < parts.length - 1; p++) {
    const part = parts[p]!;
    const eol = part.indexOf('\n');
    const id = Number(part.slice(0, eol));
    if (eol < 0 || !Number.isInteger(id)) return frames;
    frames.set(id, part.slice(eol + 1));
  }
  // The last part is the end line, or the stderr of a command the batch was cut short in: left out.
  return frames;
}
