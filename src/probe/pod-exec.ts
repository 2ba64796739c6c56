/**
 * The debug-pod transport: each command through the API's pods/exec over WebSocket with client-node's
 * Exec (it offers v5.channel.k8s.io first, then v4). Commands go as argv, never stdin: v4 has no
 * half-close, so ending stdin would close the whole stream (facts §9).
 *
 * Every exec has a deadline: the WebSocket upgrade is bounded by the request timeout (an API server
 * or kubelet that never answers the upgrade), the command by the probe's command timeout (a node
 * command that hangs). Either ends the exec and throws, so the node is reported as not probed.
 */
import { Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import type { DumpResult } from '../snapshot/types.js';
import { UserError } from '../util/errors.js';
import { CONTAINER } from './debug-pod.js';
import { CommandTimeout, DEFAULT_COMMAND_TIMEOUT_MS, formatDuration, MAX_OUTPUT_BYTES, type ExecOptions, type Transport } from './transport.js';

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

/** Why an exec was cut short. */
type Stop = { kind: 'upgrade' } | { kind: 'deadline' } | { kind: 'overflow'; what: string };

export class PodExecTransport implements Transport {
  readonly kind = 'debug-pod' as const;
  constructor(
    private readonly kc: KubeConfig,
    readonly namespace: string,
    readonly pod: string,
    readonly image: string,
    /** Bound for the WebSocket upgrade (the request timeout). */
    private readonly upgradeTimeoutMs: number = 60_000,
  ) {}

  describe(): { transport: string; image: string; pod: string } {
    return { transport: 'debug-pod', image: this.image, pod: `${this.namespace}/${this.pod}` };
  }

  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<DumpResult> {
    const started = performance.now();
    const limit = opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    let stopped: Stop | undefined;
    let socket: WebSocket | undefined;
    const stop = (why: Stop): void => {
      stopped ??= why;
      socket?.terminate();
    };
    const out = new Sink(() => stop({ kind: 'overflow', what: 'output' }));
    const err = new Sink(() => stop({ kind: 'overflow', what: 'stderr' }));
    let status: V1Status | undefined;
    // client-node's default socket cannot be reached before it opens: make it here, so a timer can end it.
    const handler = new WebSocketHandler(this.kc, (uri, protocols, o) => {
      const made = new WebSocket(uri, protocols, o);
      socket = made;
      // The deadline passed while the kubeconfig's credentials were being applied.
      if (stopped) process.nextTick(() => made.terminate());
      return made;
    });
    const timer = setTimeout(() => stop({ kind: 'deadline' }), limit);
    const upgradeTimer = setTimeout(() => stop({ kind: 'upgrade' }), Math.min(this.upgradeTimeoutMs, limit));
    let ws: WebSocket;
    try {
      ws = await new Exec(this.kc, handler).exec(this.namespace, this.pod, CONTAINER, [...argv], out, err, null, false, (s) => {
        status = s;
      });
    } catch (e) {
      clearTimeout(timer);
      if (stopped?.kind === 'upgrade') throw upgradeTimedOut(this.namespace, this.pod, Math.min(this.upgradeTimeoutMs, limit));
      if (stopped?.kind === 'deadline') throw this.timedOut(argv, limit);
      throw execRefused(e, this.namespace, this.pod);
    } finally {
      clearTimeout(upgradeTimer);
    }
    await new Promise<void>((resolve) => {
      ws.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (stopped) ws.terminate();
    });
    const durationMs = Math.round(performance.now() - started);
    if (stopped?.kind === 'upgrade') throw upgradeTimedOut(this.namespace, this.pod, Math.min(this.upgradeTimeoutMs, limit));
    if (stopped?.kind === 'deadline') throw this.timedOut(argv, limit);
    if (stopped) return { argv: [...argv], stdout: out.text(), stderr: `${err.text()}netx: ${stopped.what} larger than ${MAX_OUTPUT_BYTES} bytes\n`, exitCode: 124, durationMs };
    const { exitCode, message } = exitCodeOf(status);
    return { argv: [...argv], stdout: out.text(), stderr: err.text() + (message ? `${message}\n` : ''), exitCode, durationMs };
  }

  private timedOut(argv: readonly string[], limitMs: number): CommandTimeout {
    return new CommandTimeout(argv, limitMs, `in probe pod ${this.namespace}/${this.pod}`);
  }
}

/** The WebSocket upgrade was never answered: the API server, or the node's kubelet behind it, hangs. */
function upgradeTimedOut(namespace: string, pod: string, ms: number): UserError {
  return new UserError(`exec into probe pod ${namespace}/${pod} was not answered within ${formatDuration(ms)} (the API server or the node's kubelet did not complete the upgrade)`, {
    code: 'timeout',
    hint: 'check that the API server reaches the node\'s kubelet (kubectl exec into any pod on that node); allow more time with --request-timeout',
  });
}


/** The WebSocket upgrade was refused: RBAC (pods/exec), the pod vanished, the server is unreachable. */
function execRefused(e: unknown, namespace: string, pod: string): Error {
  const text = e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e);
  // ws reports a refused upgrade as "Unexpected server response: <status>": the status is all there is.
  if (/\b403\b/.test(text)) {
    return new UserError(`permission denied: cannot create pods/exec in namespace ${namespace}`, {
      code: 'forbidden',
      hint: 'netx needs create, get on pods/exec in the probe namespace (kubectl netx rbac), or run with --no-probe',
    });
  }
  return new UserError(`cannot exec into probe pod ${namespace}/${pod}: ${text}`, { code: 'unreachable' });
}
