/** The NetworkPolicy verdict inside a trace: a step on each branch, findings joined with enforcement. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { traceRequest, type TraceRequest } from '../../../src/analyze/trace/index.js';
import { tracePlan } from '../../../src/analyze/trace/plan.js';
import { detectEnforcement } from '../../../src/analyze/policy/index.js';
import type { Trace } from '../../../src/sim/trace.js';
import { REPO_ROOT } from '../../support/corpus.js';

const load = (file: string): Snapshot => parseSnapshot(readFileSync(path.join(REPO_ROOT, file), 'utf8'), file);
const trace = (snap: Snapshot, req: Partial<TraceRequest> & { dst: string }) => traceRequest(snap, { src: 'client', namespace: 'default', ...req }, { buildNode: buildNodeModel }).traces;
const policySteps = (t: Trace) => t.branches.map((b) => b.hops.flatMap((h) => h.steps).filter((s) => s.summary.startsWith('NetworkPolicy')));

/** The lab snapshot plus NetworkPolicies (and optionally more objects), as `collect` would now hold them. */
function withPolicies(policies: unknown[], extra: Record<string, unknown[]> = {}): Snapshot {
  const s = load('examples/lab-flannel-iptables.snapshot.json');
  const objects = { ...s.cluster.objects, networkpolicies: policies, ...extra } as Snapshot['cluster']['objects'];
  return { ...s, cluster: { ...s.cluster, objects } };
}

const np = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'default', name }, spec });
const DENY_WEB = np('deny-web', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] });
const ALLOW_CLIENT = np('allow-client', {
  podSelector: { matchLabels: { app: 'web' } },
  ingress: [{ from: [{ podSelector: { matchLabels: { run: 'client' } } }, { podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 8080 }] }],
});
const CALICO = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { namespace: 'kube-system', name: 'calico-node' }, spec: { template: { spec: { containers: [{ name: 'calico-node', image: 'calico/node:v3.28' }] } } } };

