/** `kubectl netx cidr` against the test API server: the real client path, the cidr plan, error exits. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApiServer } from '../support/api-server/index.js';
import { ensureBuilt, runCliAsync, type CliRun } from '../support/cli.js';
import { kindSnapshot } from '../support/fixtures-cidr/kind-snapshot.js';

let dir = '';
let server: TestApiServer;

/** Async (the API server runs in this process and must keep answering while the CLI waits). */
function run(...args: string[]): Promise<CliRun> {
  return runCliAsync(['cidr', ...args], { ...process.env, NO_COLOR: '1', KUBECONFIG: '' });
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'netx-cidr-live-'));
  server = await TestApiServer.start({ snapshot: kindSnapshot(), serviceCIDRs: ['10.96.0.0/12'] });
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kubectl netx cidr (live)', () => {
  it('lists pods as a Table, reads the mirror pods whole, asks the dry-run probe', async () => {
    server.requests.length = 0;
    const r = await run('--kubeconfig', server.writeKubeconfig(dir, { file: 'ok' }), '-o', 'json', '--service-cidr-dry-run');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    const svc = report.serviceCidrs.ranges[0];
    expect(svc.cidr).toBe('10.96.0.0/12');
    // The flag is only in the full mirror pod: seeing it proves the full copy survived the merge.
    expect(svc.confirmedBy).toContain('kube-system/kube-apiserver-kind-control-plane --service-cluster-ip-range');
    expect(svc.confirmedBy).toContain('dry-run Service create with an out-of-range clusterIP');
    expect(report.clusterCidrs.ranges[0].source.detail).toBe('kube-system/kube-controller-manager-kind-control-plane --cluster-cidr');
    expect(report.nodes.find((n: { name: string }) => n.name === 'kind-worker2').pods).toBe(212);
    // Rows without their objects (includeObject=None) carry no namespace: one listing per namespace.
    const podLists = server.requests.filter((q) => q.method === 'GET' && /^\/api\/v1\/namespaces\/[^/]+\/pods$/.test(q.path) && !q.query.labelSelector);
    expect(server.requests.filter((q) => q.path === '/api/v1/namespaces' && q.query.includeObject === 'None')).toHaveLength(1);
    const listed = new Set(podLists.map((q) => q.path.split('/')[4]));
    for (const p of kindSnapshot().cluster.objects.pods!) expect(listed).toContain(p.metadata?.namespace);
    expect(podLists.every((q) => /as=Table/.test(q.accept ?? '') && q.query.includeObject === 'None')).toBe(true);
    expect(server.requests.some((q) => q.path === '/api/v1/pods')).toBe(false);
  }, 120_000);

  it('pods refused by RBAC: exit 1, says what was refused, no stack trace', async () => {
    // The denial stays for the rest of the file (the server has no undo): later tests do not list pods.
    server.deny({ verb: 'list', resource: 'pods' });
    const r = await run('--kubeconfig', server.writeKubeconfig(dir, { file: 'denied' }));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: .*pods/);
    expect(r.stderr).not.toMatch(/\s+at \S+ \(/);
  }, 120_000);

  it('unreachable API server: exit non-zero with one clear line', async () => {
    const kubeconfig = server.writeKubeconfig(dir, { file: 'dead', server: 'https://127.0.0.1:1' });
    const r = await run('--kubeconfig', kubeconfig, '--request-timeout', '3s');
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).not.toMatch(/\s+at \S+ \(/);
  }, 120_000);
});
