/**
 * Live collection of a CollectPlan into a Snapshot: API objects, /version, and the dry-run service
 * CIDR probe. What an optional request cannot get (API not served, forbidden) becomes a gap.
 */
import { createRequire } from 'node:module';
import type { Progress } from '../cli/progress.js';
import type { CollectPlan, ResourceRequest } from '../snapshot/plan.js';
import type { CaptureGap, ClusterCapture, RawObject, Snapshot } from '../snapshot/types.js';
import { SNAPSHOT_KIND, SNAPSHOT_VERSION } from '../snapshot/types.js';
import { ExternalError, UserError } from '../util/errors.js';
import { KubeClient } from './client.js';
import { statusMessage } from './errors.js';
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
  for (const { req, outcome } of results) {
    if (outcome.kind === 'gap') {
      gaps.push(outcome.gap);
      continue;
    }
    const list = (cluster.objects[req.resource] ??= []);
    mergeObjects(list, outcome.items);
    if (outcome.view !== 'full') (cluster.views ??= {})[req.resource] = outcome.view;
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

type ListOutcome = { kind: 'items'; items: RawObject[]; view: 'full' | 'table' | 'metadata' } | { kind: 'gap'; gap: CaptureGap };

async function listOrGap(client: KubeClient, req: ResourceRequest, onPage: (n: number) => void): Promise<ListOutcome> {
  try {
    const res = await client.list(req, onPage);
    return { kind: 'items', items: res.items, view: res.view };
  } catch (e) {
    if (req.optional && e instanceof UserError && (e.code === 'not-found' || e.code === 'forbidden')) {
      const reason = e.code === 'not-found' ? 'the API server does not serve this API (not installed)' : `permission denied: ${e.message}`;
      return { kind: 'gap', gap: { what: req.resource, reason, code: e.code } };
    }
    throw e;
  }
}

/** Two requests for one resource (different namespaces or names) fill one list without duplicates. */
function mergeObjects(into: RawObject[], items: RawObject[]): void {
  const key = (o: RawObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  const seen = new Set(into.map(key));
  for (const item of items) if (!seen.has(key(item))) into.push(item), seen.add(key(item));
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
