/**
 * Fills Snapshot.nodes for a plan: one debug pod per node (reused for all of that node's commands),
 * nodes in parallel with a bound, progress on stderr, every pod deleted however the run ends. Before
 * the first pod: the probe namespace is checked (it exists; its Pod Security level), what earlier
 * runs left past their deadline is swept, and the run's anchor Job is made (probe/anchor.ts). A node
 * that cannot be probed becomes a gap and a warning saying why; a refusal that applies to every node
 * (RBAC, Pod Security) stops the run with advice.
 */
import type { Progress } from '../util/progress.js';
import type { KubeClient } from '../cluster/client.js';
import { DEFAULT_RETRY } from '../cluster/options.js';
import type { CollectPlan } from '../snapshot/plan.js';
import type { CaptureGap, ClusterCapture, NodeCapture, RawObject } from '../snapshot/types.js';
import { isNetxError, UserError } from '../util/errors.js';
import { createAnchor } from './anchor.js';
import { cleanupProbePods, describe } from './cleanup.js';
import { CNI_DIR } from './catalogue.js';
import { CNI_VOLUME, probePodSpec, type OwnerRef } from './debug-pod.js';
import { checkProbeNamespace } from './namespace.js';
import { probeNode } from './node-probe.js';
import type { ProbeOptions } from './options.js';
import { PodExecTransport } from './pod-exec.js';
import { createPod, deletePod, dropAnchor, forget, MountFailed, trackAnchor, waitRunning } from './pods.js';
import { LocalTransport } from './transport.js';

export interface NodesResult {
  nodes: Record<string, NodeCapture>;
  gaps: CaptureGap[];
}

/** Errors that would repeat on every node: stop instead of recording one gap per node. */
const isGlobalRefusal = (e: unknown): boolean => e instanceof UserError && (e.code === 'forbidden' || e.code === 'unauthorized');

export async function collectNodes(
  client: KubeClient,
  wanted: NonNullable<CollectPlan['nodes']>,
  objects: ClusterCapture['objects'],
  opts: ProbeOptions,
  progress: Progress,
  now: () => Date = () => new Date(),
): Promise<NodesResult> {
  const gaps: CaptureGap[] = [];
  const known = objects.nodes ?? (await client.list({ resource: 'nodes' })).items;
  const conntrackAddresses = wanted.conntrackAddresses ?? wanted.conntrackAddressesFrom?.(objects) ?? opts.conntrackAddresses;
  const byName = new Map(known.map((n) => [String(n.metadata?.name), n]));
  const names = wanted.names === 'all' ? [...byName.keys()] : wanted.names;
  const targets: string[] = [];
  for (const name of names) {
    const node = byName.get(name);
    if (!node) gaps.push({ what: `node ${name} dumps`, reason: 'no such node', code: 'not-found' });
    else if (osOf(node) === 'windows') gaps.push({ what: `node ${name} dumps`, reason: 'Windows node: the probe reads the Linux dataplane only', code: 'unsupported' });
    else if (!isReady(node)) gaps.push({ what: `node ${name} dumps`, reason: 'node is not Ready: a probe pod would not start', code: 'unsupported' });
    else targets.push(name);
  }

  let owner: OwnerRef | undefined;
  if (targets.some((t) => t !== opts.localNode)) {
    progress.update(`preparing probe namespace ${opts.namespace}`);
    await checkProbeNamespace(client, opts.namespace, client.warn);
    await sweepLeftovers(client, opts.namespace, now());
    owner = await createAnchor(client, opts, now(), client.warn);
    if (owner) trackAnchor(client, opts.namespace, owner.name);
  }

  const nodes: Record<string, NodeCapture> = {};
  let done = 0;
  const status = new Map<string, string>();
  const show = (): void => progress.update(`probing nodes ${done}/${targets.length}${status.size ? ` (${[...status].slice(0, 3).map(([n, s]) => `${n}: ${s}`).join(', ')})` : ''}`);
  let fatal: unknown;
  const queue = [...targets];
  const worker = async (): Promise<void> => {
    for (let node = queue.shift(); node !== undefined && fatal === undefined; node = queue.shift()) {
      const name = node;
      try {
        nodes[name] = await probeOne(client, name, { ...wanted, conntrackAddresses }, opts, owner, now, (s) => {
          status.set(name, s);
          show();
        });
      } catch (e) {
        // A refusal for every node, or a bug (not a NetxError), stops the run; anything else is this node's gap.
        if (isGlobalRefusal(e) || !isNetxError(e)) fatal ??= e;
        else gaps.push({ what: `node ${name} dumps`, reason: e.message, code: e instanceof UserError ? e.code : 'failed', ...(e.hint ? { hint: e.hint } : {}) });
      } finally {
        status.delete(name);
        done++;
        show();
      }
    }
  };
  show();
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, targets.length)) }, worker));
  } finally {
    if (owner) await dropAnchor(client, opts.namespace, owner.name);
  }
  if (fatal instanceof UserError) {
    throw new UserError(fatal.message, { code: fatal.code, cause: fatal, hint: `${fatal.hint ? `${fatal.hint}; ` : ''}or skip the node probe with --no-probe (API objects only)` });
  }
  if (fatal !== undefined) throw fatal;
  progress.done();
  for (const g of gaps) client.warn(`${g.what.replace(/ dumps$/, '')} not probed: ${g.reason}`, g.hint);
  return { nodes, gaps };
}

