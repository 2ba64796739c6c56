/**
 * `trace` and `policy` tell one story when NetworkPolicy and the dataplane disagree: a policy denies client → web,
 * Calico (an enforcing engine) is detected, and the node dumps hold no Calico rule on the path. Both commands answer
 * UNCERTAIN and exit 3, with the same finding naming what the dumps show, what the policy says and the likely causes.
 * Where the dumps do stop the flow, both say so (dropped / denied); without an engine nothing changes.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import type { RawObject, Snapshot } from '../../../src/snapshot/types.js';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { traceRequest } from '../../../src/analyze/trace/index.js';
import { policyWithDataplane } from '../../../src/analyze/trace/policy-check.js';
import { policyPlan } from '../../../src/analyze/policy/plan.js';
import { TRACE_DUMPS } from '../../../src/analyze/trace/plan.js';
import type { Trace } from '../../../src/sim/trace.js';
import { REPO_ROOT } from '../../support/corpus.js';
import { traceSchemaErrors } from '../../support/trace-schema.js';
import { renderTraces } from '../../../src/render/trace.js';
import { ensureBuilt, runCli } from '../../support/cli.js';

const np = (name: string, spec: Record<string, unknown>): RawObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'default', name }, spec });
const DENY_WEB = np('deny-web', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] });
const CALICO: RawObject = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { namespace: 'kube-system', name: 'calico-node' }, spec: { template: { spec: { containers: [{ name: 'calico-node', image: 'calico/node:v3.28' }] } } } };

function scenario(file: string, policies: RawObject[], daemonsets: RawObject[] = [CALICO], pods?: (p: RawObject[]) => void): Snapshot {
  const s = parseSnapshot(readFileSync(path.join(REPO_ROOT, file), 'utf8'), file);
  const objects = structuredClone(s.cluster.objects);
  objects.networkpolicies = policies;
  objects.daemonsets = [...(objects.daemonsets ?? []), ...daemonsets];
  pods?.(objects.pods ?? []);
  return { ...s, cluster: { ...s.cluster, objects } };
}

const trace = (s: Snapshot, dst = 'svc/web:80'): Trace => traceRequest(s, { src: 'client', dst, namespace: 'default' }, { buildNode: buildNodeModel }).traces[0]!;
const policy = (s: Snapshot, dst = 'svc/web:80') => policyWithDataplane(s, { src: 'client', dst, namespace: 'default' }, { buildNode: buildNodeModel });
/** The exit codes the commands use: trace 3 when a path is not delivered, policy 3 unless allowed. */
const traceExit = (t: Trace): number => (t.branches.every((b) => b.disposition === 'delivered') ? 0 : 3);

