/**
 * One HTTPS exchange with the API server, authenticated by the kubeconfig (client-node applies CA,
 * client certs, tokens and exec/OIDC auth providers to the request options). Retries and error
 * wording live in cluster/retry.ts and cluster/errors.ts.
 */
import https from 'node:https';
import type { Connection } from './kubeconfig.js';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the server URL, e.g. /api/v1/pods. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  accept?: string;
  /** What this request means, for messages (403: "cannot list pods in all namespaces"). */
  intent: RequestIntent;
}

export interface RequestIntent {
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Bytes of the body as received, for measurements. */
  bytes: number;
}

/** A failure below HTTP: the connection, TLS, or the per-attempt timer. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

function requestUrl(server: string, req: Pick<ApiRequest, 'path' | 'query'>): URL {
  const url = new URL(server.replace(/\/+$/, '') + req.path);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  return url;
}

const agents = new WeakMap<Connection, https.Agent>();

/**
 * client-node's agent opens a new TLS connection per request; paging through a big cluster makes
 * hundreds of requests, so reuse connections (same TLS material; proxied clusters keep client-node's agent).
 */
function keepAliveAgent(conn: Connection, opts: https.RequestOptions): https.Agent {
  let agent = agents.get(conn);
  if (!agent) {
    const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername } = opts;
    agent = new https.Agent({ keepAlive: true, ca, cert, key, pfx, passphrase, rejectUnauthorized, servername });
    agents.set(conn, agent);
  }
  return agent;
}

/** Sends one request; rejects with TransportError on connection problems or after `timeoutMs`. */
export async function sendOnce(conn: Connection, req: ApiRequest, timeoutMs: number): Promise<ApiResponse> {
  const url = requestUrl(conn.server, req);
  const opts: https.RequestOptions = { method: req.method, headers: {} };
  await conn.applyToRequest(opts);
  if (!conn.proxied) opts.agent = keepAliveAgent(conn, opts);
  const headers = opts.headers as Record<string, string>;
  headers.Accept = req.accept ?? 'application/json';
  headers['User-Agent'] = 'kubectl-netx';
  const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
  if (payload) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(payload.length);
  }
  return new Promise<ApiResponse>((resolve, reject) => {
    const request = https.request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => fail(e));
      res.on('end', () => {
        clearTimeout(timer);
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: body.toString('utf8'), bytes: body.length });
      });
      res.on('aborted', () => fail(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
    });
    let settled = false;
    const fail = (e: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(toTransportError(e));
    };
    const timer = setTimeout(() => {
      request.destroy(new TransportError(`no answer within ${timeoutMs} ms`, 'ETIMEDOUT', true));
    }, timeoutMs);
    request.on('error', fail);
    request.end(payload);
  });
}

function toTransportError(e: unknown): TransportError {
  if (e instanceof TransportError) return e;
  const err = e as NodeJS.ErrnoException;
  return new TransportError(err.message, err.code ?? 'EUNKNOWN', false);
}
