/**
 * Which backend an Ingress (networking.k8s.io/v1) routes a host/path to. Spec semantics: a rule's
 * host is exact or a single-label wildcard (`*.foo.com` matches `bar.foo.com`, not `foo.com` or
 * `a.b.foo.com`); no host matches every host. Paths: Exact is string equality; Prefix matches whole
 * `/`-separated elements (`/foo` matches `/foo`, `/foo/`, `/foo/bar`, not `/foobar`); the longest
 * match wins, Exact before Prefix at equal length. ImplementationSpecific is the controller's call:
 * judged as Prefix and said so. Nothing matches: `spec.defaultBackend`, else the controller's own
 * default (a 404 page). Between an exact host and a wildcard, the exact one is taken (what
 * ingress-nginx and most controllers do; the spec leaves it open — said in a note).
 */
import type { Snapshot } from '../../snapshot/types.js';
import type { IngressRoute } from '../../sim/trace.js';
import { UserError } from '../../util/errors.js';
import { didYouMean } from './suggest.js';
import { assertNotMalformed } from '../../snapshot/screen.js';

interface Backend {
  service?: { name?: string; port?: { number?: number; name?: string } };
  resource?: { kind?: string; name?: string };
}
interface HttpPath {
  path?: string;
  pathType?: string;
  backend?: Backend;
}
interface Rule {
  host?: string;
  http?: { paths?: HttpPath[] };
}
export interface IngressView {
  metadata?: { name?: string; namespace?: string };
  spec?: { ingressClassName?: string; defaultBackend?: Backend; rules?: Rule[] };
}

export function findIngress(snapshot: Snapshot, ref: string, namespace: string): IngressView {
  const all = (snapshot.cluster.objects['ingresses'] ?? []) as IngressView[];
  if (snapshot.cluster.objects['ingresses'] === undefined) {
    throw new UserError('the snapshot holds no Ingresses', { hint: 'collect them with a kubectl-netx that lists networking.k8s.io/v1 ingresses, then trace again' });
  }
  const [ns, name] = ref.includes('/') ? (ref.split('/', 2) as [string, string]) : [namespace, ref];
  const hit = all.find((i) => i.metadata?.namespace === ns && i.metadata?.name === name);
  if (hit) return hit;
  assertNotMalformed(snapshot, 'ingresses', ns, name, 'named in the command');
  const hint = didYouMean(name, all.filter((i) => i.metadata?.namespace === ns).map((i) => i.metadata?.name ?? ''));
  throw new UserError(`ingress ${ns}/${name} not found`, { code: 'not-found', ...(hint ? { hint } : {}) });
}

/** The route for `host` and `path`; `backend` absent when the controller's own default answers. */
export function routeIngress(ing: IngressView, host: string, path: string): IngressRoute {
  const name = `${ing.metadata?.namespace}/${ing.metadata?.name}`;
  const notes: string[] = [];
  const rules = ing.spec?.rules ?? [];
  const h = host.toLowerCase().replace(/\.$/, '');
  const exact = rules.filter((r) => r.host && !r.host.startsWith('*.') && r.host.toLowerCase() === h);
  const wild = rules.filter((r) => r.host?.startsWith('*.') && wildcardMatch(r.host.toLowerCase(), h));
  const any = rules.filter((r) => !r.host);
  if (exact.length && wild.length) notes.push('an exact host rule and a wildcard both match: the exact one is taken (controller behaviour, the spec leaves it open)');
  for (const group of [exact, wild, any]) {
    const m = bestPath(group, path, notes);
    if (m) return { ingress: name, host, path, ...describe(m.rule, m.p, m.index), ...backendOf(m.p.backend, ing, notes), notes };
  }
  const db = ing.spec?.defaultBackend;
  if (db) return { ingress: name, host, path, matched: 'spec.defaultBackend (no rule matches)', ...backendOf(db, ing, notes), notes };
  return { ingress: name, host, path, matched: 'nothing: no rule matches and there is no spec.defaultBackend; the controller answers itself (usually 404)', notes };
}

function wildcardMatch(pattern: string, host: string): boolean {
  const suffix = pattern.slice(1); // ".foo.com"
  return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes('.') && host.length > suffix.length;
}

interface PathMatch {
  rule: Rule;
  p: HttpPath;
  index: number;
  len: number;
  exact: boolean;
}

function bestPath(rules: Rule[], path: string, notes: string[]): PathMatch | undefined {
  let best: PathMatch | undefined;
  rules.forEach((rule) =>
    (rule.http?.paths ?? []).forEach((p, index) => {
      const type = p.pathType ?? 'ImplementationSpecific';
      const want = p.path ?? '/';
      const ok = type === 'Exact' ? path === want : prefixMatch(want, path);
      if (!ok) return;
      const m: PathMatch = { rule, p, index, len: trimSlash(want).length, exact: type === 'Exact' };
      if (!best || m.len > best.len || (m.len === best.len && m.exact && !best.exact)) best = m;
    }),
  );
  if (best && (best.p.pathType ?? 'ImplementationSpecific') === 'ImplementationSpecific') notes.push(`path ${best.p.path ?? '/'} is ImplementationSpecific: judged as Prefix; the controller may treat it otherwise (e.g. a regex)`);
  return best;
}

const trimSlash = (s: string): string => (s.length > 1 ? s.replace(/\/+$/, '') : s);

/** Element-wise prefix: `/foo` matches `/foo`, `/foo/`, `/foo/bar`; `/` matches everything. */
function prefixMatch(prefix: string, path: string): boolean {
  const a = trimSlash(prefix).split('/').filter(Boolean);
  const b = path.split('/').filter(Boolean);
  return a.length <= b.length && a.every((x, i) => x === b[i]);
}

function describe(rule: Rule, p: HttpPath, index: number): Pick<IngressRoute, 'matched'> {
  return { matched: `rule host ${rule.host ?? '(any)'} path ${p.path ?? '/'} (${p.pathType ?? 'ImplementationSpecific'}, paths[${index}])` };
}

function backendOf(b: Backend | undefined, ing: IngressView, notes: string[]): Pick<IngressRoute, 'backend'> {
  if (b?.service?.name) {
    const port = b.service.port?.number ?? b.service.port?.name;
    return { backend: { service: `${ing.metadata?.namespace}/${b.service.name}`, ...(port !== undefined ? { port: String(port) } : {}) } };
  }
  if (b?.resource) notes.push(`the backend is a resource (${b.resource.kind}/${b.resource.name}), not a Service: no dataplane path to trace`);
  return {};
}
