/**
 * Egress truth table from the docs: the same peer shapes as `to` of a policy selecting the SOURCE pod
 * (prod/client). Destinations are pods (each with containerPort "redis") and external addresses.
 * Named ports resolve on the destination pod, so a named port never admits an external address.
 * 14 shapes × 8 destinations × 8 port lists = 896 cases.
 */
import { describe, expect, it } from 'vitest';
import { evaluateFlow } from '../../../src/analyze/policy/evaluate.js';
import { policyWorldOf } from '../../../src/analyze/policy/world.js';
import { flow, ipEnd, namespace, np, pod, podEnd } from './build.js';
import type { FlowEnd } from '../../../src/analyze/policy/types.js';

const NAMESPACES = [namespace('prod'), namespace('team-a', { project: 'myproject' }), namespace('team-b')];
const client = podEnd(pod({ ns: 'prod', name: 'client', ip: '10.244.0.4', labels: { app: 'client' } }));
const redis = [{ name: 'redis', containerPort: 6379 }];

const DESTS: Record<string, FlowEnd> = {
  'prod frontend': podEnd(pod({ ns: 'prod', name: 'fe', ip: '10.244.1.5', labels: { role: 'frontend' }, ports: redis })),
  'prod batch': podEnd(pod({ ns: 'prod', name: 'batch', ip: '10.244.1.6', labels: { role: 'batch' }, ports: redis })),
  'team-a frontend': podEnd(pod({ ns: 'team-a', name: 'fe', ip: '10.244.1.7', labels: { role: 'frontend' }, ports: redis })),
  'team-b frontend': podEnd(pod({ ns: 'team-b', name: 'fe', ip: '10.244.1.8', labels: { role: 'frontend' }, ports: redis })),
  'team-a batch': podEnd(pod({ ns: 'team-a', name: 'batch', ip: '10.244.1.9', labels: { role: 'batch' }, ports: redis })),
  'external 10.0.0.9 (in block)': ipEnd('10.0.0.9'),
  'external 10.0.5.9 (in except)': ipEnd('10.0.5.9'),
  'external 1.1.1.1 (outside)': ipEnd('1.1.1.1'),
};
const D = Object.keys(DESTS);
const EXTERNAL = new Set(D.slice(5));

const sel = { matchLabels: { app: 'client' } };
const rule = (to: unknown[] | undefined, ports: unknown[] | undefined) => ({ podSelector: sel, policyTypes: ['Egress'], egress: [{ ...(to ? { to } : {}), ...(ports ? { ports } : {}) }] });