/**
 * What earlier runs left in the probe namespace past their deadline (netx was killed, the cluster's
 * reaping is slow or off): deleted, and said. Objects still within their deadline may belong to a run
 * going on right now and are left alone; anything not shaped like netx's is never touched.
 */
async function sweepLeftovers(client: KubeClient, namespace: string, now: Date): Promise<void> {
  try {
    const r = await cleanupProbePods(client, { namespace, all: false, dryRun: false }, now);
    for (const item of r.deleted) client.warn(`removed ${describe(item)}, left behind by an earlier netx run`);
  } catch (e) {
    // Not allowed to list or delete there: the run itself does not need the sweep.
    if (!isNetxError(e)) throw e;
  }
}

async function probeOne(
  client: KubeClient,
  node: string,
  wanted: NonNullable<CollectPlan['nodes']>,
  opts: ProbeOptions,
  owner: OwnerRef | undefined,
  now: () => Date,
  onStatus: (s: string) => void,
): Promise<NodeCapture> {
  const request = {
    dumps: wanted.dumps,
    conntrackAddresses: wanted.conntrackAddresses,
    commandTimeoutMs: opts.commandTimeoutMs,
    onCommand: onStatus,
    now,
  };
  if (node === opts.localNode) return probeNode(new LocalTransport(), { ...request, hostBinaries: false, hostRoot: '' });
  const upgradeMs = client.options.requestTimeoutMs > 0 ? client.options.requestTimeoutMs : DEFAULT_RETRY.attemptTimeoutMs;
  let cni: 'read' | { absent: string } = 'read';
  for (;;) {
    const pod = probePodSpec(node, opts, now(), { mountCni: cni === 'read', ...(owner ? { owner } : {}) });
    const name = String(pod.metadata?.name);
    onStatus('creating probe pod');
    await createPod(client, pod);
    try {
      // Made before the wait: its KubeConfig loads client-node (~0.3 s of CPU), hidden while the pod starts.
      const transport = new PodExecTransport(client.connection.kc, opts.namespace, name, opts.image, upgradeMs);
      onStatus('waiting for probe pod');
      const { imageID } = await waitRunning(client, opts.namespace, name, opts.startTimeoutMs, opts.image);
      // Chrooted into the node's / (--host-binaries), the probe sees its files and processes as they are.
      const capture = await probeNode(transport, { ...request, cni, hostBinaries: opts.hostBinaries, ...(opts.hostBinaries ? { hostRoot: '' } : {}) });
      if (imageID && capture.probe) capture.probe.imageID = imageID;
      return capture;
    } catch (e) {
      // A node without the CNI directory: probe it again without that mount (the kubelet never creates it: type Directory).
      if (!(e instanceof MountFailed && e.volume === CNI_VOLUME && cni === 'read')) throw e;
      cni = { absent: `the node has no directory ${CNI_DIR} (the kubelet: ${e.detail}): no CNI configuration was read, and none was created` };
    } finally {
      onStatus('deleting probe pod');
      await forget(client, opts.namespace, name, opts.activeDeadlineSeconds);
    }
    await goneOrTimeout(client, opts.namespace, name);
  }
}

/** Waits (bounded) until a deleted pod's name is free again, so its replacement can take it. */
async function goneOrTimeout(client: KubeClient, namespace: string, name: string, boundMs = 30_000): Promise<void> {
  const until = Date.now() + boundMs;
  while (Date.now() < until) {
    try {
      await client.get('pods', name, namespace);
    } catch (e) {
      if (e instanceof UserError && e.code === 'not-found') return;
      throw e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  // Still there: one more delete; the create then fails with a clear 409 if the name is still taken.
  await deletePod(client, namespace, name);
}

const osOf = (node: RawObject): string | undefined => (node.metadata?.labels as Record<string, string> | undefined)?.['kubernetes.io/os'];

function isReady(node: RawObject): boolean {
  const conditions = (node.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions;
  // No conditions at all (a minimal object): nothing says it is not Ready.
  if (!conditions?.length) return true;
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}
