/**
 * Ingress truth table, written from the Kubernetes documentation (concepts/services-networking/
 * network-policies and the NetworkPolicy v1 API reference), NOT from the evaluator: 16 policy shapes ×
 * 8 sources × 10 port lists = 1,280 cases. Expected = (shape admits source) AND (ports admit 6379/TCP),
 * because the docs say "traffic must match both ports and from"; shapes without rules ignore ports.
 */
import { describe, expect, it } from 'vitest';
import { evaluateFlow } from '../../../src/analyze/policy/evaluate.js';
import { policyWorldOf } from '../../../src/analyze/policy/world.js';
import { flow, ipEnd, namespace, np, pod, podEnd } from './build.js';
import type { FlowEnd } from '../../../src/analyze/policy/types.js';

const NAMESPACES = [namespace('prod', { env: 'prod' }), namespace('team-a', { project: 'myproject' }), namespace('team-b')];
const db = pod({ ns: 'prod', name: 'db-0', ip: '10.244.1.10', labels: { role: 'db' }, ports: [{ name: 'redis', containerPort: 6379 }] });

/** Sources, each a column of the table. */
const SOURCES: Record<string, FlowEnd> = {
  'prod frontend': podEnd(pod({ ns: 'prod', name: 'fe', ip: '10.244.0.5', labels: { role: 'frontend' } })),
  'prod batch': podEnd(pod({ ns: 'prod', name: 'batch', ip: '10.244.0.6', labels: { role: 'batch' } })),
  'team-a (project=myproject) frontend': podEnd(pod({ ns: 'team-a', name: 'fe', ip: '10.244.0.7', labels: { role: 'frontend' } })),
  'team-b (no labels) frontend': podEnd(pod({ ns: 'team-b', name: 'fe', ip: '10.244.0.8', labels: { role: 'frontend' } })),
  'team-a batch': podEnd(pod({ ns: 'team-a', name: 'batch', ip: '10.244.0.9', labels: { role: 'batch' } })),
  'external 172.17.0.9 (in block)': ipEnd('172.17.0.9'),
  'external 172.17.1.9 (in except)': ipEnd('172.17.1.9'),
  'external 8.8.8.8 (outside)': ipEnd('8.8.8.8'),
};
const S = Object.keys(SOURCES);

const dbSel = { matchLabels: { role: 'db' } };
type Shape = { doc: string; spec: (ports: unknown[] | undefined) => Record<string, unknown>; admits: string };
/**
 * Policy shapes (rows). `admits` has one letter per source column above: A = the docs say the peers
 * admit it, D = they do not, M = the docs leave it open (ipBlock on a pod IP).
 */
