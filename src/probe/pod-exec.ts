/**
 * The debug-pod transport: each command through the API's pods/exec over WebSocket with client-node's
 * Exec (it offers v5.channel.k8s.io first, then v4). Commands go as argv, never stdin: v4 has no
 * half-close, so ending stdin would close the whole stream (facts §9).
 */
import { Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import type { DumpResult } from '../snapshot/types.js';
import { UserError } from '../util/errors.js';
import { CONTAINER } from './debug-pod.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, MAX_OUTPUT_BYTES, type ExecOptions, type Transport } from './transport.js';

/** Collects a stream's bytes up to a bound. */
class Sink extends Writable {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  constructor(private readonly onOverflow: () => void) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.bytes += chunk.length;
    if (this.bytes > MAX_OUTPUT_BYTES) this.onOverflow();
    else this.chunks.push(chunk);
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Exit code from the exec status (channel 3): Success = 0; NonZeroExitCode carries it in causes. */
export function exitCodeOf(status: V1Status | undefined): { exitCode: number; message?: string } {
  if (!status) return { exitCode: 1, message: 'the exec stream ended without an exit status' };
  if (status.status === 'Success') return { exitCode: 0 };
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = Number(cause?.message);
  if (cause && Number.isInteger(n)) return { exitCode: n };
  // The runtime could not start the command at all: the binary is missing from the image.
  const message = status.message ?? 'exec failed';
  return { exitCode: /not found|no such file/i.test(message) ? 127 : 126, message };
}

export class PodExecTransport implements Transport {
  readonly kind = 'debug-pod' as const;
  constructor(
    private readonly kc: KubeConfig,
    readonly namespace: string,
    readonly pod: string,
    readonly image: string,
  ) {}

  describe(): { transport: string; image: string; pod: string } {
    return { transport: 'debug-pod', image: this.image, pod: `${this.namespace}/${this.pod}` };
  }

  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<DumpResult> {
    const started = performance.now();
    let stopped: string | undefined;
    let socket: { terminate(): void } | undefined;
    const stop = (why: string): void => {
      stopped ??= why;
      socket?.terminate();
    };
    const out = new Sink(() => stop(`output larger than ${MAX_OUTPUT_BYTES} bytes`));
    const err = new Sink(() => stop(`stderr larger than ${MAX_OUTPUT_BYTES} bytes`));
    let status: V1Status | undefined;
    let ws;
    try {
      ws = await new Exec(this.kc).exec(this.namespace, this.pod, CONTAINER, [...argv], out, err, null, false, (s) => {
        status = s;
      });
    } catch (e) {
      throw execRefused(e, this.namespace, this.pod);
    }
    socket = ws;
    const limit = opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => stop(`timed out after ${limit} ms`), limit);
      ws.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (stopped) ws.terminate();
    });
    const durationMs = Math.round(performance.now() - started);
    if (stopped) return { argv: [...argv], stdout: out.text(), stderr: `${err.text()}netx: ${stopped}\n`, exitCode: 124, durationMs };
    const { exitCode, message } = exitCodeOf(status);
    return { argv: [...argv], stdout: out.text(), stderr: err.text() + (message ? `${message}\n` : ''), exitCode, durationMs };
  }
}

/** The WebSocket upgrade was refused: RBAC (pods/exec), the pod vanished, or the server is unreachable. */
function execRefused(e: unknown, namespace: string, pod: string): Error {
  const text = e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e);
  if (/\b403\b/.test(text)) {
    return new UserError(`permission denied: cannot create pods/exec in namespace ${namespace}`, {
      code: 'forbidden',
      hint: 'netx needs create, get on pods/exec in the probe namespace (kubectl netx rbac), or run with --no-probe',
    });
  }
  return new UserError(`cannot exec into probe pod ${namespace}/${pod}: ${text}`, { code: 'unreachable' });
}
