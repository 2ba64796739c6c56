import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/cluster/client.js';
import { classifyProbePods, cleanupProbePods, renderCleanup } from '../../src/probe/cleanup.js';
import { probePodSpec } from '../../src/probe/debug-pod.js';
import { defaultProbeOptions } from '../../src/probe/options.js';
import type { RawObject } from '../../src/snapshot/types.js';
import { servePods, TestApiServer, type PodsControl } from '../support/api-server/index.js';
import { REPO_ROOT } from '../support/corpus.js';

const now = new Date('2026-11-22T12:00:00Z');
const minutesAgo = (m: number): Date => new Date(now.getTime() - m * 60_000);
const pod = (node: string, ns: string, created: Date): RawObject => probePodSpec(node, defaultProbeOptions({ namespace: ns, runId: node.slice(-4) }), created);
const other: RawObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } }, spec: {} };

let server: TestApiServer;
let ctl: PodsControl;
const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-cleanup-'));
let client: KubeClient;
beforeAll(async () => {
  server = await TestApiServer.start({ objects: { pods: [pod('node-old1', 'kube-system', minutesAgo(30)), pod('node-old2', 'netx', minutesAgo(11)), pod('node-new1', 'kube-system', minutesAgo(2)), other] } });
  ctl = servePods(server);
  client = KubeClient.connect({ kubeconfig: server.writeKubeconfig(dir), requestTimeoutMs: 5000, env: {} });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('kubectl netx cleanup', () => {
  it('classifies probe pods by age against their activeDeadlineSeconds', () => {
    const c = classifyProbePods([pod('n1', 'x', minutesAgo(10.5)), pod('n2', 'x', minutesAgo(9))], now);
    expect(c.map((p) => [p.ageSeconds, p.deadlineSeconds, p.expired])).toEqual([[630, 600, true], [540, 600, false]]);
    // No deadline or creation time on record: treated as a leftover.
    expect(classifyProbePods([{ metadata: { name: 'x', namespace: 'y' } }], now)[0]).toMatchObject({ expired: true });
  });

  it('dry run lists the expired ones in every namespace and deletes nothing', async () => {
    const r = await cleanupProbePods(client, { all: false, dryRun: true }, now);
    expect(r.deleted.map((p) => `${p.namespace}/${p.node}`)).toEqual(['kube-system/node-old1', 'netx/node-old2']);
    expect(r.kept.map((p) => p.node)).toEqual(['node-new1']);
    expect(ctl.deleted).toEqual([]);
    expect(renderCleanup(r)).toMatch(/^would delete pod kube-system\/netx-probe-node-old1-old1 \(node node-old1\), age 30m, deadline 600s$/m);
    // Only label-selected pods are ever considered.
    expect(server.requests.at(-1)?.query.labelSelector).toBe('app.kubernetes.io/managed-by=kubectl-netx,app.kubernetes.io/component=node-probe');
  });

  it('the CLI: --dry-run --all lists every probe pod, exit 0, nothing deleted', async () => {
    if (!process.env.NETX_SKIP_BUILD) execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'pipe' });
    const kc = server.writeKubeconfig(dir, { file: 'cli' });
    const r = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(path.join(REPO_ROOT, 'bin', 'kubectl-netx'), ['cleanup', '--dry-run', '--all', '--kubeconfig', kc], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } }, (e, stdout) =>
        resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout }),
      ),
    );
    expect(r.code).toBe(0);
    // --all: every probe pod whatever its age (the CLI uses the real clock), never the other pod.
    expect(r.stdout.split('\n').filter((l) => l.startsWith('would delete pod ')).length).toBe(3);
    expect(ctl.deleted).toEqual([]);
  }, 120_000);

  it('deletes expired pods in one namespace; --all also the ones within their deadline; never other pods', async () => {
    const r1 = await cleanupProbePods(client, { namespace: 'kube-system', all: false, dryRun: false }, now);
    expect(r1.deleted.map((p) => p.node)).toEqual(['node-old1']);
    expect(ctl.pods('netx')).toHaveLength(1);
    const r2 = await cleanupProbePods(client, { all: true, dryRun: false }, now);
    expect(r2.deleted.map((p) => p.node).sort()).toEqual(['node-new1', 'node-old2']);
    expect(ctl.pods().map((p) => p.metadata?.name)).toEqual(['web']);
    expect(renderCleanup(await cleanupProbePods(client, { all: true, dryRun: false }, now))).toBe('no netx probe pods found');
  });
});
