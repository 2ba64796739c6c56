/**
 * Live collection of a CollectPlan into a Snapshot: API objects, /version, the dry-run service CIDR
 * probe (only when asked: --service-cidr-dry-run) and node dumps. What an optional request cannot get
 * (API not served, forbidden) becomes a gap; credentials in what is kept are masked (snapshot/redact.ts).
 */
import { createRequire } from 'node:module';
import type { Progress } from '../util/progress.js';
import type { CollectPlan, ResourceRequest } from '../snapshot/plan.js';
import type { CaptureGap, ClusterCapture, RawObject, ResourceView, Snapshot } from '../snapshot/types.js';
import { SNAPSHOT_KIND, SNAPSHOT_VERSION } from '../snapshot/types.js';
import { UserError } from '../util/errors.js';
import { KubeClient } from '../cluster/client.js';
import { NotFoundError } from '../cluster/errors.js';
import { serviceCidrProbe } from '../cluster/service-cidr-probe.js';
import type { ClusterOptions } from '../cluster/options.js';
import type { ProbeOptions } from '../probe/options.js';
import { REDACTION_RULES, redactObjects } from '../snapshot/redact.js';

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

  const redactions = redactObjects(cluster.objects);
  // RBAC cannot limit `create services` to dry runs: the probe runs only when the user asked for it.
  if (plan.serviceCidrProbe && client.options.serviceCidrDryRun) {
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
      redaction: { rules: REDACTION_RULES },
      ...(redactions.length ? { redactions } : {}),
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
function requestLabel(req: ResourceRequest): string {
  if (req.name) return `${req.resource} ${req.namespace ? `${req.namespace}/` : ''}${req.name}`;
  const scope = req.namespace ? ` in ${req.namespace}` : '';
  const selectors = [req.labelSelector, req.fieldSelector].filter(Boolean).join(', ');
  return `${req.resource}${scope}${selectors ? ` (${selectors})` : ''}`;
}

const VIEW_RANK: Record<ResourceView, number> = { metadata: 0, table: 1, full: 2 };

/**
 * Several requests for one resource (a Table of all pods plus the control-plane pods in full) fill
 * one list: each object once, at its first position, the fullest copy wins, and the list's view is
 * the lightest one used. Only objects of the smaller batches can be duplicates (an API list never
 * repeats an object), so only they are keyed: 150,000 pods need no 150,000-entry map.
 */
class MergedList {
  private readonly batches: { items: RawObject[]; rank: number }[] = [];
  lightest: ResourceView = 'full';

  add(items: RawObject[], view: ResourceView): void {
    if (VIEW_RANK[view] < VIEW_RANK[this.lightest]) this.lightest = view;
    this.batches.push({ items, rank: VIEW_RANK[view] });
  }

  get items(): RawObject[] {
    if (this.batches.length === 1) return this.batches[0]!.items;
    const largest = this.batches.reduce((a, b) => (b.items.length > a.items.length ? b : a));
    const key = (o: RawObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
    // The fullest copy of every object of the smaller batches (the first one on a tie).
    const best = new Map<string, { item: RawObject; rank: number }>();
    const consider = (item: RawObject, rank: number): void => {
      const k = key(item);
      const seen = best.get(k);
      if (!seen || rank > seen.rank) best.set(k, { item, rank });
    };
    for (const b of this.batches) if (b !== largest) for (const item of b.items) consider(item, b.rank);
    const namespaces = new Set([...best.values()].map((v) => v.item.metadata?.namespace ?? ''));
    const mayRepeat = (o: RawObject): boolean => namespaces.has(o.metadata?.namespace ?? '') && best.has(key(o));
    for (const item of largest.items) if (mayRepeat(item)) consider(item, largest.rank);
    const out: RawObject[] = [];
    const placed = new Set<string>();
    for (const b of this.batches) {
      for (const item of b.items) {
        if (b === largest && !mayRepeat(item)) {
          out.push(item);
          continue;
        }
        const k = key(item);
        if (placed.has(k)) continue;
        placed.add(k);
        out.push(best.get(k)!.item);
      }
    }
    return out;
  }
}
