/**
 * policyTypes defaulting, from the API reference: "If this field is not specified, it will default
 * based on the existence of ingress or egress rules; policies that contain an egress section are
 * assumed to affect egress, and all policies (whether or not they contain an ingress section) are
 * assumed to affect ingress." Every combination of policyTypes × ingress × egress, written out by hand:
 * IN = the selected pod's ingress side, OUT = its egress side; U not isolated, A allowed, D denied.
 */
import { describe, expect, it } from 'vitest';
import { evaluateFlow } from '../../../src/analyze/policy/evaluate.js';
import { policyWorldOf } from '../../../src/analyze/policy/world.js';
import { flow, namespace, np, pod, podEnd } from './build.js';

const RULES = { absent: undefined, '[]': [], '[{}]': [{}] } as const;
type R = keyof typeof RULES;
const TYPES = { absent: undefined, '[Ingress]': ['Ingress'], '[Egress]': ['Egress'], '[Ingress,Egress]': ['Ingress', 'Egress'] } as const;
type T = keyof typeof TYPES;

// prettier-ignore
const TABLE: [T, R, R, string, string][] = [
  ['absent', 'absent', 'absent', 'D', 'U'],
  ['absent', 'absent', '[]', 'D', 'U'], // an empty egress list is no egress section
  ['absent', 'absent', '[{}]', 'D', 'A'],
  ['absent', '[]', 'absent', 'D', 'U'],
  ['absent', '[]', '[]', 'D', 'U'],
  ['absent', '[]', '[{}]', 'D', 'A'],
  ['absent', '[{}]', 'absent', 'A', 'U'],
  ['absent', '[{}]', '[]', 'A', 'U'],
  ['absent', '[{}]', '[{}]', 'A', 'A'],
  ['[Ingress]', 'absent', 'absent', 'D', 'U'],
  ['[Ingress]', 'absent', '[]', 'D', 'U'],
  ['[Ingress]', 'absent', '[{}]', 'D', 'U'], // egress rules are ignored when Egress is not listed
  ['[Ingress]', '[]', 'absent', 'D', 'U'],
  ['[Ingress]', '[]', '[]', 'D', 'U'],
  ['[Ingress]', '[]', '[{}]', 'D', 'U'],
  ['[Ingress]', '[{}]', 'absent', 'A', 'U'],
  ['[Ingress]', '[{}]', '[]', 'A', 'U'],
  ['[Ingress]', '[{}]', '[{}]', 'A', 'U'],
  ['[Egress]', 'absent', 'absent', 'U', 'D'], // default deny egress
  ['[Egress]', 'absent', '[]', 'U', 'D'],
  ['[Egress]', 'absent', '[{}]', 'U', 'A'],
  ['[Egress]', '[]', 'absent', 'U', 'D'],
  ['[Egress]', '[]', '[]', 'U', 'D'],
  ['[Egress]', '[]', '[{}]', 'U', 'A'],
  ['[Egress]', '[{}]', 'absent', 'U', 'D'], // ingress rules are ignored when Ingress is not listed
  ['[Egress]', '[{}]', '[]', 'U', 'D'],
  ['[Egress]', '[{}]', '[{}]', 'U', 'A'],
  ['[Ingress,Egress]', 'absent', 'absent', 'D', 'D'], // default deny all
  ['[Ingress,Egress]', 'absent', '[]', 'D', 'D'],
  ['[Ingress,Egress]', 'absent', '[{}]', 'D', 'A'],
  ['[Ingress,Egress]', '[]', 'absent', 'D', 'D'],
  ['[Ingress,Egress]', '[]', '[]', 'D', 'D'],
  ['[Ingress,Egress]', '[]', '[{}]', 'D', 'A'],
  ['[Ingress,Egress]', '[{}]', 'absent', 'A', 'D'],
  ['[Ingress,Egress]', '[{}]', '[]', 'A', 'D'],
  ['[Ingress,Egress]', '[{}]', '[{}]', 'A', 'A'],
];

const KIND = { U: 'unrestricted', A: 'allowed', D: 'denied' } as const;
const me = podEnd(pod({ ns: 'app', name: 'me', ip: '10.244.0.2', labels: { me: 'yes' } }));
const peer = podEnd(pod({ ns: 'app', name: 'peer', ip: '10.244.0.3' }));

describe('policyTypes × ingress × egress (API reference defaulting)', () => {
  it('covers every combination once', () => expect(new Set(TABLE.map((r) => r.slice(0, 3).join())).size).toBe(4 * 3 * 3));
  it.each(TABLE.map(([t, i, e, IN, OUT]) => ({ name: `policyTypes ${t}, ingress ${i}, egress ${e}`, t, i, e, IN, OUT })))('$name → ingress $IN, egress $OUT', ({ t, i, e, IN, OUT }) => {
    const spec: Record<string, unknown> = { podSelector: { matchLabels: { me: 'yes' } } };
    if (TYPES[t]) spec['policyTypes'] = TYPES[t];
    if (RULES[i]) spec['ingress'] = RULES[i];
    if (RULES[e]) spec['egress'] = RULES[e];
    const world = policyWorldOf([np('app', 'p', spec)], [namespace('app')]);
    expect(evaluateFlow(world, flow(peer, me, 80)).ingress.kind).toBe(KIND[IN as keyof typeof KIND]);
    expect(evaluateFlow(world, flow(me, peer, 80)).egress.kind).toBe(KIND[OUT as keyof typeof KIND]);
  });
});
