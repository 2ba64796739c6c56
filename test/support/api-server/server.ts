/**
 * A small Kubernetes-API-compatible HTTPS server for tests. It serves the objects of a Snapshot with
 * bearer-token auth and a self-signed certificate, so clients run their real path (kubeconfig → TLS →
 * token). Requests go through: fault injection → auth → route table → RBAC denials → handler.
 * Later features (pod create/delete/watch, exec over WebSocket) add routes with `addRoute` and
 * upgrade handlers with `onUpgrade`.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { stringify } from 'yaml';
import type { RawObject, Snapshot } from '../../../src/snapshot/types.js';
import { BUILTIN, OPTIONAL, type ServedResource } from './resources.js';
import { defaultRoutes } from './routes.js';
import { forbidden, notFound, status } from './status.js';
import { testCertificate } from './tls.js';

export interface ApiServerOptions {
  /** Objects to serve; `snapshot.cluster.objects` when a snapshot is given. */
  snapshot?: Snapshot;
  objects?: Partial<Record<string, RawObject[]>>;
  token?: string;
  /** User name in 403 messages. */
  user?: string;
  /** Ranges the dry-run Service create validates clusterIPs against. */
  serviceCIDRs?: string[];
  /** Which ServiceCIDR API the server has: v1 (1.33+), v1beta1 (1.31–1.32 with the gate), none. */
  serviceCidrApi?: 'v1' | 'v1beta1' | 'none';
  serverVersion?: Record<string, unknown>;
}

/** What a request asks for, in RBAC terms. */
export interface Intent {
  verb: string;
  resource: string;
  group: string;
  namespace?: string;
  name?: string;
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  server: TestApiServer;
  send(code: number, body: unknown, headers?: Record<string, string>): void;
  /** The plain-text 404 kube-apiserver's mux gives a path no API serves (an unserved group/version). */
  pageNotFound(): void;
  readBody(): Promise<unknown>;
}

export interface Route {
  method: string;
  pattern: RegExp;
  /** The RBAC view of the request; undefined = no RBAC check (discovery, /version). */
  intent?(ctx: RouteContext): Intent | undefined;
  handle(ctx: RouteContext): void | Promise<void>;
}

type FaultAction =
  | { kind: 'delay'; ms: number }
  | { kind: 'status'; code: number; retryAfterSeconds?: number; reason?: string; message?: string }
  | { kind: 'reset' }
  | { kind: 'hang' };

export interface Fault {
  method?: string;
  /** Matched against the path (string: exact path or prefix ending in '*'). */
  path: string | RegExp;
  /** Further condition on the request (e.g. only pages with a continue token). */
  when?: (url: URL) => boolean;
  action: FaultAction;
  /** How many matching requests it applies to (default: all). */
  times?: number;
  /** Requests it has hit so far. */
  hits: number;
}

export interface Denial {
  verb: string;
  resource: string;
  /** Omitted: refused in every namespace and at cluster scope. */
  namespace?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  accept?: string;
  status?: number;
  fault?: FaultAction['kind'];
}

export class TestApiServer {
  readonly requests: LoggedRequest[] = [];
  readonly token: string;
  readonly user: string;
  private readonly routes: Route[] = [];
  private readonly faults: Fault[] = [];
  private readonly denials: Denial[] = [];
  private readonly upgradeHandlers: ((req: IncomingMessage, socket: Duplex, head: Buffer) => boolean)[] = [];
  private readonly sockets = new Set<Socket>();
  readonly served: ServedResource[];
  readonly objects: Map<string, RawObject[]>;
  readonly ca: string;
  private server!: https.Server;
  port = 0;

  private constructor(readonly options: ApiServerOptions) {
    this.token = options.token ?? randomBytes(16).toString('hex');
    this.user = options.user ?? 'netx-tester';
    const source = options.snapshot?.cluster.objects ?? options.objects ?? {};
    this.objects = new Map(Object.entries(source).map(([k, v]) => [k, (v ?? []).map((o) => structuredClone(o))]));
    if (!this.objects.has('namespaces')) this.objects.set('namespaces', impliedNamespaces(this.objects));
    this.served = servedResources(options, this.objects);
    this.ca = testCertificate().cert;
    for (const route of defaultRoutes()) this.routes.push(route);
  }

