/**
 * Where probe commands run. Three transports behind one interface, all producing the same raw
 * DumpResults: a debug pod through the API (default, probe/pod-exec.ts), the local host (netx runs on
 * the node), and a named network namespace (`ip netns exec NAME`, the lab).
 */
import { spawn } from 'node:child_process';
import type { DumpResult } from '../snapshot/types.js';

export interface ExecOptions {
  /** Kill the command after this long; the result says so (exit code 124, like timeout(1)). */
  timeoutMs?: number;
}

export interface Transport {
  readonly kind: 'debug-pod' | 'local' | 'netns';
  /** Runs argv to completion; a missing tool or a refusal is a result (exit code + stderr), never a throw. */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<DumpResult>;
  /** Probe metadata for NodeCapture.probe (transport, image, pod). */
  describe(): { transport: string; image?: string; pod?: string };
}

/** Largest stdout a command may produce before it is stopped (compressed outputs are far smaller). */
export const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;
export const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;

/** Runs argv as a child process of netx, bounded in time and output. */
export function spawnDump(argv: readonly string[], recorded: readonly string[], opts: ExecOptions = {}): Promise<DumpResult> {
  const [cmd, ...args] = argv;
  const started = performance.now();
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let stopped: string | undefined;
    const child = spawn(cmd ?? 'false', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stop = (why: string): void => {
      stopped ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(`timed out after ${opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS} ms`), opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
    child.stdout.on('data', (b: Buffer) => {
      bytes += b.length;
      if (bytes > MAX_OUTPUT_BYTES) stop(`output larger than ${MAX_OUTPUT_BYTES} bytes`);
      else out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const finish = (exitCode: number, extra = ''): void => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8') + extra;
      resolve({ argv: [...recorded], stdout: Buffer.concat(out).toString('utf8'), stderr, exitCode, durationMs: Math.round(performance.now() - started) });
    };
    child.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ENOENT' ? 127 : 126, `${cmd}: ${e.message}\n`));
    child.on('close', (code, signal) => {
      if (stopped) finish(124, `netx: ${stopped}\n`);
      else finish(code ?? (signal ? 128 : 1));
    });
  });
}

/** netx runs on the node itself: commands run here, in the host's namespaces. */
export class LocalTransport implements Transport {
  readonly kind = 'local' as const;
  exec(argv: readonly string[], opts?: ExecOptions): Promise<DumpResult> {
    return spawnDump(argv, argv, opts);
  }
  describe(): { transport: string } {
    return { transport: 'local' };
  }
}

/** Commands run inside a named network namespace (`ip netns exec NAME …`): the lab's nodes. */
export class NetnsTransport implements Transport {
  readonly kind = 'netns' as const;
  constructor(readonly namespace: string) {}
  exec(argv: readonly string[], opts?: ExecOptions): Promise<DumpResult> {
    return spawnDump(['ip', 'netns', 'exec', this.namespace, ...argv], argv, opts);
  }
  describe(): { transport: string } {
    return { transport: `netns:${this.namespace}` };
  }
}
