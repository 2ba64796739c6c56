import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/cluster/client.js';
import { classifyProbePods, cleanupProbePods, renderCleanup } from '../../src/probe/cleanup.js';
import { probePodSpec } from '../../src/probe/debug-pod.js';
import { anchorJobSpec } from '../../src/probe/anchor.js';
import { defaultProbeOptions } from '../../src/probe/options.js';
import type { RawObject } from '../../src/snapshot/types.js';
import { servePods, TestApiServer, type PodsControl } from '../support/api-server/index.js';
import { BIN, ensureBuilt } from '../support/cli.js';

const now = new Date('2026-11-22T12:00:00Z');
const minutesAgo = (m: number): Date => new Date(now.getTime() - m * 60_000);
const pod = (node: string, ns: string, created: Date): RawObject => probePodSpec(node, defaultProbeOptions({ namespace: ns, runId: node.slice(-4) }), created);
const other: RawObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } }, spec: {} };
/** Labelled like a netx probe pod, but running something else: never netx's to delete. */
const impostor = (): RawObject => {
  const p = pod('node-fake', 'kube-system', minutesAgo(45)) as RawObject & { spec: { containers: Record<string, unknown>[] } };
  p.spec.containers[0]!.command = ['nginx', '-g', 'daemon off;'];
  return p;
};
const anchor = (runId: string, created: Date, parallelism = 0): RawObject => {
  const j = anchorJobSpec(defaultProbeOptions({ namespace: 'netx', runId }), created) as RawObject & { spec: Record<string, unknown> };
  j.spec.parallelism = parallelism;
  return j;
};

