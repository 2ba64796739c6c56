/**
 * Names for completion: from the snapshot named by --snapshot on the line, else from the cluster of
 * the line's --kubeconfig/--context (namespace from -n or the context). Cluster reads are light
 * (object metadata; services for their ports), one attempt each, and the whole completion gives up
 * after a budget (COMPLETION_BUDGET_MS, or a shorter --request-timeout on the line): a slow or
 * unreachable cluster costs the shell a moment and prints nothing, never an error.
 */
import type { Snapshot, RawObject, ResourceName } from '../../snapshot/types.js';
import type { LineFlags, Names } from './candidates.js';
import { parseDuration } from '../duration.js';

const COMPLETION_BUDGET_MS = 3000;

type Owner = { kind: string; name: string };
type Meta = { name?: string; namespace?: string; labels?: Record<string, string>; ownerReferences?: (Owner & { controller?: boolean })[] };
const meta = (o: RawObject): Meta => (o.metadata ?? {}) as Meta;

/** The workload behind a pod, as workload.ts finds it (Deployment through its ReplicaSet's name). */
function owner(m: Meta): Owner | undefined {
  const ref = (m.ownerReferences ?? []).find((o) => o.controller) ?? m.ownerReferences?.[0];
  if (!ref) return undefined;
  const hash = m.labels?.['pod-template-hash'];
  if (ref.kind === 'ReplicaSet' && hash && ref.name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: ref.name.slice(0, -hash.length - 1) };
  return { kind: ref.kind, name: ref.name };
}

/** Reads objects of one resource: from the snapshot, or from the cluster (namespace undefined: all). */
type Lister = (resource: ResourceName, namespace: string | undefined, view: 'full' | 'metadata') => Promise<RawObject[]>;

function namesFromLister(list: Lister, defaultNamespace: () => Promise<string | undefined>, contexts: () => Promise<string[]>, flags: LineFlags): Names {
  const ns = async (n: string | undefined): Promise<string | undefined> => n ?? flags.namespace ?? (await defaultNamespace());
  const inNs = (objs: RawObject[], n: string | undefined): RawObject[] => (n === undefined ? objs : objs.filter((o) => meta(o).namespace === n));
  return {
    async pods(n) {
      const where = await ns(n);
      return inNs(await list('pods', where, 'metadata'), where).map((o) => {
        const m = meta(o);
        const w = owner(m);
        return { name: m.name ?? '', namespace: m.namespace ?? '', ...(w ? { owner: w } : {}) };
      });
    },
    async services(n) {
      const where = await ns(n);
      return inNs(await list('services', where, 'full'), where).map((o) => ({
        name: meta(o).name ?? '',
        namespace: meta(o).namespace ?? '',
        ports: (((o.spec as { ports?: { port: number; name?: string }[] } | undefined)?.ports ?? []) as { port: number; name?: string }[]).map((p) => ({ port: p.port, ...(p.name ? { name: p.name } : {}) })),
      }));
    },
    async nodes() {
      return (await list('nodes', undefined, 'metadata')).map((o) => meta(o).name ?? '').filter(Boolean);
    },
    async namespaces() {
      return (await list('namespaces', undefined, 'metadata')).map((o) => meta(o).name ?? '').filter(Boolean);
    },
    contexts,
  };
}

function fromSnapshot(snapshot: Snapshot, flags: LineFlags): Names {
  const objects = snapshot.cluster.objects as Partial<Record<ResourceName, RawObject[]>>;
  const list: Lister = async (resource) => objects[resource] ?? [];
  return namesFromLister(list, async () => snapshot.source.namespace ?? 'default', async () => (snapshot.source.context ? [snapshot.source.context] : []), flags);
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('completion budget spent')), ms);
    timer.unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function fromCluster(flags: LineFlags, budgetMs: number, env: NodeJS.ProcessEnv): Names {
  const started = Date.now();
  const left = (): number => Math.max(1, budgetMs - (Date.now() - started));
  const options = { kubeconfig: flags.kubeconfig, context: flags.context, namespace: flags.namespace, requestTimeoutMs: budgetMs, env };
  let client: Promise<import('../../cluster/client.js').KubeClient> | undefined;
  const connect = () =>
    (client ??= import('../../cluster/client.js').then(({ KubeClient }) => KubeClient.connect({ ...options, retry: { maxAttempts: 1, attemptTimeoutMs: budgetMs } })));
  const cache = new Map<string, Promise<RawObject[]>>();
  const list: Lister = (resource, namespace, view) => {
    const key = `${resource}\0${namespace ?? ''}\0${view}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = withDeadline(
        connect().then((c) => c.list({ resource, ...(namespace !== undefined ? { namespace } : {}), view })).then((r) => r.items),
        left(),
      );
      cache.set(key, hit);
    }
    return hit;
  };
  const contexts = async (): Promise<string[]> => {
    const { kubeconfigFiles, loadMerged } = await import('../../cluster/kubeconfig.js');
    return loadMerged(kubeconfigFiles(flags.kubeconfig, env)).contexts.map((c) => c.name);
  };
  return namesFromLister(list, async () => (await connect()).connection.namespace, contexts, flags);
}

/** The names completion offers for this command line. */
export async function namesFor(flags: LineFlags, env: NodeJS.ProcessEnv = process.env): Promise<Names> {
  if (flags.snapshot) {
    const { readSnapshotFile } = await import('../snapshot-file.js');
    try {
      return fromSnapshot(readSnapshotFile(flags.snapshot), flags);
    } catch {
      const none = async (): Promise<never[]> => [];
      return { pods: none, services: none, nodes: none, namespaces: none, contexts: none };
    }
  }
  let budget = COMPLETION_BUDGET_MS;
  const line = flags.requestTimeout;
  if (line !== undefined) {
    try {
      const ms = parseDuration(line);
      if (ms > 0) budget = Math.min(budget, ms);
    } catch {
      // A bad value on the line: keep the default budget.
    }
  }
  return fromCluster(flags, budget, env);
}
