/**
 * Pod and Job create/delete for the test API server (get/list come from the built-in routes, since
 * objects live in `server.objects`): created pods start Pending and turn Running after a short delay,
 * deletion removes them, Pod Security rejects host-network pods where the namespace's
 * `pod-security.kubernetes.io/enforce` label (or `podSecurityBaseline`) says baseline or restricted,
 * and a hostPath of `type: Directory` missing on the node keeps the pod Pending with the kubelet's
 * FailedMount event. No controller runs: Jobs are stored, never executed or reaped. Exec is in exec.ts.
 */
import { createHash } from 'node:crypto';
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
  /** Directories each node lacks (node name → paths): a hostPath of type Directory on one fails to mount. */
  missingHostPaths?: Record<string, string[]>;
}

export interface PodsControl {
  /** Pods currently stored in a namespace (or all). */
  pods(namespace?: string): RawObject[];
  /** Pods created so far (names), in order. */
  readonly created: string[];
  readonly deleted: string[];
  /** Missing host paths a pod's hostPath volume would have had created on its node (type '' or DirectoryOrCreate). */
  readonly createdHostPaths: { node: string; path: string }[];
  /** Jobs currently stored (all namespaces). */
  jobs(): RawObject[];
  /** Exec requests: protocol and argv. */
  readonly execs: ExecLog[];
}

const POD_PATH = /^\/api\/v1\/namespaces\/(?<namespace>[^/]+)\/pods$/;
const ONE_POD = /^\/api\/v1\/namespaces\/(?<namespace>[^/]+)\/pods\/(?<name>[^/]+)$/;
const JOB_PATH = /^\/apis\/batch\/v1\/namespaces\/(?<namespace>[^/]+)\/jobs$/;
const ONE_JOB = /^\/apis\/batch\/v1\/namespaces\/(?<namespace>[^/]+)\/jobs\/(?<name>[^/]+)$/;
const PSA_ENFORCE = 'pod-security.kubernetes.io/enforce';

let uid = 0;