describe('NetworkPolicy denies, Calico is detected, the dumps hold no Calico rule on the path', () => {
  const s = scenario('examples/lab-flannel-iptables.snapshot.json', [DENY_WEB]);

  it('trace: every path uncertain (not DELIVERED), exit 3, one finding with both stories and the likely causes', () => {
    const t = trace(s);
    expect(t.disposition).toBe('uncertain');
    expect(t.branches.map((b) => [b.disposition, b.cause?.code])).toEqual(Array(3).fill(['uncertain', 'policy-dataplane-disagree']));
    expect(traceExit(t)).toBe(3);
    const f = t.findings.find((x) => x.code === 'policy-dataplane-disagree')!;
    expect(f.message).toMatch(/the node dumps deliver default\/client → default\/web-\d:8080\/TCP, but NetworkPolicy default\/deny-web denies it \(enforced by calico\)/);
    expect(f.evidence).toEqual(
      expect.arrayContaining([
        'dumps: no policy chain of calico on node-a, node-b; the walk through their rules delivers the packet',
        expect.stringMatching(/^policy: ingress of default\/web-\d isolated by default\/deny-web/),
        expect.stringMatching(/^likely cause: Calico may run its eBPF dataplane/),
        expect.stringMatching(/^likely cause: the engine's agent is not running or not yet programmed/),
        expect.stringMatching(/^likely cause: the policy does not select what you think/),
      ]),
    );
    // The old error that called it enforced "outside the dumps" is gone: one story, not two.
    expect(t.findings.map((x) => x.code)).not.toContain('policy-denied');
    expect(traceSchemaErrors(JSON.parse(renderTraces([t], 'json')))).toEqual([]);
  });

  it('policy: the same verdict (UNCERTAIN) and exit code, the same finding, and what the dumps do per flow', () => {
    const r = policy(s);
    expect(r.verdict).toBe('uncertain');
    expect(r.verdicts.map((v) => v.kind)).toEqual(['denied', 'denied', 'denied']);
    expect(r.dataplane?.flows.map((f) => f.outcome)).toEqual(['delivered', 'delivered', 'delivered']);
    const t = trace(s);
    expect(r.findings.find((f) => f.code === 'policy-dataplane-disagree')?.evidence?.slice(0, 1)).toEqual(t.findings.find((f) => f.code === 'policy-dataplane-disagree')?.evidence?.slice(0, 1));
  });

  it('the built CLI: both commands headline UNCERTAIN and exit 3', () => {
    ensureBuilt();
    const dir = mkdtempSync(path.join(tmpdir(), 'netx-agree-'));
    try {
      const file = path.join(dir, 'calico.snapshot.json');
      writeFileSync(file, JSON.stringify(s));
      const tr = runCli(['trace', 'client', 'svc/web:80', '--snapshot', file]);
      const po = runCli(['policy', 'client', 'svc/web:80', '--snapshot', file]);
      expect(tr.stdout.split('\n')[1]).toMatch(/^UNCERTAIN on 3 of 3 paths/);
      expect(po.stdout.split('\n')[1]).toMatch(/^UNCERTAIN on 3 of 3 flows/);
      expect([tr.status, po.status]).toEqual([3, 3]);
      for (const out of [tr.stdout, po.stdout]) expect(out).toMatch(/! the dataplane and NetworkPolicy disagree on 3 of 3 (path|flow)\(s\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('where the dumps stop the denied flow, they agree', () => {
  // The forward-drop lab: node-b drops client → web-1 in filter FORWARD (kernel-checked); a policy isolates web-1.
  const s = scenario('test/fixtures/lab/forward-drop.snapshot.json', [np('block-web-1', { podSelector: { matchLabels: { role: 'blocked' } }, policyTypes: ['Ingress'] })], [CALICO], (pods) => {
    const web1 = pods.find((p) => p.metadata?.name === 'web-1')!;
    (web1.metadata as { labels: Record<string, string> }).labels['role'] = 'blocked';
  });

  it('trace: web-1 dropped (the dataplane stops it), the others delivered; policy: DENIED with the dumps stopping it too', () => {
    const t = trace(s);
    expect(Object.fromEntries(t.branches.map((b) => [b.endpoint?.ip ?? b.final?.daddr, b.disposition]))).toEqual({ '10.244.0.11': 'delivered', '10.244.1.10': 'dropped', '10.244.1.11': 'delivered' });
    expect(t.findings.map((f) => f.code)).not.toContain('policy-dataplane-disagree');
    const r = policy(s, 'pod/web-1:8080');
    expect(r.verdict).toBe('denied');
    expect(r.dataplane?.flows.map((f) => f.outcome)).toEqual(['stopped']);
    expect(traceExit(trace(s, 'pod/web-1:8080'))).toBe(3);
  });
});

describe('without an enforcing engine nothing is contradicted', () => {
  it('flannel only: trace delivers (nothing enforces), policy reports the denial, no disagreement and no walk', () => {
    const s = scenario('examples/lab-flannel-iptables.snapshot.json', [DENY_WEB], []);
    const t = trace(s);
    expect(t.disposition).toBe('delivered');
    expect(t.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['policy-denied', 'policy-not-enforced']));
    const r = policy(s);
    expect(r.verdict).toBe('denied');
    expect(r.dataplane).toBeUndefined();
  });
});

it('the policy plan collects what the walk reads', () => {
  expect(policyPlan().nodes?.dumps).toEqual(TRACE_DUMPS);
});

