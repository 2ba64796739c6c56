/** The built-in routes of the test API server: version, discovery, GET/LIST, dry-run Service create. */
import ipaddr from 'ipaddr.js';
import type { RawObject } from '../../../src/snapshot/types.js';
import { groupVersion, type ServedResource } from './resources.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.js';
import type { Intent, Route, RouteContext } from './server.js';
import { clusterIpOutOfRange, notFound, status } from './status.js';
import { includeObjectPolicy, renderingFor, renderList, renderObject } from './views.js';

const RESOURCE_PATH = String.raw`^/(?:api/(?<coreVersion>v1)|apis/(?<group>[^/]+)/(?<version>[^/]+))(?:/namespaces/(?<namespace>[^/]+))?/(?<resource>[a-z0-9]+)(?:/(?<name>[^/]+))?$`;

function resolveResource(ctx: RouteContext): ServedResource | undefined {
  const p = ctx.params;
  const group = p.coreVersion ? '' : (p.group ?? '');
  const version = p.coreVersion ?? p.version ?? '';
  const r = ctx.server.resource(group, version, p.resource ?? '');
  // A namespaced path for a cluster-scoped resource (or the reverse) is not served.
  if (!r || (p.namespace !== undefined && !r.namespaced)) return undefined;
  return r;
}

function intentOf(verb: (ctx: RouteContext) => string) {
  return (ctx: RouteContext): Intent | undefined => {
    const r = resolveResource(ctx);
    if (!r) return undefined;
    return { verb: verb(ctx), resource: r.resource, group: r.group, namespace: ctx.params.namespace, name: ctx.params.name };
  };
}

