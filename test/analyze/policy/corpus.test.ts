/**
 * Real objects: the docs' test-network-policy (kubernetes/website) and kube-router's NetworkPolicy
 * list with its pods list (testdata/ipset_test_1), read in place from the shared corpus.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { evaluateFlow } from '../../../src/analyze/policy/evaluate.js';
import { policyWorldOf } from '../../../src/analyze/policy/world.js';
import type { V1NetworkPolicy, V1Pod } from '../../../src/model/k8s.js';
import type { FlowEnd } from '../../../src/analyze/policy/types.js';
import { readCorpus } from '../../support/corpus.js';
import { flow, ipEnd, namespace, pod, podEnd } from './build.js';

describe('docs example test-network-policy (default/role=db)', () => {
  const policy = parse(readCorpus('k8s-objects', 'networkpolicy-k8s-docs-test-network-policy.yaml')) as V1NetworkPolicy;
  const world = policyWorldOf([policy], [namespace('default'), namespace('myproject', { project: 'myproject' }), namespace('other')]);
  const db = podEnd(pod({ ns: 'default', name: 'db', ip: '10.244.1.2', labels: { role: 'db' } }));
  const fe = podEnd(pod({ ns: 'default', name: 'fe', ip: '10.244.1.3', labels: { role: 'frontend' } }));
  const mp = podEnd(pod({ ns: 'myproject', name: 'any', ip: '10.244.1.4' }));
  const otherFe = podEnd(pod({ ns: 'other', name: 'fe', ip: '10.244.1.5', labels: { role: 'frontend' } }));
  it.each<{ name: string; src: FlowEnd; dst: FlowEnd; port: number; proto?: 'tcp' | 'udp'; want: string; side?: 'egress' | 'ingress' }>([
    { name: 'frontend pod in default → db 6379: podSelector peer', src: fe, dst: db, port: 6379, want: 'allowed' },
    { name: 'frontend → db 6380: port not listed', src: fe, dst: db, port: 6380, want: 'denied', side: 'ingress' },
    { name: 'frontend → db 6379/UDP: protocol is TCP', src: fe, dst: db, port: 6379, proto: 'udp', want: 'denied' },
    { name: 'any pod in a project=myproject namespace → db: namespaceSelector peer', src: mp, dst: db, port: 6379, want: 'allowed' },
    { name: 'role=frontend in another namespace: podSelector is namespace-local', src: otherFe, dst: db, port: 6379, want: 'denied' },
    { name: '172.17.0.5 → db: in ipBlock 172.17.0.0/16', src: ipEnd('172.17.0.5'), dst: db, port: 6379, want: 'allowed' },
    { name: '172.17.1.5 → db: in except 172.17.1.0/24', src: ipEnd('172.17.1.5'), dst: db, port: 6379, want: 'denied' },
    { name: 'db → 10.0.0.5:5978: egress ipBlock 10.0.0.0/24', src: db, dst: ipEnd('10.0.0.5'), port: 5978, want: 'allowed' },
    { name: 'db → 10.0.0.5:5979: egress port not listed', src: db, dst: ipEnd('10.0.0.5'), port: 5979, want: 'denied', side: 'egress' },
    { name: 'db → 10.0.1.5:5978: outside the egress block', src: db, dst: ipEnd('10.0.1.5'), port: 5978, want: 'denied', side: 'egress' },
    { name: 'db → frontend pod: egress isolated, no pod peer', src: db, dst: fe, port: 5978, want: 'denied', side: 'egress' },
    { name: 'frontend → itself is not subject', src: fe, dst: fe, port: 1, want: 'allowed' },
  ])('$name → $want', ({ src, dst, port, proto, want, side }) => {
    const v = evaluateFlow(world, flow(src, dst, port, proto));
    expect(v.kind).toBe(want);
    if (side) expect(v[side].kind).toBe('denied');
    if (side) expect(v[side].selectedBy).toEqual(['default/test-network-policy']);
  });
});

describe('kube-router testdata: NetworkPolicy list + pods list', () => {
  const policies = (parse(readCorpus('k8s-objects', 'kube-router-testdata-networkpolicy-list.yaml')) as { items: V1NetworkPolicy[] }).items;
  const pods = (parse(readCorpus('k8s-objects', 'kube-router-testdata-dualstack-pods-list.yaml')) as { items: V1Pod[] }).items;
  // The testdata pods list has no debug-toolbox pod; the policies name one, so the test adds it.
  const debug = podEnd(pod({ ns: 'default', name: 'debug-toolbox', ip: '10.242.0.9', labels: { name: 'debug-toolbox' } }));
  const [w1, w2] = pods.map(podEnd) as [FlowEnd, FlowEnd];
  const world = policyWorldOf(policies); // no Namespace objects: only the name label is known
  const v6 = (e: FlowEnd): FlowEnd => (e.kind === 'pod' ? { ...e, ip: e.pod.status!.podIPs![1]!.ip! } : e);
  it.each<{ name: string; src: FlowEnd; dst: FlowEnd; port: number; proto?: 'tcp' | 'udp'; want: string; why?: RegExp }>([
    { name: 'debug-toolbox → whoami-nflzk:5000 (egress to name=whoami, ingress from name=debug-toolbox)', src: debug, dst: w1, port: 5000, want: 'allowed' },
    { name: 'debug-toolbox → whoami-s72mp:5000 over IPv6', src: { ...debug, ip: '2001:db8:42:1000::9' }, dst: v6(w2), port: 5000, want: 'allowed' },
    { name: 'debug-toolbox → whoami:5001: ingress port is 5000 only', src: debug, dst: w1, port: 5001, want: 'denied', why: /ingress of default\/whoami-nflzk/ },
    { name: 'debug-toolbox → 8.8.8.8:53: egress only to name=whoami', src: debug, dst: ipEnd('8.8.8.8'), port: 53, proto: 'udp', want: 'denied', why: /egress of default\/debug-toolbox/ },
    { name: '10.95.0.239 → whoami:5000: ipBlock /32', src: ipEnd('10.95.0.239'), dst: w2, port: 5000, want: 'allowed' },
    { name: '10.95.0.240 → whoami:5000: outside the /32', src: ipEnd('10.95.0.240'), dst: w2, port: 5000, want: 'denied' },
    { name: 'whoami-nflzk → whoami-s72mp:5000: egress free, ingress only from debug-toolbox', src: w1, dst: w2, port: 5000, want: 'denied', why: /none of 1 ingress rule/ },
    { name: 'whoami → debug-toolbox: debug-toolbox\u2019s policy is Egress-only, so its ingress is open', src: w1, dst: debug, port: 8080, want: 'allowed' },
  ])('$name → $want', ({ src, dst, port, proto, want, why }) => {
    const v = evaluateFlow(world, flow(src, dst, port, proto));
    expect(v.kind).toBe(want);
    if (why) expect(v.reason).toMatch(why);
  });
});
