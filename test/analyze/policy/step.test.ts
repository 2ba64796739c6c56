/** The verdict as a trace step (the trace's Step shape): what `trace` shows for NetworkPolicy. */
import { describe, expect, it } from 'vitest';
import { detectEnforcement, evaluateFlow, policyStep, policyWorldOf } from '../../../src/analyze/policy/index.js';
import { flow, namespace, np, pod, podEnd } from './build.js';
import { labSnapshot } from './lab-snapshot.js';

const a = podEnd(pod({ ns: 'x', name: 'a', ip: '10.244.0.2', labels: { app: 'a' } }));
const b = podEnd(pod({ ns: 'x', name: 'b', ip: '10.244.0.3', labels: { app: 'b' } }));

describe('policyStep', () => {
  it('a deny: kind note, verdict deny, the isolating policy in the detail and the reason in the summary', () => {
    const v = evaluateFlow(policyWorldOf([np('x', 'deny', { podSelector: {} })], [namespace('x')]), flow(a, b, 80));
    const s = policyStep(v, detectEnforcement(labSnapshot()));
    expect(s).toMatchObject({ kind: 'note', verdict: 'deny', detail: { egress: 'unrestricted', ingress: 'denied', ingressPolicies: 'x/deny' } });
    expect(s.summary).toBe('NetworkPolicy: denied: ingress of x/b isolated by x/deny; no ingress rules (deny all) from x/a (10.244.0.2) on 80/TCP · not enforced: only flannel, no NetworkPolicy engine');
  });
  it('an allow names the rule', () => {
    const v = evaluateFlow(policyWorldOf([np('x', 'ok', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] })], [namespace('x')]), flow(a, b, 80));
    const s = policyStep(v);
    expect(s.verdict).toBe('allow');
    expect(s.summary).toContain('ingress of x/b allowed from x/a (10.244.0.2) on 80/TCP by x/ok ingress rule 0 (every peer (no from/to); 80/TCP)');
  });
});
