/**
 * Where probe commands run. Three transports behind one interface, all producing the same raw
 * DumpResults: a debug pod through the API (default, probe/pod-exec.ts), the local host (netx runs on
 * the node), and a named network namespace (`ip netns exec NAME`, the lab).
 */
import { spawn } from 'node:child_process';
import type { DumpResult } from '../snapshot/types.js';
import { UserError } from '../util/errors.js';

export interface ExecOptions {
  /** Stop the command after this long and throw CommandTimeout. */
  timeoutMs?: number;
}

/**
 * A node command that outlived its deadline. Thrown, not recorded as a result: a node where a read
 * hangs (a wedged netlink, a kubelet that stopped streaming) gives no trustworthy dumps, so the
 * probe of that node ends and the node is reported as not probed, with this reason (the nft dump excepted:
 * node-probe.ts).
 */
export class CommandTimeout extends UserError {
  constructor(
    readonly argv: readonly string[],
    readonly limitMs: number,
    where: string,
  ) {
    super(`node command \`${argv.join(' ').slice(0, 120)}\` ${where} did not finish within ${formatDuration(limitMs)}`, {
      code: 'timeout',
      hint: 'the node may be overloaded or its netfilter tables huge; allow more time with --probe-timeout',
    });
  }
}

/** "90 s", "100 ms". */
export const formatDuration = (ms: number): string => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

export interface Transport {
  readonly kind: 'debug-pod' | 'local' | 'netns';
  /**
   * Runs argv to completion; a missing tool or a refusal is a result (exit code + stderr). Throws
   * CommandTimeout past the deadline, and a UserError when the transport itself fails.
   */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<DumpResult>;
  /** Probe metadata for NodeCapture.probe (transport, image, pod). */
  describe(): { transport: string; image?: string; pod?: string };
}

/** Largest stdout a command may produce before it is stopped (compressed outputs are far smaller). */
export const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;
export const DEFAULT_COMMAND_TIMEOUT_MS = 90_000;

/** Runs argv as a child process of netx, bounded in time and output. */
export function spawnDump(argv: readonly string[], recorded: readonly string[], opts: ExecOptions = {}, where = 'on this machine'): Promise<DumpResult> {
  const [cmd, ...args] = argv;
  const started = performance.now();
  const limit = opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let stopped: string | undefined;
    let timedOut = false;
    const child = spawn(cmd ?? 'false', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stop = (why: string): void => {
      stopped ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = !stopped;
      stop('deadline');
    }, limit);
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
      if (timedOut) {
        clearTimeout(timer);
        reject(new CommandTimeout(recorded, limit, where));
      } else if (stopped) finish(124, `netx: ${stopped}\n`);
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
    return spawnDump(['ip', 'netns', 'exec', this.namespace, ...argv], argv, opts, `in network namespace ${this.namespace}`);
  }
  describe(): { transport: string } {
    return { transport: `netns:${this.namespace}` };
  }
}
