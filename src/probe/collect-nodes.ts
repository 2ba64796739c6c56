/**
 * Fills Snapshot.nodes for a plan: one debug pod per node (reused for all of that node's commands),
 * nodes in parallel with a bound, progress on stderr, every pod deleted however the run ends. A node
 * that cannot be probed becomes a gap; a refusal that applies to every node (RBAC, Pod Security) stops
 * the run with advice.
 */
import type { Progress } from '../cli/progress.js';
import type { KubeClient } from '../cluster/client.js';
import type { CollectPlan } from '../snapshot/plan.js';
import type { CaptureGap, ClusterCapture, NodeCapture, RawObject } from '../snapshot/types.js';
import { UserError, isNetxError } from '../util/errors.js';
import { probePodSpec } from './debug-pod.js';
import { probeNode } from './node-probe.js';
import type { ProbeOptions } from './options.js';
import { PodExecTransport } from './pod-exec.js';
import { createPod, forget, waitRunning } from './pods.js';
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
        nodes[name] = await probeOne(client, name, { ...wanted, conntrackAddresses }, opts, now, (s) => {
          status.set(name, s);
          show();
        });
      } catch (e) {
        // A refusal for every node, or a bug (not a NetxError), stops the run; anything else is this node's gap.
        if (isGlobalRefusal(e) || !isNetxError(e)) fatal ??= e;
        else gaps.push({ what: `node ${name} dumps`, reason: e.message, code: e instanceof UserError ? e.code : 'failed' });
      } finally {
        status.delete(name);
        done++;
        show();
      }
    }
  };
  show();
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, targets.length)) }, worker));
  if (fatal instanceof UserError) {
    throw new UserError(fatal.message, { code: fatal.code, cause: fatal, hint: `${fatal.hint ? `${fatal.hint}; ` : ''}or skip the node probe with --no-probe (API objects only)` });
  }
  if (fatal !== undefined) throw fatal;
  return { nodes, gaps };
}

async function probeOne(client: KubeClient, node: string, wanted: NonNullable<CollectPlan['nodes']>, opts: ProbeOptions, now: () => Date, onStatus: (s: string) => void): Promise<NodeCapture> {
  const request = {
    dumps: wanted.dumps,
    conntrackAddresses: wanted.conntrackAddresses,
    commandTimeoutMs: opts.commandTimeoutMs,
    onCommand: onStatus,
    now,
  };
  if (node === opts.localNode) return probeNode(new LocalTransport(), { ...request, hostBinaries: false, hostRoot: '' });
  const pod = probePodSpec(node, opts, now());
  const name = String(pod.metadata?.name);
  onStatus('creating probe pod');
  await createPod(client, pod);
  try {
    onStatus('waiting for probe pod');
    await waitRunning(client, opts.namespace, name, opts.startTimeoutMs, opts.image);
    const transport = new PodExecTransport(client.connection.kc, opts.namespace, name, opts.image);
    // Chrooted into the node's / (--host-binaries), the probe sees its files and processes as they are.
    return await probeNode(transport, { ...request, hostBinaries: opts.hostBinaries, ...(opts.hostBinaries ? { hostRoot: '' } : {}) });
  } finally {
    onStatus('deleting probe pod');
    await forget(client, opts.namespace, name);
  }
}

const osOf = (node: RawObject): string | undefined => (node.metadata?.labels as Record<string, string> | undefined)?.['kubernetes.io/os'];

function isReady(node: RawObject): boolean {
  const conditions = (node.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions;
  // No conditions at all (a minimal object): nothing says it is not Ready.
  if (!conditions?.length) return true;
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}
