/** `kubectl netx policy` against the test API server: the live collect path answers policyPlan(). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, liveCluster } from '../support/cli.js';
import { LAB_POLICIES, labSnapshot } from '../analyze/policy/lab-snapshot.js';

let live: Awaited<ReturnType<typeof liveCluster>>;
let kubeconfig = '';
const run = (args: string[]) => live.run(args);

beforeAll(async () => {
  ensureBuilt();
  const snapshot = labSnapshot(LAB_POLICIES);
  snapshot.nodes = {};
  live = await liveCluster({ snapshot }, 'policy-live');
  kubeconfig = live.kubeconfig;
}, 180_000);
afterAll(async () => {
  await live?.close();
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
