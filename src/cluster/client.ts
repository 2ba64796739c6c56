/**
 * A small typed client over the kubeconfig connection: get by name, list (selectors, pagination,
 * Table and metadata views), /version, the dry-run Service probe, and raw calls for later users
 * (probe pods, exec). Every call goes through cluster/retry.ts.
 */
import type { ResourceRequest } from '../snapshot/plan.js';
import type { RawObject, ResourceView } from '../snapshot/types.js';
import { ExternalError, UserError } from '../util/errors.js';
import { NotFoundError } from './errors.js';
import type { ApiRequest, ApiResponse, RequestIntent } from './http.js';
import { resolveConnection, type Connection } from './kubeconfig.js';
import { stderrWarn, type Warn } from './notice.js';
import type { ClusterOptions } from './options.js';
import { apiVersionOf, resourceInfo, resourcePath, type ResourceInfo } from './resources.js';
import { call, type CallOptions } from './retry.js';
import { Interner, isTable, METADATA_ACCEPT, TABLE_ACCEPT, tableToObjects } from './table.js';

/** Objects per list page: big enough to be cheap, small enough that one page never takes long. */
export const PAGE_SIZE = 500;

/** Namespaces listed at once when a cluster-wide Table listing goes namespace by namespace. */
const NAMESPACE_CONCURRENCY = 4;

export interface ListResult {
  items: RawObject[];
  view: ResourceView;
  /** Version that answered (servicecidrs: v1 or v1beta1). */
  apiVersion: string;
  bytes: number;
}

interface ListBody {
  items?: RawObject[];
  metadata?: { continue?: string };
  apiVersion?: string;
  kind?: string;
}

export class KubeClient {
  /** Total response bytes, for the benchmark's "bytes fetched". */
  bytesFetched = 0;
  /** Requests that got an answer (retries included). */
  requestsMade = 0;

  constructor(
    readonly connection: Connection,
    private readonly callOptions: CallOptions,
    /** What the client was made from (the dry-run opt-in, the request timeout for exec upgrades). */
    readonly options: Pick<ClusterOptions, 'requestTimeoutMs' | 'serviceCidrDryRun'> = { requestTimeoutMs: callOptions.requestTimeoutMs },
  ) {}

  /** Where warnings go (stderr unless the caller chose). */
  get warn(): Warn {
    return this.callOptions.warn ?? stderrWarn;
  }

  static connect(opts: ClusterOptions): KubeClient {
    return new KubeClient(resolveConnection(opts), { requestTimeoutMs: opts.requestTimeoutMs, retry: opts.retry, warn: opts.warn ?? stderrWarn }, opts);
  }

  /** A raw call (status >= 400 becomes a NetxError unless listed in acceptStatus). */
  async raw(req: ApiRequest, acceptStatus?: number[]): Promise<ApiResponse> {
    const count = (r: ApiResponse): void => {
      this.bytesFetched += r.bytes;
      this.requestsMade++;
    };
    return call(this.connection, req, { ...this.callOptions, acceptStatus, onResponse: count });
  }

  async json<T>(req: ApiRequest, acceptStatus?: number[]): Promise<{ status: number; body: T }> {
    const res = await this.raw(req, acceptStatus);
    try {
      return { status: res.status, body: JSON.parse(res.text) as T };
    } catch {
      throw new UserError(`the API server ${this.connection.server} sent a non-JSON answer to ${req.method} ${req.path}`, { code: 'unreachable' });
    }
  }

  async serverVersion(): Promise<Record<string, unknown>> {
    return (await this.json<Record<string, unknown>>({ method: 'GET', path: '/version', intent: { verb: 'get', resource: 'version' } })).body;
  }

  /** One object by name; a 404 is a UserError with code 'not-found'. */
  async get(resource: string, name: string, namespace?: string): Promise<RawObject> {
    const info = known(resource);
    return this.firstVersion(info, async (version) => {
      const path = resourcePath(info, version, info.namespaced ? (namespace ?? this.connection.namespace) : undefined, name);
      const intent: RequestIntent = { verb: 'get', resource, name, namespace: info.namespaced ? (namespace ?? this.connection.namespace) : undefined };
      return (await this.json<RawObject>({ method: 'GET', path, intent })).body;
    });
  }

  /** Lists every page of a request; `onPage` sees the running count. */
  async list(req: ResourceRequest, onPage?: (count: number) => void): Promise<ListResult> {
    const info = known(req.resource);
    if (req.name) {
      const obj = await this.get(req.resource, req.name, req.namespace);
      return { items: [obj], view: 'full', apiVersion: String(obj.apiVersion ?? ''), bytes: 0 };
    }
    return this.firstVersion(info, (version) => this.listVersion(info, version, req, onPage));
  }

  private async listVersion(info: ResourceInfo, version: string, req: ResourceRequest, onPage?: (count: number) => void): Promise<ListResult> {
    if (req.view === 'table' && req.includeObject === 'None' && info.namespaced && req.namespace === undefined) {
      const namespaces = await this.namespaceNames();
      // Without the right to list namespaces, one cluster-wide listing whose rows carry metadata.
      if (namespaces === undefined) return this.listVersion(info, version, { ...req, includeObject: 'Metadata' }, onPage);
      return this.listPerNamespace(info, version, req, namespaces, onPage);
    }
    const items: RawObject[] = [];
    const res = await this.listPages(info, version, req, items, onPage);
    return { items, ...res };
  }

