/** API answers and transport failures, worded for the person at the terminal. */
import { ExternalError, UserError, type NetxError } from '../util/errors.js';
import type { ApiRequest, ApiResponse, RequestIntent, TransportError } from './http.js';
import type { Connection } from './kubeconfig.js';
import { neededRuleText } from './rbac.js';

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
};

/** Codes worth another attempt: the server or the path to it may recover. */
export const RETRYABLE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'UND_ERR_SOCKET']);
export const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

const where = (c: Connection): string => `${c.server} (context "${c.contextName}")`;

/** "list pods in all namespaces", "get nodes/kind-worker", "create services in namespace default". */
export function describeIntent(i: RequestIntent): string {
  const target = `${i.resource}${i.subresource ? `/${i.subresource}` : ''}${i.name ? ` "${i.name}"` : ''}`;
  const scope = i.namespace ? ` in namespace ${i.namespace}` : i.verb === 'list' && isNamespacedGuess(i.resource) ? ' in all namespaces' : '';
  return `${i.verb} ${target}${scope}`;
}

const CLUSTER_SCOPED = new Set(['nodes', 'namespaces', 'servicecidrs', 'ippools', 'ciliumnodes']);
const isNamespacedGuess = (resource: string): boolean => !CLUSTER_SCOPED.has(resource);

/** A 404: either the object does not exist, or the server does not serve the API (CRD not installed). */
export class NotFoundError extends UserError {
  constructor(
    message: string,
    readonly missing: 'object' | 'api',
  ) {
    super(message, { code: 'not-found' });
  }
}

/** kube-apiserver names the object in a NotFound Status; an unserved path has no details.name. */
function isObjectNotFound(text: string): boolean {
  try {
    const body = JSON.parse(text) as { reason?: string; details?: { name?: string } };
    return body.reason === 'NotFound' && typeof body.details?.name === 'string';
  } catch {
    return false;
  }
}

/** The Status object's message, when the body is one. */
export function statusMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { kind?: string; message?: unknown };
    return body.kind === 'Status' && typeof body.message === 'string' ? body.message : undefined;
  } catch {
    return undefined;
  }
}

/** An HTTP error answer (status >= 400) as the error the user sees. */
export function httpError(conn: Connection, req: ApiRequest, res: ApiResponse, attempts: number): NetxError {
  const what = describeIntent(req.intent);
  const said = statusMessage(res.text) ?? (res.text.trim().slice(0, 200) || `HTTP ${res.status}`);
  switch (res.status) {
    case 401:
      return new UserError(`the API server ${where(conn)} rejected the credentials (401 Unauthorized)`, {
        code: 'unauthorized',
        hint: 'the token or client certificate of this context is invalid or expired; log in again or pick another --context',
      });
    case 403: {
      const user = /User "([^"]+)"/.exec(said)?.[1];
      const rule = neededRuleText(req.intent.resource, req.intent.subresource, req.intent.namespace);
      return new UserError(`permission denied: ${user ? `user "${user}"` : 'you'} cannot ${what} (context "${conn.contextName}")`, {
        code: 'forbidden',
        hint: `netx needs ${rule ?? `${req.intent.verb} on ${req.intent.resource}`}; \`kubectl netx rbac\` prints the RBAC rules to grant`,
      });
    }
    case 404:
      return new NotFoundError(`not found: ${what}: ${said}`, isObjectNotFound(res.text) ? 'object' : 'api');
    default: {
      const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
      const kind = res.status === 429 ? 'throttled the request (429 Too Many Requests)' : `answered ${res.status}`;
      return new ExternalError(`the API server ${where(conn)} ${kind} to ${what}${tries}: ${said}`, { status: res.status });
    }
  }
}

/** A failure below HTTP as the error the user sees. */
export function transportError(conn: Connection, req: ApiRequest, e: TransportError, attempts: number, timeoutText: string): NetxError {
  const what = describeIntent(req.intent);
  if (e.timedOut) {
    return new UserError(`the API server ${where(conn)} did not answer ${what} within ${timeoutText}${attempts > 1 ? ` (${attempts} attempts)` : ''}`, {
      code: 'timeout',
      hint: 'check that the cluster is up, or allow more time with --request-timeout',
    });
  }
  if (isTlsError(e.code)) {
    return new UserError(`cannot reach the API server ${where(conn)}: TLS error: ${e.message}`, {
      code: 'unreachable',
      hint: "the server's certificate does not match the kubeconfig's certificate-authority; check the context's cluster entry",
    });
  }
  const why = UNREACHABLE[e.code] ?? e.message;
  return new UserError(`cannot reach the API server ${where(conn)}: ${why}${attempts > 1 ? ` (${attempts} attempts)` : ''}`, {
    code: 'unreachable',
    hint: 'check that the cluster is running and the context is the one you meant (kubectl config current-context)',
  });
}

function isTlsError(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO/.test(code);
}