export function defaultRoutes(): Route[] {
  return [
    { method: 'GET', pattern: /^\/version\/?$/, handle: (ctx) => ctx.send(200, ctx.server.options.serverVersion ?? DEFAULT_VERSION) },
    { method: 'GET', pattern: /^\/api\/?$/, handle: (ctx) => ctx.send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${ctx.server.port}` }] }) },
    { method: 'GET', pattern: /^\/apis\/?$/, handle: (ctx) => ctx.send(200, groupList(ctx.server.served)) },
    { method: 'GET', pattern: /^\/(?:api\/(?<coreVersion>v1)|apis\/(?<group>[^/]+)\/(?<version>[^/]+))\/?$/, handle: (ctx) => discovery(ctx) },
    {
      method: 'GET',
      pattern: new RegExp(RESOURCE_PATH),
      intent: intentOf((ctx) => (ctx.params.name ? 'get' : ctx.url.searchParams.get('watch') === 'true' ? 'watch' : 'list')),
      handle: (ctx) => getOrList(ctx),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/namespaces\/(?<namespace>[^/]+)\/services$/,
      intent: (ctx) => ({ verb: 'create', resource: 'services', group: '', namespace: ctx.params.namespace }),
      handle: (ctx) => createService(ctx),
    },
  ];
}

/** The minor release the server says it is (its /version). */
const minorVersion = (ctx: RouteContext): number => Number.parseInt(String((ctx.server.options.serverVersion ?? DEFAULT_VERSION)['minor'] ?? ''), 10) || 0;

const DEFAULT_VERSION: Record<string, unknown> = { major: '1', minor: '33', gitVersion: 'v1.33.1', platform: 'linux/amd64', goVersion: 'go1.24.2', compiler: 'gc' };

function groupList(served: ServedResource[]): unknown {
  const groups = new Map<string, string[]>();
  for (const r of served) if (r.group !== '') groups.set(r.group, [...new Set([...(groups.get(r.group) ?? []), r.version])]);
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => ({
      name,
      versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    })),
  };
}

/**
 * A group the server does not serve at all: kube-apiserver's mux answers a plain-text 404, no Status.
 * (An unserved version of a served group, or an unknown resource, gets a NotFound Status.)
 */
function groupServed(ctx: RouteContext): boolean {
  if (ctx.params.coreVersion) return true;
  return ctx.server.served.some((r) => r.group === ctx.params.group);
}

function discovery(ctx: RouteContext): void {
  const group = ctx.params.coreVersion ? '' : (ctx.params.group ?? '');
  const version = ctx.params.coreVersion ?? ctx.params.version ?? '';
  const resources = ctx.server.served.filter((r) => r.group === group && r.version === version);
  if (resources.length === 0) return groupServed(ctx) ? ctx.send(404, notFound('', '')) : ctx.pageNotFound();
  ctx.send(200, {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion({ group, version }),
    resources: resources.map((r) => ({ name: r.resource, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: r.verbs })),
  });
}

const sortKey = (o: RawObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** A list in etcd key order, with each namespace's slice of it. */
interface Ordered {
  length: number;
  sorted: RawObject[];
  byNamespace: Map<string, RawObject[]>;
}

/**
 * Objects in etcd key order and indexed by namespace, built once per list contents: paging a
 * 150,000-pod list asks hundreds of times, and a namespace's page must not scan the whole list.
 * Rebuilt when the list's length changes (pods.ts creates and deletes probe pods in place).
 */
const orderedCache = new WeakMap<RawObject[], Ordered>();
function ordered(objects: RawObject[]): Ordered {
  const hit = orderedCache.get(objects);
  if (hit && hit.length === objects.length) return hit;
  const keyed = objects.map((o) => ({ o, k: sortKey(o) }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const sorted = keyed.map((x) => x.o);
  const byNamespace = new Map<string, RawObject[]>();
  for (const o of sorted) {
    const ns = o.metadata?.namespace ?? '';
    let list = byNamespace.get(ns);
    if (!list) byNamespace.set(ns, (list = []));
    list.push(o);
  }
  const entry = { length: objects.length, sorted, byNamespace };
  orderedCache.set(objects, entry);
  return entry;
}

function getOrList(ctx: RouteContext): void {
  const r = resolveResource(ctx);
  if (!r) return groupServed(ctx) ? ctx.send(404, notFound('', '')) : ctx.pageNotFound();
  const index = ordered(ctx.server.objects.get(r.resource) ?? []);
  const ns = ctx.params.namespace;
  const rendering = renderingFor(ctx.req.headers.accept);
  const inScope = !r.namespaced || ns === undefined ? index.sorted : (index.byNamespace.get(ns) ?? []);
  if (ctx.params.name) {
    const found = inScope.find((o) => o.metadata?.name === ctx.params.name);
    return found ? ctx.send(200, renderObject(r, found, rendering)) : ctx.send(404, notFound(r.resource, r.group, ctx.params.name));
  }
  const includeObject = includeObjectPolicy(ctx.url.searchParams.get('includeObject'));
  if (!includeObject) return ctx.send(400, status(400, 'BadRequest', `includeObject: Unsupported value: "${ctx.url.searchParams.get('includeObject')}": supported values: "None", "Metadata", "Object"`));
  let selected = inScope;
  try {
    const labels = ctx.url.searchParams.get('labelSelector');
    const fields = ctx.url.searchParams.get('fieldSelector');
    if (labels) {
      const reqs = parseLabelSelector(labels);
      selected = selected.filter((o) => matchesLabels(reqs, (o.metadata?.labels ?? {}) as Record<string, string>));
    }
    if (fields) {
      const reqs = parseFieldSelector(fields, r.fields);
      selected = selected.filter((o) => matchesFields(reqs, o));
    }
  } catch (e) {
    if (e instanceof SelectorError) return ctx.send(400, status(400, 'BadRequest', e.message));
    throw e;
  }
  const offset = decodeContinue(ctx.url.searchParams.get('continue'));
  if (typeof offset === 'string') return ctx.send(400, status(400, 'BadRequest', `invalid continue token: continue key is not valid: ${offset}`));
  const limit = Number(ctx.url.searchParams.get('limit') ?? 0);
  const page = limit > 0 ? selected.slice(offset, offset + limit) : selected.slice(offset);
  const next = offset + page.length;
  const meta: Record<string, unknown> = { resourceVersion: '1000' };
  if (limit > 0 && next < selected.length) {
    meta.continue = Buffer.from(JSON.stringify({ offset: next })).toString('base64url');
    meta.remainingItemCount = selected.length - next;
  }
  ctx.send(200, renderList(r, page, rendering, meta, includeObject));
}

/** The offset a continue token holds, or why it holds none (the decoder's words). */
function decodeContinue(token: string | null): number | string {
  if (!token) return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    return typeof offset === 'number' ? offset : 'no offset in the token';
  } catch (e) {
    return (e as Error).message;
  }
}

async function createService(ctx: RouteContext): Promise<void> {
  const body = (await ctx.readBody()) as RawObject & { spec?: { clusterIP?: string; clusterIPs?: string[] } };
  const name = body?.metadata?.name ?? '';
  if (ctx.url.searchParams.get('dryRun') !== 'All') {
    // Real creation arrives with the probe work; until then the server refuses writes explicitly.
    return ctx.send(405, status(405, 'MethodNotAllowed', 'the test API server only accepts dry-run Service creates'));
  }
  const cidrs = ctx.server.options.serviceCIDRs ?? ['10.96.0.0/12'];
  const ip = body?.spec?.clusterIP ?? body?.spec?.clusterIPs?.[0];
  if (ip && ip !== 'None') {
    const addr = ipaddr.parse(ip);
    const inside = cidrs.filter((c) => {
      const range = ipaddr.parseCIDR(c);
      return range[0].kind() === addr.kind() && addr.match(range);
    });
    if (inside.length === 0) {
      const sameFamily = cidrs.find((c) => ipaddr.parseCIDR(c)[0].kind() === addr.kind()) ?? cidrs[0]!;
      return ctx.send(422, clusterIpOutOfRange(name, ip, sameFamily, minorVersion(ctx) >= 34));
    }
  }
  ctx.send(201, { ...body, metadata: { ...body.metadata, namespace: ctx.params.namespace, uid: 'dry-run' } });
}
