/**
 * Live collection of a CollectPlan into a Snapshot: API objects, /version, and the dry-run service
 * CIDR probe. What an optional request cannot get (API not served, forbidden) becomes a gap.
 */
import { createRequire } from 'node:module';
import type { Progress } from '../cli/progress.js';
import type { CollectPlan, ResourceRequest } from '../snapshot/plan.js';
import type { CaptureGap, ClusterCapture, RawObject, ResourceView, Snapshot } from '../snapshot/types.js';
import { SNAPSHOT_KIND, SNAPSHOT_VERSION } from '../snapshot/types.js';
import { UserError } from '../util/errors.js';
import { KubeClient } from './client.js';
import { NotFoundError } from './errors.js';
import { serviceCidrProbe } from './service-cidr-probe.js';
import type { ClusterOptions } from './options.js';
import type { ProbeOptions } from '../probe/options.js';

export const NODE_DUMPS_GAP: CaptureGap = { what: 'node dumps', reason: 'node probe disabled (--no-probe)', code: 'unsupported' };

const netxVersion = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** `probe` undefined: node dumps are not collected (a gap says so). */
export async function collect(opts: ClusterOptions, plan: CollectPlan, progress: Progress, now: () => Date = () => new Date(), probe?: ProbeOptions): Promise<Snapshot> {
  const client = KubeClient.connect(opts);
  return collectWith(client, plan, progress, now, probe);
}

/** Collection over an existing client (tests and later callers that reuse one). */
export async function collectWith(client: KubeClient, plan: CollectPlan, progress: Progress, now: () => Date = () => new Date(), probe?: ProbeOptions): Promise<Snapshot> {
  const conn = client.connection;
  const capturedAt = now().toISOString();
  const gaps: CaptureGap[] = [];
  const cluster: ClusterCapture = { objects: {} };

  progress.update(`connecting to ${conn.server}`);
  // /version first: it is cheap and any authenticated user may read it, so a bad context fails here clearly.
  const version = await client.serverVersion();
  if (plan.serverVersion !== false) cluster.serverVersion = version;

  const counts = new Map<string, number>();
  const show = (): void => progress.update(`listing ${[...counts].map(([r, n]) => `${r} ${n}`).join(', ')}`);
  const results = await Promise.all(
    plan.resources.map(async (req) => {
      counts.set(req.resource, 0);
      const outcome = await listOrGap(client, req, (n) => {
        counts.set(req.resource, n);
        show();
      });
      return { req, outcome };
    }),
  );
  const merged = new Map<string, MergedList>();
  for (const { req, outcome } of results) {
    if (outcome.kind === 'gap') {
      gaps.push(outcome.gap);
      continue;
    }
    let list = merged.get(req.resource);
    if (!list) merged.set(req.resource, (list = new MergedList()));
    list.add(outcome.items, outcome.view);
  }
  for (const [resource, list] of merged) {
    cluster.objects[resource] = list.items;
    if (list.lightest !== 'full') (cluster.views ??= {})[resource] = list.lightest;
  }

  if (plan.serviceCidrProbe) {
    progress.update('asking the API server for the service CIDR (dry-run)');
    const probe = await serviceCidrProbe(client);
    if (probe.kind === 'gap') gaps.push(probe.gap);
    else cluster.serviceCidrProbe = probe.value;
  }
  let nodes: Snapshot['nodes'] = {};
  if (plan.nodes && probe) {
    const { collectNodes } = await import('../probe/collect-nodes.js');
    const probed = await collectNodes(client, plan.nodes, cluster.objects, probe, progress, now);
    nodes = probed.nodes;
    gaps.push(...probed.gaps);
  } else if (plan.nodes) gaps.push(NODE_DUMPS_GAP);

  return {
    kind: SNAPSHOT_KIND,
    version: SNAPSHOT_VERSION,
    capturedAt,
    source: {
      type: 'live',
      context: conn.contextName,
      namespace: conn.namespace,
      cluster: conn.clusterName,
      server: conn.server,
      netxVersion,
      ...(gaps.length ? { gaps } : {}),
      fetched: { requests: client.requestsMade, bytes: client.bytesFetched },
    },
    cluster,
    nodes,
  };
}

type ListOutcome = { kind: 'items'; items: RawObject[]; view: ResourceView } | { kind: 'gap'; gap: CaptureGap };

async function listOrGap(client: KubeClient, req: ResourceRequest, onPage: (n: number) => void): Promise<ListOutcome> {
  try {
    const res = await client.list(req, onPage);
    return { kind: 'items', items: res.items, view: res.view };
  } catch (e) {
    if (req.optional && e instanceof UserError && (e.code === 'not-found' || e.code === 'forbidden')) {
      const reason =
        e instanceof NotFoundError && e.missing === 'api'
          ? 'the API server does not serve this API (not installed)'
          : e.code === 'not-found'
            ? 'not found'
            : e.message;
      return { kind: 'gap', gap: { what: requestLabel(req), reason, code: e.code } };
    }
    throw e;
  }
}

/** "pods", "configmaps kube-system/kubeadm-config", "pods in kube-system (component=kube-apiserver)". */
export function requestLabel(req: ResourceRequest): string {
  if (req.name) return `${req.resource} ${req.namespace ? `${req.namespace}/` : ''}${req.name}`;
  const scope = req.namespace ? ` in ${req.namespace}` : '';
  const selectors = [req.labelSelector, req.fieldSelector].filter(Boolean).join(', ');
  return `${req.resource}${scope}${selectors ? ` (${selectors})` : ''}`;
}

const VIEW_RANK: Record<ResourceView, number> = { metadata: 0, table: 1, full: 2 };

/**
 * Several requests for one resource (a Table of all pods plus the control-plane pods in full) fill
 * one list: each object once, the fullest copy wins, and the list's view is the lightest one used.
 */
class MergedList {
  readonly items: RawObject[] = [];
  lightest: ResourceView = 'full';
  private readonly index = new Map<string, { at: number; rank: number }>();

  add(items: RawObject[], view: ResourceView): void {
    if (VIEW_RANK[view] < VIEW_RANK[this.lightest]) this.lightest = view;
    const rank = VIEW_RANK[view];
    for (const item of items) {
      const key = `${item.metadata?.namespace ?? ''}/${item.metadata?.name ?? ''}`;
      const seen = this.index.get(key);
      if (!seen) {
        this.index.set(key, { at: this.items.length, rank });
        this.items.push(item);
      } else if (rank > seen.rank) {
        this.items[seen.at] = item;
        seen.rank = rank;
      }
    }
  }
}
