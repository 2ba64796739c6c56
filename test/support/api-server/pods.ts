/**
 * Pod create/delete for the test API server (get/list come from the built-in routes, since pods live
 * in `server.objects`): created pods start Pending and turn Running after a short delay, deletion
 * removes them, Pod Security can reject host-network pods per namespace. Exec is in exec.ts.
 */
import type { RawObject } from '../../../src/snapshot/types.js';
import { serveExec, type ExecBackend, type ExecLog } from './exec.js';
import type { RouteContext, TestApiServer } from './server.js';
import { notFound, status } from './status.js';

export interface PodsOptions {
  /** How long a created pod stays Pending (default 50 ms). */
  runningAfterMs?: number;
  /** Runs exec commands; without one, exec answers 'no exec backend'. */
  exec?: ExecBackend;
  /** Subprotocols the server accepts, in its order of preference (default v5, then v4). */
  execProtocols?: string[];
  /** Namespaces whose Pod Security level (baseline) rejects host-network pods. */
  podSecurityBaseline?: string[];
  /** Waiting reason to give created pods instead of turning Running (e.g. ErrImagePull). */
  stuckReason?: string;
}

export interface PodsControl {
  /** Pods currently stored in a namespace (or all). */
  pods(namespace?: string): RawObject[];
  /** Pods created so far (names), in order. */
  readonly created: string[];
  readonly deleted: string[];
  /** Exec requests: protocol and argv. */
  readonly execs: ExecLog[];
}

const POD_PATH = /^\/api\/v1\/namespaces\/(?<namespace>[^/]+)\/pods$/;
const ONE_POD = /^\/api\/v1\/namespaces\/(?<namespace>[^/]+)\/pods\/(?<name>[^/]+)$/;

let uid = 0;

/** Adds pod create/delete (and exec) to `server`. */
export function servePods(server: TestApiServer, opts: PodsOptions = {}): PodsControl {
  const created: string[] = [];
  const deleted: string[] = [];
  const store = (): RawObject[] => server.objects.get('pods') ?? [];
  // Every change makes a new array: the list routes cache their sorted index per array.
  const replace = (list: RawObject[]): void => void server.objects.set('pods', list);
  const find = (ns: string, name: string): RawObject | undefined => store().find((p) => p.metadata?.namespace === ns && p.metadata?.name === name);

  server.addRoute(
    {
      method: 'POST',
      pattern: POD_PATH,
      intent: (ctx) => ({ verb: 'create', resource: 'pods', group: '', namespace: ctx.params.namespace }),
      handle: async (ctx) => create(ctx, await ctx.readBody()),
    },
    true,
  );
  server.addRoute(
    {
      method: 'DELETE',
      pattern: ONE_POD,
      intent: (ctx) => ({ verb: 'delete', resource: 'pods', group: '', namespace: ctx.params.namespace, name: ctx.params.name }),
      handle: (ctx) => remove(ctx),
    },
    true,
  );
  const execs: ExecLog[] = [];
  serveExec(server, { find, backend: opts.exec, protocols: opts.execProtocols, log: execs });

  function create(ctx: RouteContext, body: unknown): void {
    const ns = ctx.params.namespace ?? '';
    const pod = structuredClone(body) as RawObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
    const name = pod?.metadata?.name;
    if (!name) return ctx.send(422, status(422, 'Invalid', 'Pod "" is invalid: metadata.name: Required value: name or generateName is required'));
    if (find(ns, name)) return ctx.send(409, status(409, 'AlreadyExists', `pods "${name}" already exists`, { name, kind: 'pods' }));
    if (opts.podSecurityBaseline?.includes(ns) && pod.spec?.hostNetwork) {
      return ctx.send(
        403,
        status(403, 'Forbidden', `pods "${name}" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), non-default capabilities (container "probe" must not include "NET_ADMIN" in securityContext.capabilities.add)`),
      );
    }
    pod.metadata = { ...pod.metadata, namespace: ns, uid: `pod-uid-${++uid}`, creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    pod.status = { phase: 'Pending' };
    replace([...store(), pod]);
    created.push(name);
    const timer = setTimeout(() => {
      if (!store().includes(pod)) return;
      pod.status = opts.stuckReason
        ? { phase: 'Pending', containerStatuses: [{ name: 'probe', state: { waiting: { reason: opts.stuckReason, message: `Back-off pulling image` } } }] }
        : { phase: 'Running', podIP: String(pod.spec?.nodeName ?? ''), containerStatuses: [{ name: 'probe', state: { running: { startedAt: new Date().toISOString() } } }] };
    }, opts.runningAfterMs ?? 50);
    timer.unref();
    ctx.send(201, pod);
  }

  function remove(ctx: RouteContext): void {
    const ns = ctx.params.namespace ?? '';
    const name = ctx.params.name ?? '';
    const pod = find(ns, name);
    if (!pod) return ctx.send(404, notFound('pods', '', name));
    replace(store().filter((p) => p !== pod));
    deleted.push(name);
    ctx.send(200, pod);
  }

  return {
    pods: (namespace) => store().filter((p) => namespace === undefined || p.metadata?.namespace === namespace),
    created,
    deleted,
    execs,
  };
}