const SHAPES: Record<string, Shape> = {
  'no policy': { doc: 'a pod selected by no policy is non-isolated for ingress', spec: () => ({}), admits: 'AAAAAAAA' },
  'default deny ingress': { doc: 'podSelector {} + policyTypes [Ingress], no rules: isolates every pod of the namespace', spec: () => ({ podSelector: {}, policyTypes: ['Ingress'] }), admits: 'DDDDDDDD' },
  'allow all ingress': { doc: 'ingress: [{}] — a rule with no from matches all sources', spec: (ports) => ({ podSelector: dbSel, ingress: [ports ? { ports } : {}] }), admits: 'AAAAAAAA' },
  'from podSelector role=frontend': { doc: 'podSelector alone selects pods in the policy namespace', spec: (ports) => rule([{ podSelector: { matchLabels: { role: 'frontend' } } }], ports), admits: 'ADDDDDDD' },
  'from namespaceSelector project=myproject': { doc: 'namespaceSelector alone selects all pods of matching namespaces', spec: (ports) => rule([{ namespaceSelector: { matchLabels: { project: 'myproject' } } }], ports), admits: 'DDADADDD' },
  'from ns project=myproject AND pod role=frontend (one peer)': {
    doc: 'one from element with both selectors: pods matching podSelector within namespaces matching namespaceSelector',
    spec: (ports) => rule([{ namespaceSelector: { matchLabels: { project: 'myproject' } }, podSelector: { matchLabels: { role: 'frontend' } } }], ports),
    admits: 'DDADDDDD',
  },
  'from ns project=myproject OR pod role=frontend (two peers)': {
    doc: 'two from elements are OR-ed: namespaces matching OR local pods matching',
    spec: (ports) => rule([{ namespaceSelector: { matchLabels: { project: 'myproject' } } }, { podSelector: { matchLabels: { role: 'frontend' } } }], ports),
    admits: 'ADADADDD',
  },
  'from namespaceSelector {}': { doc: 'an empty namespaceSelector selects all namespaces (all pods)', spec: (ports) => rule([{ namespaceSelector: {} }], ports), admits: 'AAAAADDD' },
  'from namespaceSelector {} AND podSelector role=frontend': { doc: 'pods labelled role=frontend in every namespace', spec: (ports) => rule([{ namespaceSelector: {}, podSelector: { matchLabels: { role: 'frontend' } } }], ports), admits: 'ADAADDDD' },
  'from ipBlock 172.17.0.0/16 except 172.17.1.0/24': { doc: 'ipBlock with except: in cidr and not in except', spec: (ports) => rule([{ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }], ports), admits: 'DDDDDADD' },
  'from podSelector {}': { doc: 'an empty podSelector (alone) selects all pods in the policy namespace', spec: (ports) => rule([{ podSelector: {} }], ports), admits: 'AADDDDDD' },
  'from podSelector role In (frontend,web)': { doc: 'matchExpressions In', spec: (ports) => rule([{ podSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['frontend', 'web'] }] } }], ports), admits: 'ADDDDDDD' },
  'from namespaceSelector kubernetes.io/metadata.name=team-a': { doc: 'the immutable kubernetes.io/metadata.name namespace label', spec: (ports) => rule([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } } }], ports), admits: 'DDADADDD' },
  'from podSelector role NotIn (frontend)': { doc: 'matchExpressions NotIn (local pods only)', spec: (ports) => rule([{ podSelector: { matchExpressions: [{ key: 'role', operator: 'NotIn', values: ['frontend'] }] } }], ports), admits: 'DADDDDDD' },
  'policyTypes [Egress] only': { doc: 'a policy whose policyTypes lack Ingress does not isolate ingress', spec: () => ({ podSelector: dbSel, policyTypes: ['Egress'] }), admits: 'AAAAAAAA' },
  'from ipBlock 10.244.0.0/16 except 10.244.0.8/32 (covers pod IPs)': {
    doc: 'ipBlock should hold cluster-external IPs; matching pod IPs is left open: M = maybe (uncertain)',
    spec: (ports) => rule([{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.0.8/32'] } }], ports),
    admits: 'MMMDMDDD',
  },
  'ingress rule with from: []': { doc: 'an empty from list matches all sources', spec: (ports) => ({ podSelector: dbSel, ingress: [{ from: [], ...(ports ? { ports } : {}) }] }), admits: 'AAAAAAAA' },
};

function rule(from: unknown[], ports: unknown[] | undefined): Record<string, unknown> {
  return { podSelector: dbSel, policyTypes: ['Ingress'], ingress: [{ from, ...(ports ? { ports } : {}) }] };
}

/** Shapes with no ingress rules: the ports column does not apply. */
const RULELESS = new Set(['no policy', 'default deny ingress', 'policyTypes [Egress] only']);

/** Port lists (flow: 6379/TCP to db-0, whose containerPort "redis" is 6379/TCP). */
const PORTS: { name: string; ports: unknown[] | undefined; admits: boolean }[] = [
  { name: 'no ports (all)', ports: undefined, admits: true },
  { name: 'port 6379 (protocol defaults to TCP)', ports: [{ port: 6379 }], admits: true },
  { name: 'port 6380', ports: [{ port: 6380 }], admits: false },
  { name: 'UDP 6379 (protocol mismatch)', ports: [{ protocol: 'UDP', port: 6379 }], admits: false },
  { name: 'named port redis (= 6379 on db-0)', ports: [{ port: 'redis' }], admits: true },
  { name: 'port 6000 endPort 7000', ports: [{ port: 6000, endPort: 7000 }], admits: true },
  { name: 'port 6380 endPort 7000', ports: [{ port: 6380, endPort: 7000 }], admits: false },
  { name: 'TCP without port (every TCP port)', ports: [{ protocol: 'TCP' }], admits: true },
  { name: 'ports 80 or 6379', ports: [{ port: 80 }, { port: 6379 }], admits: true },
  { name: 'named port redis over UDP (redis is TCP)', ports: [{ protocol: 'UDP', port: 'redis' }], admits: false },
];

const cases = Object.entries(SHAPES).flatMap(([shape, s]) =>
  PORTS.flatMap((p) =>
    S.map((src, i) => ({
      name: `${shape} [${s.doc}] × ${p.name} × ${src}`,
      shape,
      spec: s.spec(p.ports),
      src: SOURCES[src]!,
      expected: !(RULELESS.has(shape) || p.admits) || s.admits[i] === 'D' ? 'denied' : s.admits[i] === 'M' ? 'uncertain' : 'allowed',
    })),
  ),
);

describe('ingress truth table (docs semantics)', () => {
  it('has the full cross product', () => expect(cases.length).toBe(17 * 10 * 8));
  it.each(cases)('$name → $expected', ({ shape, spec, src, expected }) => {
    const policies = shape === 'no policy' ? [] : [np('prod', 'p', spec)];
    const v = evaluateFlow(policyWorldOf(policies, NAMESPACES), flow(src, podEnd(db), 6379));
    expect(v.kind).toBe(expected);
    expect(v.ingress.kind).toBe(expected !== 'allowed' ? expected : RULELESS.has(shape) ? 'unrestricted' : 'allowed');
    expect(v.egress.kind).toBe('unrestricted');
    if (expected !== 'allowed') expect(v.ingress.selectedBy).toEqual(['prod/p']);
    if (expected === 'uncertain') expect(v.ingress.uncertainBy).toEqual([expect.objectContaining({ policy: 'prod/p', rule: 0, peer: 0 })]);
    if (v.ingress.kind === 'allowed') expect(v.ingress.allowedBy[0]).toMatchObject({ policy: 'prod/p', direction: 'ingress', rule: 0 });
  });
});
