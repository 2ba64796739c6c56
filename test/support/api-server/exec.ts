/**
 * pods/exec over WebSocket for the test API server, as kube-apiserver speaks it: subprotocols
 * v5.channel.k8s.io and v4.channel.k8s.io, each binary message prefixed with its channel (1 stdout,
 * 2 stderr, 3 status JSON with a NonZeroExitCode cause), v5's CLOSE (255) accepted from the client.
 * Commands run through an ExecBackend: a lab node namespace (`netnsBackend`) or a test's fake.
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RawObject } from '../../../src/snapshot/types.js';
import type { TestApiServer } from './server.js';

interface ExecResult {
  stdout: string | Buffer;
  stderr: string | Buffer;
  exitCode: number;
}

/** Runs one exec request; `signal` aborts when the client goes away. */
export type ExecBackend = (req: { pod: RawObject; argv: string[]; signal: AbortSignal }) => Promise<ExecResult>;

const DEFAULT_EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const EXEC_PATH = /^\/api\/v1\/namespaces\/(?<namespace>[^/]+)\/pods\/(?<name>[^/]+)\/exec$/;
const CHUNK = 64 * 1024;

/** Exec requests seen (for assertions): protocol chosen and argv. */
export interface ExecLog {
  protocol: string;
  argv: string[];
  pod: string;
}

export function serveExec(
  server: TestApiServer,
  opts: { find: (ns: string, name: string) => RawObject | undefined; backend?: ExecBackend; protocols?: string[]; log?: ExecLog[] },
): void {
  const preference = opts.protocols ?? DEFAULT_EXEC_PROTOCOLS;
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => preference.find((p) => offered.has(p)) ?? false,
  });
  server.onUpgrade((req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', server.url);
    const m = EXEC_PATH.exec(url.pathname);
    if (!m?.groups) return false;
    // A client that dies mid-exec (interrupt tests) resets the connection: that is not a server error.
    socket.on('error', () => undefined);
    const pod = opts.find(m.groups.namespace ?? '', m.groups.name ?? '');
    const phase = (pod?.status as { phase?: string } | undefined)?.phase;
    if (!pod || phase !== 'Running') {
      const why = pod ? `container not running (phase ${phase ?? 'unknown'})` : `pods "${m.groups.name}" not found`;
      const code = pod ? 400 : 404;
      socket.end(`HTTP/1.1 ${code} ${pod ? 'Bad Request' : 'Not Found'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${why}`);
      return true;
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim());
    if (!preference.some((p) => offered.includes(p))) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\nno supported exec subprotocol offered');
      return true;
    }
    const argv = url.searchParams.getAll('command');
    wss.handleUpgrade(req, socket, head, (ws) => void run(ws, pod, argv));
    return true;
  });

  async function run(ws: WebSocket, pod: RawObject, argv: string[]): Promise<void> {
    const abort = new AbortController();
    ws.on('close', () => abort.abort());
    // A client that dies mid-exec (interrupt tests) resets the connection: that is not a server error.
    ws.on('error', () => abort.abort());
    // v5: the client half-closes stdin with [255, 0]; nothing to do here (commands get no stdin).
    ws.on('message', () => undefined);
    opts.log?.push({ protocol: ws.protocol, argv, pod: String(pod.metadata?.name) });
    let result: ExecResult;
    try {
      result = opts.backend ? await opts.backend({ pod, argv, signal: abort.signal }) : { stdout: '', stderr: 'test server: no exec backend\n', exitCode: 126 };
    } catch (e) {
      result = { stdout: '', stderr: `test server exec failed: ${(e as Error).message}\n`, exitCode: 126 };
    }
    if (ws.readyState !== ws.OPEN) return;
    send(ws, 1, Buffer.from(result.stdout));
    send(ws, 2, Buffer.from(result.stderr));
    ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(execStatus(argv, result.exitCode)))]));
    ws.close(1000);
  }
}

function send(ws: WebSocket, channel: number, data: Buffer): void {
  for (let i = 0; i < data.length; i += CHUNK) ws.send(Buffer.concat([Buffer.from([channel]), data.subarray(i, i + CHUNK)]));
}

/** The status message kubelet's exec sends on channel 3. */
function execStatus(argv: string[], exitCode: number): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** Runs commands inside the network namespace mapped from the pod's nodeName (`ip netns exec`). */
export function netnsBackend(nodeToNetns: (node: string) => string | undefined): ExecBackend {
  return ({ pod, argv, signal }) => {
    const node = String((pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '');
    const ns = nodeToNetns(node);
    if (!ns) return Promise.resolve({ stdout: '', stderr: `test server: no namespace for node ${node}\n`, exitCode: 126 });
    return new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], signal });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => resolve({ stdout: Buffer.concat(out), stderr: `${e.message}\n`, exitCode: 126 }));
      child.on('close', (code) => resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), exitCode: code ?? 1 }));
    });
  };
}
