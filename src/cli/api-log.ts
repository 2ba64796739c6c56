/**
 * `-v=6` and up: one line on stderr per API request (method, URL, status, time), as kubectl logs at
 * that level. Read from Node's HTTP diagnostics channels, so the cluster layer needs no logging of
 * its own. -v=8 adds the response headers' content type and length.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';

const started = new WeakMap<ClientRequest, number>();
let active = false;

/** The URL as requested: the Host header carries the port. */
function url(req: ClientRequest): string {
  const host = req.getHeader('host');
  return `${req.protocol}//${typeof host === 'string' ? host : req.host}${req.path}`;
}

/** Starts logging for the rest of the process (idempotent). */
export function startApiLog(level: number, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): void {
  if (active) return;
  active = true;
  subscribe('http.client.request.start', (m) => {
    started.set((m as { request: ClientRequest }).request, performance.now());
  });
  subscribe('http.client.response.finish', (m) => {
    const { request, response } = m as { request: ClientRequest; response: IncomingMessage };
    const ms = Math.round(performance.now() - (started.get(request) ?? performance.now()));
    const extra = level >= 8 ? ` (${response.headers['content-type'] ?? '?'}, ${response.headers['content-length'] ?? 'chunked'})` : '';
    write(`api: ${request.method} ${url(request)} ${response.statusCode ?? '?'} ${response.statusMessage ?? ''} in ${ms} ms${extra}`.replace(/ {2,}/g, ' '));
  });
  subscribe('http.client.request.error', (m) => {
    const { request, error } = m as { request: ClientRequest; error: Error };
    write(`api: ${request.method} ${url(request)} failed: ${error.message}`);
  });
}