describe('trace: the NetworkPolicy step', () => {
  it('the plan asks for policies and namespaces, optionally (old snapshots still trace)', () => {
    const opt = tracePlan().resources.filter((r) => r.optional).map((r) => r.resource);
    expect(opt).toEqual(expect.arrayContaining(['networkpolicies', 'namespaces']));
    const before = load('examples/lab-flannel-iptables.snapshot.json');
    delete before.cluster.objects.networkpolicies; // a capture from before netx collected them
    const old = trace(before, { dst: 'svc/web:80' })[0]!;
    expect(old.disposition).toBe('delivered');
    expect(policySteps(old).flat()).toEqual([]);
    expect(old.findings.map((f) => f.code)).toContain('policy-not-collected');
  });

  it('no policy: every branch says allowed, at the endpoint, before delivery', () => {
    const t = trace(withPolicies([]), { dst: 'svc/web:80' })[0]!;
    expect(t.branches).toHaveLength(3);
    for (const b of t.branches) {
      const steps = b.hops[b.hops.length - 1]!.steps;
      const i = steps.findIndex((s) => s.summary.startsWith('NetworkPolicy'));
      expect(steps[i]!.verdict).toBe('allow');
      expect(steps[i]!.detail).toMatchObject({ egress: 'unrestricted', ingress: 'unrestricted' });
      expect(steps.findIndex((s) => s.kind === 'deliver')).toBeGreaterThan(i);
    }
    expect(t.findings.map((f) => f.code)).not.toContain('policy-denied');
  });

  it('a deny on flannel: the step denies, the path is still delivered, and the finding says nothing enforces it', () => {
    const t = trace(withPolicies([DENY_WEB]), { dst: 'svc/web:80' })[0]!;
    expect(t.disposition).toBe('delivered');
    expect(policySteps(t).map((s) => s.map((x) => x.verdict))).toEqual([['deny'], ['deny'], ['deny']]);
    expect(policySteps(t)[0]![0]!.detail?.ingressPolicies).toBe('default/deny-web');
    const denied = t.findings.find((f) => f.code === 'policy-denied')!;
    expect(denied.severity).toBe('warning');
    expect(denied.message).toMatch(/default\/deny-web on 3 of 3 path\(s\)/);
    expect(t.findings.map((f) => f.code)).toContain('policy-not-enforced');
  });

  it('the verdict is judged at the post-DNAT port: a rule for 8080 allows svc port 80', () => {
    const client = withPolicies([ALLOW_CLIENT]);
    const labels = (client.cluster.objects.pods as { metadata: { name: string; labels?: Record<string, string> } }[]).find((p) => p.metadata.name === 'client')!.metadata.labels ?? {};
    expect(Object.keys(labels).length).toBeGreaterThan(0);
    const t = trace(client, { dst: 'svc/web:80' })[0]!;
    expect(policySteps(t).flat().map((s) => s.verdict)).toEqual(['allow', 'allow', 'allow']);
    const udp = trace(client, { dst: 'svc/web:53' })[0]!;
    expect(policySteps(udp).flat().map((s) => s.verdict)).toEqual(['deny', 'deny', 'deny']);
  });

  it('an enforcing engine the dumps contradict: the path is uncertain, and one finding says both sides disagree', () => {
    const t = trace(withPolicies([DENY_WEB], { daemonsets: [CALICO] }), { dst: 'pod/web-1:8080' })[0]!;
    expect(t.disposition).toBe('uncertain');
    expect(t.findings.map((f) => f.code)).not.toContain('policy-denied');
    expect(t.findings.find((f) => f.code === 'policy-dataplane-disagree')?.message).toMatch(/the node dumps deliver .* but NetworkPolicy default\/deny-web denies it \(enforced by calico\)/);
  });

  it('lab: policy rendered as a FORWARD DROP (forward-drop scenario) — the dataplane drops web-1, the step and finding agree', () => {
    const s = load('test/fixtures/lab/forward-drop.snapshot.json');
    const objects = structuredClone(s.cluster.objects) as unknown as Record<string, { metadata: { name: string; labels?: Record<string, string> } }[]>;
    objects.pods!.find((p) => p.metadata.name === 'web-1')!.metadata.labels!['role'] = 'blocked';
    objects['networkpolicies'] = [np('block-web-1', { podSelector: { matchLabels: { role: 'blocked' } }, policyTypes: ['Ingress'] })] as never;
    const snap = { ...s, cluster: { ...s.cluster, objects: objects as unknown as Snapshot['cluster']['objects'] } };
    const t = trace(snap, { dst: 'svc/web:80' })[0]!;
    const byEndpoint = Object.fromEntries(t.branches.map((b) => [b.endpoint?.ip ?? b.final?.daddr, `${b.disposition} ${b.hops.flatMap((h) => h.steps).find((x) => x.summary.startsWith('NetworkPolicy'))?.verdict}`]));
    expect(byEndpoint).toEqual({ '10.244.0.11': 'delivered allow', '10.244.1.10': 'dropped deny', '10.244.1.11': 'delivered allow' });
    const denied = t.findings.find((f) => f.code === 'policy-denied')!;
    expect(denied.severity).toBe('info');
    expect(denied.message).toMatch(/block-web-1.*the dataplane stops it too/);
    expect(t.findings.map((f) => f.code)).not.toContain('policy-not-enforced');
  });

  it('enforcement judged from the trace’s parsed node models equals the one from the dumps (no second parse)', () => {
    for (const file of ['examples/lab-flannel-iptables.snapshot.json', 'examples/lab-hostgw-nftables.snapshot.json', 'test/fixtures/lab/forward-drop.snapshot.json']) {
      const s = load(file);
      const models = new Map(Object.entries(s.nodes).map(([n, c]) => [n, buildNodeModel(n, c).ruleset]));
      const fromModels = detectEnforcement(s, models);
      expect(fromModels).toEqual(detectEnforcement(s));
      expect(fromModels.evidence.length).toBeGreaterThan(0);
    }
  });
});