  /**
   * Rows of an includeObject=None Table carry no namespace: list each namespace on its own (a few
   * at a time) and stamp it on the rows. Objects come out in the API's key order (namespace/name).
   */
  private async listPerNamespace(info: ResourceInfo, version: string, req: ResourceRequest, namespaces: string[], onPage?: (count: number) => void): Promise<ListResult> {
    const before = this.bytesFetched;
    const parts: RawObject[][] = namespaces.map(() => []);
    const counts = namespaces.map(() => 0);
    const strings = new Interner();
    let view: ResourceView = 'table';
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < namespaces.length) {
        const i = next++;
        const res = await this.listPages(info, version, { ...req, namespace: namespaces[i] }, parts[i]!, (n) => {
          counts[i] = n;
          onPage?.(counts.reduce((a, b) => a + b, 0));
        }, strings);
        if (res.view !== 'table') view = res.view;
      }
    };
    await Promise.all(Array.from({ length: Math.min(NAMESPACE_CONCURRENCY, namespaces.length) }, worker));
    const items = parts.flat();
    return { items, view, apiVersion: apiVersionOf(info, version), bytes: this.bytesFetched - before };
  }

  /** Names of all namespaces (an includeObject=None Table: a few bytes each); undefined when forbidden. */
  private async namespaceNames(): Promise<string[] | undefined> {
    try {
      const res = await this.list({ resource: 'namespaces', view: 'table', includeObject: 'None' });
      return res.items.map((o) => o.metadata?.name ?? '').filter((n) => n !== '').sort();
    } catch (e) {
      if (e instanceof UserError && e.code === 'forbidden') return undefined;
      throw e;
    }
  }

  /** Every page of one listing into `items`; each page is converted and dropped before the next. */
  private async listPages(
    info: ResourceInfo,
    version: string,
    req: ResourceRequest,
    items: RawObject[],
    onPage?: (count: number) => void,
    strings: Interner = new Interner(),
  ): Promise<Omit<ListResult, 'items'>> {
    const view = req.view ?? 'full';
    const apiVersion = apiVersionOf(info, version);
    const namespace = info.namespaced ? req.namespace : undefined;
    const path = resourcePath(info, version, namespace);
    const intent: RequestIntent = { verb: 'list', resource: info.resource, namespace };
    const accept = view === 'table' ? TABLE_ACCEPT : view === 'metadata' ? METADATA_ACCEPT : undefined;
    const includeObject = view === 'table' ? req.includeObject : undefined;
    const start = items.length;
    const before = this.bytesFetched;
    let cont: string | undefined;
    let limit: number | undefined = PAGE_SIZE;
    let actualView: ResourceView = 'full';
    for (;;) {
      const query = { labelSelector: req.labelSelector, fieldSelector: req.fieldSelector, includeObject, limit, continue: cont };
      let body: unknown;
      try {
        body = (await this.json<unknown>({ method: 'GET', path, query, accept, intent })).body;
      } catch (e) {
        // A continue token expires when paging outlasts etcd compaction (410 Gone). Like client-go's
        // pager, start over with one unpaginated list: consistent, if heavier.
        if (!(cont && e instanceof ExternalError && e.command.status === 410)) throw e;
        items.length = start;
        cont = undefined;
        limit = undefined;
        continue;
      }
      if (view === 'table' && isTable(body)) {
        for (const o of tableToObjects(body, info.kind, apiVersion, namespace, strings)) items.push(o);
        cont = body.metadata?.continue;
        actualView = 'table';
      } else {
        const list = body as ListBody;
        // Servers that ignore the Accept header send a plain list: those are full objects.
        actualView = list.kind === 'PartialObjectMetadataList' ? 'metadata' : 'full';
        for (const item of list.items ?? []) items.push(withTypeMeta(dropFields(item, req.drop), info, apiVersion, actualView));
        cont = list.metadata?.continue;
      }
      onPage?.(items.length - start);
      if (!cont) break;
    }
    return { view: actualView, apiVersion, bytes: this.bytesFetched - before };
  }

  /** Tries each served version in order; a 404 for the API (not for an object) falls through to the next. */
  private async firstVersion<T>(info: ResourceInfo, fn: (version: string) => Promise<T>): Promise<T> {
    let last: unknown;
    for (const version of info.versions) {
      try {
        return await fn(version);
      } catch (e) {
        if (!(e instanceof NotFoundError && e.missing === 'api')) throw e;
        last = e;
      }
    }
    throw last;
  }
}

function known(resource: string): ResourceInfo {
  const info = resourceInfo(resource);
  if (!info) throw new UserError(`netx does not know the resource "${resource}"`, { code: 'unsupported' });
  return info;
}

/** Removes `paths` (dot-separated) from `obj` in place; absent paths are fine. */
function dropFields(obj: RawObject, paths: string[] | undefined): RawObject {
  for (const p of paths ?? []) {
    const keys = p.split('.');
    let at: unknown = obj;
    for (const k of keys.slice(0, -1)) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[k] : undefined;
    if (at && typeof at === 'object') delete (at as Record<string, unknown>)[keys.at(-1)!];
  }
  return obj;
}

/** List items come without apiVersion/kind; the snapshot keeps objects self-describing. */
function withTypeMeta(item: RawObject, info: ResourceInfo, apiVersion: string, view: ResourceView): RawObject {
  if (view === 'metadata') return item;
  return { apiVersion: item.apiVersion ?? apiVersion, kind: item.kind ?? info.kind, ...item };
}