/** `admits`: one letter per destination column (A admitted by the peers, D not). */
const SHAPES: Record<string, { spec: (ports: unknown[] | undefined) => Record<string, unknown>; admits: string; ruleless?: boolean }> = {
  'no policy (non-isolated egress)': { spec: () => ({}), admits: 'AAAAAAAA', ruleless: true },
  'default deny egress (policyTypes [Egress], no rules)': { spec: () => ({ podSelector: {}, policyTypes: ['Egress'] }), admits: 'DDDDDDDD', ruleless: true },
  'policyTypes [Ingress] only: egress not isolated': { spec: () => ({ podSelector: sel, policyTypes: ['Ingress'] }), admits: 'AAAAAAAA', ruleless: true },
  'no policyTypes, ingress only: defaults to [Ingress]': { spec: () => ({ podSelector: sel, ingress: [] }), admits: 'AAAAAAAA', ruleless: true },
  'allow all egress (egress: [{}])': { spec: (ports) => rule(undefined, ports), admits: 'AAAAAAAA' },
  'no policyTypes, egress rules present: defaults to Egress too': { spec: (ports) => ({ podSelector: sel, egress: [{ to: [{ podSelector: { matchLabels: { role: 'frontend' } } }], ...(ports ? { ports } : {}) }] }), admits: 'ADDDDDDD' },
  'to podSelector role=frontend': { spec: (ports) => rule([{ podSelector: { matchLabels: { role: 'frontend' } } }], ports), admits: 'ADDDDDDD' },
  'to namespaceSelector project=myproject': { spec: (ports) => rule([{ namespaceSelector: { matchLabels: { project: 'myproject' } } }], ports), admits: 'DDADADDD' },
  'to ns project=myproject AND pod role=frontend (one peer)': { spec: (ports) => rule([{ namespaceSelector: { matchLabels: { project: 'myproject' } }, podSelector: { matchLabels: { role: 'frontend' } } }], ports), admits: 'DDADDDDD' },
  'to ns project=myproject OR pod role=frontend (two peers)': { spec: (ports) => rule([{ namespaceSelector: { matchLabels: { project: 'myproject' } } }, { podSelector: { matchLabels: { role: 'frontend' } } }], ports), admits: 'ADADADDD' },
  'to namespaceSelector {}': { spec: (ports) => rule([{ namespaceSelector: {} }], ports), admits: 'AAAAADDD' },
  'to ipBlock 10.0.0.0/16 except 10.0.5.0/24': { spec: (ports) => rule([{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.5.0/24'] } }], ports), admits: 'DDDDDADD' },
  'to podSelector role Exists': { spec: (ports) => rule([{ podSelector: { matchExpressions: [{ key: 'role', operator: 'Exists' }] } }], ports), admits: 'AADDDDDD' },
  'to namespaceSelector project DoesNotExist': { spec: (ports) => rule([{ namespaceSelector: { matchExpressions: [{ key: 'project', operator: 'DoesNotExist' }] } }], ports), admits: 'AADADDDD' },
};

/** Port lists for a flow to 6379/TCP; `named` entries only resolve on pods. */
const PORTS: { name: string; ports: unknown[] | undefined; admits: boolean; named?: boolean }[] = [
  { name: 'no ports', ports: undefined, admits: true },
  { name: 'port 6379', ports: [{ port: 6379, protocol: 'TCP' }], admits: true },
  { name: 'port 53/UDP', ports: [{ port: 53, protocol: 'UDP' }], admits: false },
  { name: 'named port redis', ports: [{ port: 'redis' }], admits: true, named: true },
  { name: 'named port metrics (absent)', ports: [{ port: 'metrics' }], admits: false, named: true },
  { name: 'port 6300 endPort 6400', ports: [{ port: 6300, endPort: 6400 }], admits: true },
  { name: 'port 6379 endPort 6379', ports: [{ port: 6379, endPort: 6379 }], admits: true },
  { name: 'SCTP any port', ports: [{ protocol: 'SCTP' }], admits: false },
];

const cases = Object.entries(SHAPES).flatMap(([shape, s]) =>
  PORTS.flatMap((p) =>
    D.map((dst, i) => {
      const portOk = s.ruleless || (p.admits && !(p.named && EXTERNAL.has(dst)));
      return { name: `${shape} × ${p.name} × ${dst}`, shape, spec: s.spec(p.ports), dst: DESTS[dst]!, expected: s.admits[i] === 'A' && portOk ? 'allowed' : 'denied' };
    }),
  ),
);

describe('egress truth table (docs semantics)', () => {
  it('has the full cross product', () => expect(cases.length).toBe(14 * 8 * 8));
  it.each(cases)('$name → $expected', ({ shape, spec, dst, expected }) => {
    const policies = shape.startsWith('no policy (') ? [] : [np('prod', 'p', spec)];
    const v = evaluateFlow(policyWorldOf(policies, NAMESPACES), flow(client, dst, 6379));
    expect(v.kind).toBe(expected);
    expect(v.egress.kind === 'denied' ? 'denied' : 'allowed').toBe(expected);
    // No policy selects the destination pods: their ingress is never the reason.
    expect(v.ingress.kind).toBe('unrestricted');
  });
});