  static async start(options: ApiServerOptions = {}): Promise<TestApiServer> {
    const s = new TestApiServer(options);
    await s.listen();
    return s;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Adds a route; `first` puts it before the built-in ones (to override them). */
  addRoute(route: Route, first = false): void {
    if (first) this.routes.unshift(route);
    else this.routes.push(route);
  }

  /** Handles HTTP upgrades (WebSocket exec); return true when the handler took the socket. */
  onUpgrade(handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean): void {
    this.upgradeHandlers.push(handler);
  }

  /** Injects a fault for matching requests; returns it so a test can read `hits`. */
  fault(f: Omit<Fault, 'hits'>): Fault {
    const fault: Fault = { ...f, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  deny(d: Denial): void {
    this.denials.push(d);
  }

  resource(group: string, version: string, resource: string): ServedResource | undefined {
    return this.served.find((r) => r.group === group && r.version === version && r.resource === resource);
  }

  /** A kubeconfig for this server (CA data inline, bearer token). */
  kubeconfig(opts: { context?: string; namespace?: string; token?: string; server?: string } = {}): Record<string, unknown> {
    const context = opts.context ?? 'netx-test';
    return {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: `${context}-cluster`, cluster: { server: opts.server ?? this.url, 'certificate-authority-data': Buffer.from(this.ca).toString('base64') } }],
      users: [{ name: `${context}-user`, user: { token: opts.token ?? this.token } }],
      contexts: [{ name: context, context: { cluster: `${context}-cluster`, user: `${context}-user`, ...(opts.namespace ? { namespace: opts.namespace } : {}) } }],
      'current-context': context,
    };
  }

  writeKubeconfig(dir: string, opts: Parameters<TestApiServer['kubeconfig']>[0] & { file?: string } = {}): string {
    const file = path.join(dir, opts.file ?? 'kubeconfig');
    writeFileSync(file, stringify(this.kubeconfig(opts)));
    return file;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    const { cert, key } = testCertificate();
    this.server = https.createServer({ cert, key }, (req, res) => void this.dispatch(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.upgradeFault(req, socket)) return;
      if (!this.authorized(req) || !this.upgradeHandlers.some((h) => h(req, socket, head))) socket.destroy();
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /**
   * Faults apply to WebSocket upgrades (exec) too: `hang` never answers the upgrade, `reset` drops
   * it, `status` refuses it with that HTTP status. Returns true when a fault took the socket.
   */
  private upgradeFault(req: IncomingMessage, socket: Duplex): boolean {
    const url = new URL(req.url ?? '/', this.url);
    const entry: LoggedRequest = { method: 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams) };
    const fault = this.faults.find((f) => (f.times === undefined || f.hits < f.times) && faultMatches(f, 'GET', url.pathname) && (!f.when || f.when(url)));
    if (!fault || fault.action.kind === 'delay') return false;
    this.requests.push(entry);
    fault.hits++;
    entry.fault = fault.action.kind;
    socket.on('error', () => undefined);
    if (fault.action.kind === 'reset') socket.destroy();
    else if (fault.action.kind === 'status') socket.end(`HTTP/1.1 ${fault.action.code} Injected\r\nConnection: close\r\n\r\n`);
    return true;
  }

  private authorized(req: IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.token}`;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const entry: LoggedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), accept: req.headers.accept };
    this.requests.push(entry);
    const send = (code: number, body: unknown, headers: Record<string, string> = {}): void => {
      entry.status = code;
      res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const pageNotFound = (): void => {
      entry.status = 404;
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end('404 page not found\n');
    };

    const fault = this.faults.find((f) => (f.times === undefined || f.hits < f.times) && faultMatches(f, method, url.pathname) && (!f.when || f.when(url)));
    if (fault) {
      fault.hits++;
      entry.fault = fault.action.kind;
      const a = fault.action;
      if (a.kind === 'hang') return;
      if (a.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (a.kind === 'status') {
        const headers: Record<string, string> = a.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(a.retryAfterSeconds) };
        const reason = a.reason ?? (a.code === 429 ? 'TooManyRequests' : 'InternalError');
        const message = a.message ?? (a.code === 429 ? 'Too many requests, please try again later.' : 'Internal error occurred: injected fault');
        send(a.code, status(a.code, reason, message), headers);
        return;
      }
      await new Promise((r) => setTimeout(r, a.ms));
    }

    if (!this.authorized(req)) {
      send(401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      const ctx: RouteContext = {
        req,
        res,
        url,
        params: { ...m.groups },
        server: this,
        send,
        pageNotFound,
        readBody: () => readJson(req),
      };
      const intent = route.intent?.(ctx);
      if (intent && this.denied(intent)) {
        send(403, forbidden(this.user, intent.verb, intent.resource, intent.group, intent.namespace, intent.name));
        return;
      }
      try {
        await route.handle(ctx);
      } catch (e) {
        send(500, status(500, 'InternalError', `test server bug: ${(e as Error).message}`));
      }
      return;
    }
    pageNotFound();
  }

  private denied(i: Intent): boolean {
    return this.denials.some((d) => d.verb === i.verb && d.resource === i.resource && (d.namespace === undefined || d.namespace === i.namespace));
  }
}

function faultMatches(f: Fault, method: string, pathname: string): boolean {
  if (f.method && f.method !== method) return false;
  if (f.path instanceof RegExp) return f.path.test(pathname);
  return f.path.endsWith('*') ? pathname.startsWith(f.path.slice(0, -1)) : pathname === f.path;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/**
 * A real cluster has a Namespace for every namespace its objects live in; fixtures that list none get
 * those (clients that list namespace by namespace need them).
 */
function impliedNamespaces(objects: Map<string, RawObject[]>): RawObject[] {
  const names = new Set<string>();
  for (const list of objects.values()) for (const o of list) if (o.metadata?.namespace) names.add(o.metadata.namespace);
  return [...names].sort().map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: 'Active' } }));
}

function servedResources(opts: ApiServerOptions, objects: Map<string, RawObject[]>): ServedResource[] {
  const served = [...BUILTIN];
  const cidrApi = opts.serviceCidrApi ?? 'v1';
  for (const r of OPTIONAL) {
    if (r.resource === 'servicecidrs') {
      if (cidrApi !== 'none') served.push({ ...r, version: cidrApi });
    } else if (objects.has(r.resource)) served.push(r);
  }
  return served;
}
