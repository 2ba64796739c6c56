/**
 * Live collection of a CollectPlan into a Snapshot: API objects, /version, and the dry-run service
 * CIDR probe. What an optional request cannot get (API not served, forbidden) becomes a gap.
 */
import { createRequire } from 'node:module';
import type { Progress } from '../cli/progress.js';
import type { CollectPlan, ResourceRequest } from '../snapshot/plan.js';
import type { CaptureGap, ClusterCapture, RawObject, ResourceView, Snapshot } from '../snapshot/types.js';
import { SNAPSHOT_KIND, SNAPSHOT_VERSION } from '../snapshot/types.js';
import { ExternalError, UserError } from '../util/errors.js';
import { KubeClient } from './client.js';
import { NotFoundError, statusMessage } from './errors.js';
import type { ClusterOptions } from './options.js';

/** Outside every usual service range (TEST-NET-3, RFC 5737), so the dry-run create must be refused. */
export const PROBE_CLUSTER_IP = '203.0.113.10';
export const PROBE_SERVICE_NAME = 'netx-service-cidr-probe';

export const NODE_DUMPS_GAP: CaptureGap = { what: 'node dumps', reason: 'probe not available yet', code: 'unsupported' };

const netxVersion = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

export async function collect(opts: ClusterOptions, plan: CollectPlan, progress: Progress, now: () => Date = () => new Date()): Promise<Snapshot> {
  const client = KubeClient.connect(opts);
  return collectWith(client, plan, progress, now);
}

/** Collection over an existing client (tests and later callers that reuse one). */
export async function collectWith(client: KubeClient, plan: CollectPlan, progress: Progress, now: () => Date = () => new Date()): Promise<Snapshot> {
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
  if (plan.nodes) gaps.push(NODE_DUMPS_GAP);

  return {
    kind: SNAPSHOT_KIND,
    version: SNAPSHOT_VERSION,
    capturedAt,
    source: {
      type: 'live',
      context: conn.contextName,
      cluster: conn.clusterName,
      server: conn.server,
      netxVersion,
      ...(gaps.length ? { gaps } : {}),
      fetched: { requests: client.requestsMade, bytes: client.bytesFetched },
    },
    cluster,
    nodes: {},
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

type ProbeOutcome = { kind: 'value'; value: { message: string; status?: number } } | { kind: 'gap'; gap: CaptureGap };

/** Dry-run create of a Service with an out-of-range clusterIP; the refusal names the valid range. */
export async function serviceCidrProbe(client: KubeClient, namespace = 'default'): Promise<ProbeOutcome> {
  const body = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: PROBE_SERVICE_NAME, namespace },
    spec: { type: 'ClusterIP', clusterIP: PROBE_CLUSTER_IP, ports: [{ port: 80, protocol: 'TCP' }] },
  };
  try {
    const res = await client.raw(
      {
        method: 'POST',
        path: `/api/v1/namespaces/${namespace}/services`,
        query: { dryRun: 'All' },
        body,
        intent: { verb: 'create', resource: 'services', namespace },
      },
      [400, 409, 422],
    );
    if (res.status < 300) {
      return { kind: 'value', value: { message: `dry-run create with clusterIP ${PROBE_CLUSTER_IP} was accepted: that address is inside a service range`, status: res.status } };
    }
    return { kind: 'value', value: { message: statusMessage(res.text) ?? res.text, status: res.status } };
  } catch (e) {
    // Best effort: only a dead connection or bad credentials stop the capture.
    if (e instanceof ExternalError || (e instanceof UserError && (e.code === 'forbidden' || e.code === 'not-found'))) {
      return { kind: 'gap', gap: { what: 'serviceCidrProbe', reason: e.message, code: e instanceof UserError ? e.code : 'error' } };
    }
    throw e;
  }
}
