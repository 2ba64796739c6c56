/**
 * Properties the docs state, over random policy sets (fast-check): "network policies are additive …
 * the order of evaluation does not affect the policy result"; a policy that selects a pod with no
 * rules isolates it; an allow-all rule for the direction allows; a connection needs both sides.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateFlow } from '../../../src/analyze/policy/evaluate.js';
import { policyWorldOf } from '../../../src/analyze/policy/world.js';
import { flow, namespace, np, pod, podEnd } from './build.js';

const NS = [namespace('a', { team: 'x' }), namespace('b', { team: 'y' })];
const POD_POOL = [
  pod({ ns: 'a', name: 'p1', ip: '10.244.0.1', labels: { app: 'web' }, ports: [{ name: 'http', containerPort: 80 }] }),
  pod({ ns: 'a', name: 'p2', ip: '10.244.0.2', labels: { app: 'db' }, ports: [{ name: 'http', containerPort: 8080 }] }),
  pod({ ns: 'b', name: 'p3', ip: '10.244.1.3', labels: { app: 'web' } }),
];
const selector = fc.constantFrom({}, { matchLabels: { app: 'web' } }, { matchLabels: { app: 'db' } }, { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] });
const peer = fc.oneof(
  selector.map((s) => ({ podSelector: s })),
  fc.constantFrom({ matchLabels: { team: 'x' } }, {}, { matchLabels: { team: 'y' } }).map((n) => ({ namespaceSelector: n })),
  fc.tuple(selector, fc.constantFrom({ matchLabels: { team: 'x' } }, {})).map(([p, n]) => ({ podSelector: p, namespaceSelector: n })),
  fc.constantFrom({ ipBlock: { cidr: '10.244.1.0/24' } }, { ipBlock: { cidr: '192.0.2.0/24' } }),
);
const ports = fc.option(fc.constantFrom([{ port: 80 }], [{ port: 'http' }], [{ port: 70, endPort: 90 }], [{ protocol: 'UDP' }]), { nil: undefined });
const rule = fc.record({ peers: fc.option(fc.array(peer, { maxLength: 3 }), { nil: undefined }), ports });
const policySpec = fc.record({
  ns: fc.constantFrom('a', 'b'),
  podSelector: selector,
  types: fc.constantFrom(undefined, ['Ingress'], ['Egress'], ['Ingress', 'Egress']),
  ingress: fc.option(fc.array(rule, { maxLength: 2 }), { nil: undefined }),
  egress: fc.option(fc.array(rule, { maxLength: 2 }), { nil: undefined }),
});
type Spec = typeof policySpec extends fc.Arbitrary<infer T> ? T : never;
const toPolicy = (s: Spec, i: number) =>
  np(s.ns, `p${i}`, {
    podSelector: s.podSelector,
    ...(s.types ? { policyTypes: s.types } : {}),
    ...(s.ingress ? { ingress: s.ingress.map((r) => ({ ...(r.peers ? { from: r.peers } : {}), ...(r.ports ? { ports: r.ports } : {}) })) } : {}),
    ...(s.egress ? { egress: s.egress.map((r) => ({ ...(r.peers ? { to: r.peers } : {}), ...(r.ports ? { ports: r.ports } : {}) })) } : {}),
  });
const pair = fc.tuple(fc.constantFrom(0, 1, 2), fc.constantFrom(0, 1, 2)).filter(([a, b]) => a !== b);

describe('properties (docs)', () => {
  it('the order of policies never changes the verdict, nor which rules allow', () => {
    fc.assert(
      fc.property(fc.array(policySpec, { maxLength: 5 }), pair, fc.constantFrom(80, 8080), (specs, [s, d], port) => {
        const policies = specs.map(toPolicy);
        const f = flow(podEnd(POD_POOL[s]!), podEnd(POD_POOL[d]!), port);
        const v1 = evaluateFlow(policyWorldOf(policies, NS), f);
        const v2 = evaluateFlow(policyWorldOf([...policies].reverse(), NS), f);
        expect(v2.kind).toBe(v1.kind);
        const key = (rs: { policy: string; rule: number }[]) => rs.map((r) => `${r.policy}#${r.rule}`).sort();
        expect(key(v2.ingress.allowedBy)).toEqual(key(v1.ingress.allowedBy));
        expect(key(v2.egress.allowedBy)).toEqual(key(v1.egress.allowedBy));
      }),
      { numRuns: 300 },
    );
  });
  it('adding a policy never turns an allowed side into denied unless it newly isolates the pod', () => {
    fc.assert(
      fc.property(fc.array(policySpec, { maxLength: 4 }), policySpec, pair, (specs, extra, [s, d]) => {
        const before = specs.map(toPolicy);
        const f = flow(podEnd(POD_POOL[s]!), podEnd(POD_POOL[d]!), 80);
        const v1 = evaluateFlow(policyWorldOf(before, NS), f);
        const v2 = evaluateFlow(policyWorldOf([...before, toPolicy(extra, 99)], NS), f);
        for (const side of ['egress', 'ingress'] as const) {
          if (v1[side].kind === 'allowed') expect(v2[side].kind).toBe('allowed');
        }
      }),
      { numRuns: 300 },
    );
  });
  it('an allow-all rule for the direction allows; a rule-less selecting policy on a non-isolated pod denies', () => {
    fc.assert(
      fc.property(fc.array(policySpec, { maxLength: 4 }), pair, (specs, [s, d]) => {
        const dst = POD_POOL[d]!;
        const ns = dst.metadata!.namespace!;
        const f = flow(podEnd(POD_POOL[s]!), podEnd(dst), 80);
        const base = specs.map(toPolicy);
        const allowAll = np(ns, 'allow-all', { podSelector: {}, ingress: [{}] });
        expect(evaluateFlow(policyWorldOf([...base, allowAll], NS), f).ingress.kind).toBe('allowed');
        const v = evaluateFlow(policyWorldOf(base, NS), f);
        if (v.ingress.kind === 'unrestricted') {
          expect(evaluateFlow(policyWorldOf([...base, np(ns, 'deny', { podSelector: {} })], NS), f).ingress.kind).toBe('denied');
        }
        // A connection needs both sides: the overall verdict is never better than either side.
        const rank = { unrestricted: 0, allowed: 0, uncertain: 1, denied: 2 } as const;
        const worst = Math.max(rank[v.egress.kind], rank[v.ingress.kind]);
        expect(v.kind).toBe(worst === 2 ? 'denied' : worst === 1 ? 'uncertain' : 'allowed');
      }),
      { numRuns: 300 },
    );
  });
});
