/** `kubectl netx policy` against the test API server: the live collect path answers policyPlan(). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCliAsync, type CliRun } from '../support/cli.js';
import { TestApiServer } from '../support/api-server/index.js';
import { LAB_POLICIES, labSnapshot } from '../analyze/policy/lab-snapshot.js';

let server: TestApiServer;
let dir = '';
let kubeconfig = '';

/** Async on purpose: the API server lives in this process and must keep answering. */
function run(args: string[]): Promise<CliRun> {
  return runCliAsync(args, { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1' });
}

beforeAll(async () => {
  ensureBuilt();
  const snapshot = labSnapshot(LAB_POLICIES);
  snapshot.nodes = {};
  server = await TestApiServer.start({ snapshot });
  dir = mkdtempSync(path.join(tmpdir(), 'netx-policy-live-'));
  kubeconfig = server.writeKubeconfig(dir);
}, 180_000);
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kubectl netx policy (live)', () => {
  it('collects policies, namespaces and DaemonSets from the API and judges the flow', async () => {
    const r = await run(['policy', 'echo-0', 'svc/web:http', '--kubeconfig', kubeconfig, '-o', 'json']);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(3);
    const doc = JSON.parse(r.stdout) as { verdict: string; verdicts: { flow: { port: number } }[]; enforcement: { kind: string; evidence: { evidence: string }[] } };
    expect(doc.verdict).toBe('denied');
    expect(doc.verdicts.map((v) => v.flow.port)).toEqual([8080, 8080, 8080]);
    expect(doc.enforcement.kind).toBe('not-enforcing');
    expect(doc.enforcement.evidence.map((e) => e.evidence)).toContain('DaemonSet kube-flannel/kube-flannel-ds');
  });
  it('allowed flow: exit 0', async () => {
    const r = await run(['policy', 'client', 'web-1:8080', '--kubeconfig', kubeconfig]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ALLOWED · /m);
  });
});