let server: TestApiServer;
let ctl: PodsControl;
const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-cleanup-'));
let client: KubeClient;
beforeAll(async () => {
  server = await TestApiServer.start({
    objects: {
      pods: [pod('node-old1', 'kube-system', minutesAgo(30)), pod('node-old2', 'netx', minutesAgo(11)), pod('node-new1', 'kube-system', minutesAgo(2)), other, impostor()],
      jobs: [anchor('old9', minutesAgo(40)), anchor('busy', minutesAgo(40), 1)],
    },
  });
  ctl = servePods(server);
  client = KubeClient.connect({ kubeconfig: server.writeKubeconfig(dir), requestTimeoutMs: 5000, env: {} });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function resetObjects(): Promise<void> {
  server.objects.set('pods', [pod('node-old1', 'kube-system', minutesAgo(30)), pod('node-old2', 'netx', minutesAgo(11)), pod('node-new1', 'kube-system', minutesAgo(2)), other, impostor()]);
  server.objects.set('jobs', [anchor('old9', minutesAgo(40)), anchor('busy', minutesAgo(40), 1)]);
  ctl.deleted.length = 0;
}

describe('kubectl netx cleanup', () => {
  it('classifies probe pods by age against their activeDeadlineSeconds', () => {
    const c = classifyProbePods([pod('n1', 'x', minutesAgo(10.5)), pod('n2', 'x', minutesAgo(9))], now);
    expect(c.map((p) => [p.ageSeconds, p.deadlineSeconds, p.expired])).toEqual([[630, 600, true], [540, 600, false]]);
    // No deadline or creation time on record: treated as a leftover.
    expect(classifyProbePods([{ metadata: { name: 'x', namespace: 'y' } }], now)[0]).toMatchObject({ expired: true });
  });

  it('dry run lists the expired ones in every namespace and deletes nothing', async () => {
    server.requests.length = 0;
    const lines: string[] = [];
    const r = await cleanupProbePods(client, { all: false, dryRun: true }, now, (l) => lines.push(l));
    expect(r.deleted.map((p) => `${p.kind} ${p.namespace}/${p.node ?? p.name}`)).toEqual(['pod kube-system/node-old1', 'pod netx/node-old2', 'job netx/netx-probe-run-old9']);
    expect(r.kept.map((p) => p.node)).toEqual(['node-new1']);
    expect(ctl.deleted).toEqual([]);
    expect(lines).toContain('would delete pod kube-system/netx-probe-node-old1-old1 (node node-old1), age 30m, deadline 600s');
    expect(renderCleanup(r)).toBe("would delete 3 object(s); 1 kept, 2 not netx's");
    // Only label-selected pods and Jobs are ever considered.
    expect(server.requests.map((q) => [q.path, q.query.labelSelector])).toEqual([
      ['/api/v1/pods', 'app.kubernetes.io/managed-by=kubectl-netx,app.kubernetes.io/component=node-probe'],
      ['/apis/batch/v1/jobs', 'app.kubernetes.io/managed-by=kubectl-netx,app.kubernetes.io/component=probe-anchor'],
    ]);
  });

  it('never deletes what only carries the labels: a pod or Job whose spec is not what netx makes is skipped, and said', async () => {
    const lines: string[] = [];
    const r = await cleanupProbePods(client, { all: true, dryRun: false }, now, (l) => lines.push(l));
    expect(r.foreign.map((f) => [f.item.name, f.reason])).toEqual([
      ['netx-probe-node-fake-fake', "its container runs `nginx -g daemon off;`, not netx's `sleep 600`"],
      ['netx-probe-run-busy', 'it is a Job that runs pods (netx anchors run none)'],
    ]);
    expect(lines[0]).toBe("skipped pod kube-system/netx-probe-node-fake-fake (node node-fake), age 45m, deadline 600s: labelled like netx's, but not one netx made (its container runs `nginx -g daemon off;`, not netx's `sleep 600`)");
    expect(ctl.pods('kube-system').map((p) => p.metadata?.name)).toEqual(['netx-probe-node-fake-fake']);
    expect(ctl.jobs().map((j) => j.metadata?.name)).toEqual(['netx-probe-run-busy']);
    // Each deletion was announced before its DELETE reached the server.
    const announced = lines.filter((l) => l.startsWith('deleting '));
    expect(announced).toHaveLength(r.deleted.length);
    // Put the deleted ones back for the tests below.
    await resetObjects();
  });

  it('the CLI: --dry-run --all lists every probe pod, exit 0, nothing deleted', async () => {
    ensureBuilt();
    const kc = server.writeKubeconfig(dir, { file: 'cli' });
    const r = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(BIN, ['cleanup', '--dry-run', '--all', '--kubeconfig', kc], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } }, (e, stdout) =>
        resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout }),
      ),
    );
    expect(r.code).toBe(0);
    // --all: every probe pod whatever its age (the CLI uses the real clock), never the other pod.
    expect(r.stdout.split('\n').filter((l) => l.startsWith('would delete pod ')).length).toBe(3);
    expect(ctl.deleted).toEqual([]);
  }, 120_000);

  it('says what it deletes before each DELETE request', async () => {
    server.requests.length = 0;
    const seenAtSay: number[] = [];
    await cleanupProbePods(client, { namespace: 'netx', all: false, dryRun: false }, now, (l) => {
      if (l.startsWith('deleting ')) seenAtSay.push(server.requests.filter((q) => q.method === 'DELETE').length);
    });
    expect(seenAtSay).toEqual([0, 1]);
    expect(server.requests.filter((q) => q.method === 'DELETE').map((q) => q.path)).toEqual(['/api/v1/namespaces/netx/pods/netx-probe-node-old2-old2', '/apis/batch/v1/namespaces/netx/jobs/netx-probe-run-old9']);
    await resetObjects();
  });

  it('deletes expired pods in one namespace; --all also the ones within their deadline; never other pods', async () => {
    const r1 = await cleanupProbePods(client, { namespace: 'kube-system', all: false, dryRun: false }, now);
    expect(r1.deleted.map((p) => p.node)).toEqual(['node-old1']);
    expect(ctl.pods('netx')).toHaveLength(1);
    const r2 = await cleanupProbePods(client, { all: true, dryRun: false }, now);
    expect(r2.deleted.map((p) => p.node ?? p.name).sort()).toEqual(['netx-probe-run-old9', 'node-new1', 'node-old2']);
    expect(ctl.pods().map((p) => p.metadata?.name).sort()).toEqual(['netx-probe-node-fake-fake', 'web']);
    expect(renderCleanup(await cleanupProbePods(client, { namespace: 'default', all: true, dryRun: false }, now))).toBe('no netx probe pods found');
  });
});
