/**
 * Calls the API with retries: exponential backoff with full jitter on 429 (honouring Retry-After,
 * up to a cap, saying so on stderr), 5xx and dropped connections. One call, retries included, stays
 * within --request-timeout; every attempt has its own timer too, so nothing waits forever even with
 * --request-timeout 0.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ExternalError, type NetxError } from '../util/errors.js';
import { describeIntent, httpError, RETRYABLE_CODES, RETRYABLE_STATUS, transportError } from './errors.js';
import { sendOnce, TransportError, type ApiRequest, type ApiResponse } from './http.js';
import type { Connection } from './kubeconfig.js';
import type { Warn } from './notice.js';
import { DEFAULT_RETRY, type RetryPolicy } from './options.js';

export interface CallOptions {
  requestTimeoutMs: number;
  retry?: Partial<RetryPolicy>;
  /** Statuses the caller handles itself (e.g. 422 of the dry-run probe) instead of an error. */
  acceptStatus?: number[];
  /** Sees every answer, errors and retried ones included (request and byte counts). */
  onResponse?: (res: ApiResponse) => void;
  /** Told when the server asks netx to wait (Retry-After). */
  warn?: Warn;
}

/** Answers with status < 400 (or in acceptStatus); anything else becomes a NetxError. */
export async function call(conn: Connection, req: ApiRequest, opts: CallOptions): Promise<ApiResponse> {
  const policy = { ...DEFAULT_RETRY, ...opts.retry };
  const started = Date.now();
  const deadline = opts.requestTimeoutMs > 0 ? started + opts.requestTimeoutMs : Infinity;
  const timeoutText = opts.requestTimeoutMs > 0 ? `${formatMs(opts.requestTimeoutMs)} (--request-timeout)` : formatMs(policy.attemptTimeoutMs);
  let attempt = 0;
  let longestAsked = 0;
  for (;;) {
    attempt++;
    const attemptTimeout = Math.max(1, Math.min(policy.attemptTimeoutMs, deadline - Date.now()));
    let failure: NetxError;
    let retryAfterMs: number | undefined;
    let status = 0;
    try {
      const res = await sendOnce(conn, req, attemptTimeout);
      opts.onResponse?.(res);
      if (res.status < 400 || opts.acceptStatus?.includes(res.status)) return res;
      failure = httpError(conn, req, res, attempt);
      if (!RETRYABLE_STATUS.has(res.status)) throw failure;
      retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      status = res.status;
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      failure = transportError(conn, req, e, attempt, timeoutText);
      if (!RETRYABLE_CODES.has(e.code)) throw failure;
    }
    longestAsked = Math.max(longestAsked, retryAfterMs ?? 0);
    const backoff = Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    const delay = Math.max(backoff, Math.min(retryAfterMs ?? 0, policy.maxRetryAfterMs));
    if (attempt >= policy.maxAttempts || Date.now() + delay >= deadline) throw withWaitHint(failure, longestAsked);
    if (retryAfterMs) opts.warn?.(waitNotice(req, status, retryAfterMs, delay, policy.maxRetryAfterMs));
    await sleep(delay);
  }
}

/** "the API server asked netx to wait 1h (429, Retry-After) before retrying list pods …; retrying in 10s". */
function waitNotice(req: ApiRequest, status: number, askedMs: number, delayMs: number, capMs: number): string {
  const cut = askedMs > capMs ? ` (netx waits at most ${formatWait(capMs)})` : '';
  return `the API server asked to wait ${formatWait(askedMs)} (${status}, Retry-After) before retrying ${describeIntent(req.intent)}; retrying in ${formatWait(delayMs)}${cut}`;
}

/** The last failure, saying how long the server wanted netx to wait when that is why it gave up. */
function withWaitHint(failure: NetxError, askedMs: number): NetxError {
  if (askedMs <= 0 || !(failure instanceof ExternalError)) return failure;
  return new ExternalError(failure.message, failure.command, {
    cause: failure,
    hint: `the API server is overloaded and asked to wait ${formatWait(askedMs)} before retrying; try again later, or raise --request-timeout to wait longer between attempts`,
  });
}

/** Retry-After in seconds (the API server's form) or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A wait in whole seconds (at least 1 s when there is any wait at all): "3600s". */
const formatWait = (ms: number): string => `${ms > 0 ? Math.max(1, Math.round(ms / 1000)) : 0}s`;