/** Adds pod create/delete (and exec) to `server`. */
export function servePods(server: TestApiServer, opts: PodsOptions = {}): PodsControl {
  const created: string[] = [];
  const deleted: string[] = [];
  const createdHostPaths: { node: string; path: string }[] = [];
  const storeOf = (resource: string) => (): RawObject[] => server.objects.get(resource) ?? [];
  const store = storeOf('pods');
  // Every change makes a new array: the list routes cache their sorted index per array.
  const replaceIn = (resource: string) => (list: RawObject[]): void => void server.objects.set(resource, list);
  const replace = replaceIn('pods');
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
  server.addRoute(
    {
      method: 'POST',
      pattern: JOB_PATH,
      intent: (ctx) => ({ verb: 'create', resource: 'jobs', group: 'batch', namespace: ctx.params.namespace }),
      handle: async (ctx) => createJob(ctx, await ctx.readBody()),
    },
    true,
  );
  server.addRoute(
    {
      method: 'DELETE',
      pattern: ONE_JOB,
      intent: (ctx) => ({ verb: 'delete', resource: 'jobs', group: 'batch', namespace: ctx.params.namespace, name: ctx.params.name }),
      handle: (ctx) => removeJob(ctx),
    },
    true,
  );
  const execs: ExecLog[] = [];
  serveExec(server, { find, backend: opts.exec, protocols: opts.execProtocols, log: execs });

  /** The enforced Pod Security level of a namespace: its label, or the test's list of baseline namespaces. */
  function enforced(ns: string): string | undefined {
    const nsObj = (server.objects.get('namespaces') ?? []).find((n) => n.metadata?.name === ns);
    const label = (nsObj?.metadata?.labels as Record<string, string> | undefined)?.[PSA_ENFORCE];
    if (label === 'baseline' || label === 'restricted') return label;
    return opts.podSecurityBaseline?.includes(ns) ? 'baseline' : undefined;
  }

  function createJob(ctx: RouteContext, body: unknown): void {
    const ns = ctx.params.namespace ?? '';
    const job = structuredClone(body) as RawObject;
    const name = job?.metadata?.name;
    if (!name) return ctx.send(422, status(422, 'Invalid', 'Job "" is invalid: metadata.name: Required value'));
    const jobs = storeOf('jobs')();
    if (jobs.some((j) => j.metadata?.namespace === ns && j.metadata?.name === name)) return ctx.send(409, status(409, 'AlreadyExists', `jobs.batch "${name}" already exists`, { name, group: 'batch', kind: 'jobs' }));
    job.metadata = { ...job.metadata, namespace: ns, uid: `job-uid-${++uid}`, creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    replaceIn('jobs')([...jobs, job]);
    ctx.send(201, job);
  }

  function removeJob(ctx: RouteContext): void {
    const jobs = storeOf('jobs')();
    const job = jobs.find((j) => j.metadata?.namespace === ctx.params.namespace && j.metadata?.name === ctx.params.name);
    if (!job) return ctx.send(404, notFound('jobs', 'batch', ctx.params.name));
    replaceIn('jobs')(jobs.filter((j) => j !== job));
    // With propagationPolicy Background the object goes at once, and kube-apiserver answers a Status.
    ctx.send(200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: ctx.params.name, group: 'batch', kind: 'jobs', uid: job.metadata?.uid } });
  }

  /** The first hostPath volume that cannot be mounted on the node (type Directory, path missing); records what others would create. */
  function unmountable(pod: RawObject & { spec?: Record<string, unknown> }): { volume: string; path: string } | undefined {
    const node = String(pod.spec?.nodeName ?? '');
    const missing = opts.missingHostPaths?.[node] ?? [];
    for (const v of (pod.spec?.volumes ?? []) as { name: string; hostPath?: { path: string; type?: string } }[]) {
      if (!v.hostPath || !missing.includes(v.hostPath.path)) continue;
      const type = v.hostPath.type ?? '';
      if (type === 'Directory') return { volume: v.name, path: v.hostPath.path };
      if (type === '' || type === 'DirectoryOrCreate') createdHostPaths.push({ node, path: v.hostPath.path });
    }
    return undefined;
  }

  /** The kubelet's event for a mount that fails its hostPath type check. */
  function failedMount(pod: RawObject, volume: string, path: string): void {
    const ns = String(pod.metadata?.namespace ?? '');
    const event: RawObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${pod.metadata?.name}.${++uid}`, namespace: ns },
      involvedObject: { kind: 'Pod', namespace: ns, name: pod.metadata?.name, uid: pod.metadata?.uid },
      reason: 'FailedMount',
      type: 'Warning',
      message: `MountVolume.SetUp failed for volume "${volume}" : hostPath type check failed: ${path} is not a directory`,
      source: { component: 'kubelet', host: (pod.spec as { nodeName?: string } | undefined)?.nodeName },
      count: 1,
    };
    replaceIn('events')([...storeOf('events')(), event]);
  }

  function create(ctx: RouteContext, body: unknown): void {
    const ns = ctx.params.namespace ?? '';
    const pod = structuredClone(body) as RawObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
    const name = pod?.metadata?.name;
    if (!name) return ctx.send(422, status(422, 'Invalid', 'Pod "" is invalid: metadata.name: Required value: name or generateName is required'));
    if (find(ns, name)) return ctx.send(409, status(409, 'AlreadyExists', `pods "${name}" already exists`, { name, kind: 'pods' }));
    const level = enforced(ns);
    if (level && pod.spec?.hostNetwork) {
      return ctx.send(
        403,
        status(403, 'Forbidden', `pods "${name}" is forbidden: violates PodSecurity "${level}:latest": non-default capabilities (container "probe" must not include "NET_ADMIN", "NET_RAW" in securityContext.capabilities.add), host namespaces (hostNetwork=true), hostPath volumes (volume "cni")`, { name, kind: 'pods' }),
      );
    }
    pod.metadata = { ...pod.metadata, namespace: ns, uid: `pod-uid-${++uid}`, creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    pod.status = { phase: 'Pending' };
    replace([...store(), pod]);
    created.push(name);
    const stuckMount = unmountable(pod);
    const timer = setTimeout(() => {
      if (!store().includes(pod)) return;
      const containers = (pod.spec?.containers ?? []) as { name: string; image: string }[];
      if (stuckMount) {
        pod.status = { phase: 'Pending', containerStatuses: containers.map((c) => ({ name: c.name, image: c.image, state: { waiting: { reason: 'ContainerCreating' } } })) };
        failedMount(pod, stuckMount.volume, stuckMount.path);
        return;
      }
      pod.status = opts.stuckReason
        ? { phase: 'Pending', containerStatuses: [{ name: 'probe', state: { waiting: { reason: opts.stuckReason, message: `Back-off pulling image` } } }] }
        : { phase: 'Running', podIP: String(pod.spec?.nodeName ?? ''), containerStatuses: containers.map((c) => ({ name: c.name, image: c.image, imageID: imageIdOf(c.image), state: { running: { startedAt: new Date().toISOString() } } })) };
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
    createdHostPaths,
    jobs: () => storeOf('jobs')(),
    execs,
  };
}

/** What the kubelet reports as the image a container runs: the pinned digest, or one derived from the name. */
function imageIdOf(image: string): string {
  const at = image.indexOf('@');
  if (at !== -1) return `${image.slice(0, at).replace(/:[^/:]+$/, '')}${image.slice(at)}`;
  return `${image.replace(/:[^/:]+$/, '')}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}
