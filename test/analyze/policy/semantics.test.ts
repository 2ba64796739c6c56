/** The docs' special rules, one case each: union, both sides, exemptions, ipBlock vs pod IPs, named ports per pod. */
import { describe, expect, it } from 'vitest';
import { evaluateFlow } from '../../../src/analyze/policy/evaluate.js';
import { policyWorldOf } from '../../../src/analyze/policy/world.js';
import { flow, ipEnd, namespace, np, pod, podEnd } from './build.js';
import type { FlowEnd } from '../../../src/analyze/policy/types.js';

const NS = [namespace('prod'), namespace('dev')];
const web = pod({ ns: 'prod', name: 'web-0', ip: '10.244.1.5', labels: { app: 'web' }, node: 'node-b', hostIP: '172.18.0.3', ports: [{ name: 'http', containerPort: 8080 }] });
const web1 = pod({ ns: 'prod', name: 'web-1', ip: '10.244.2.5', labels: { app: 'web' }, node: 'node-c', hostIP: '172.18.0.4', ports: [{ name: 'http', containerPort: 9090 }] });
const client = pod({ ns: 'prod', name: 'client', ip: '10.244.0.5', labels: { app: 'client' }, node: 'node-a', hostIP: '172.18.0.2' });
const denyAll = np('prod', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const world = (...p: ReturnType<typeof np>[]) => policyWorldOf(p, NS);

describe('docs: policies are additive (a union), evaluation order does not matter', () => {
  const allowWeb = np('prod', 'allow-client-to-web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }] });
  const allowEgress = np('prod', 'client-egress', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }] }] });
  it('deny-all plus allow rules on both sides: allowed, and each side names all its selecting policies', () => {
    for (const order of [[denyAll, allowWeb, allowEgress], [allowEgress, allowWeb, denyAll]]) {
      const v = evaluateFlow(world(...order), flow(podEnd(client), podEnd(web), 8080));
      expect(v.kind).toBe('allowed');
      expect(v.ingress.selectedBy.sort()).toEqual(['prod/allow-client-to-web', 'prod/deny-all']);
      expect(v.ingress.allowedBy.map((r) => r.policy)).toEqual(['prod/allow-client-to-web']);
      expect(v.egress.allowedBy).toEqual([expect.objectContaining({ policy: 'prod/client-egress', rule: 0, peer: 0 })]);
    }
  });
  it('docs: both the source egress AND destination ingress must allow — ingress allowed, egress isolated', () => {
    const v = evaluateFlow(world(denyAll, allowWeb), flow(podEnd(client), podEnd(web), 8080));
    expect(v.kind).toBe('denied');
    expect(v.ingress.kind).toBe('allowed');
    expect(v.egress).toMatchObject({ kind: 'denied', selectedBy: ['prod/deny-all'], allowedBy: [] });
    expect(v.reason).toContain('egress of prod/client isolated by prod/deny-all');
  });
  it('egress allowed, ingress isolated → denied on ingress', () => {
    const v = evaluateFlow(world(denyAll, allowEgress), flow(podEnd(client), podEnd(web), 8080));
    expect(v.kind).toBe('denied');
    expect(v.egress.kind).toBe('allowed');
    expect(v.ingress.kind).toBe('denied');
  });
  it('every allowing rule is listed, across policies and rules', () => {
    const second = np('prod', 'also', { podSelector: {}, ingress: [{ ports: [{ port: 9999 }] }, { ports: [{ port: 8080 }] }] });
    const v = evaluateFlow(world(allowWeb, second), flow(podEnd(client), podEnd(web), 8080));
    expect(v.ingress.allowedBy.map((r) => `${r.policy}#${r.rule}`)).toEqual(['prod/allow-client-to-web#0', 'prod/also#1']);
    expect(v.ingress.misses.map((r) => `${r.policy}#${r.rule}`)).toEqual(['prod/also#0']);
  });
  it('a policy in another namespace never selects the pod', () => {
    const v = evaluateFlow(world(np('dev', 'deny', { podSelector: {} })), flow(podEnd(client), podEnd(web), 8080));
    expect(v.ingress.kind).toBe('unrestricted');
  });
});

describe('docs: exemptions', () => {
  it('a pod cannot block access to itself', () => {
    const v = evaluateFlow(world(denyAll), flow(podEnd(web), podEnd(web), 8080));
    expect(v.kind).toBe('allowed');
    expect(v.ingress.reason).toContain('itself');
  });
  it('traffic from the node where the pod runs is always allowed (ingress)', () => {
    const kubelet: FlowEnd = { kind: 'ip', ip: '172.18.0.3', owner: 'node', name: 'node-b', node: 'node-b' };
    expect(evaluateFlow(world(denyAll), flow(kubelet, podEnd(web), 8080)).kind).toBe('allowed');
    const otherNode: FlowEnd = { kind: 'ip', ip: '172.18.0.4', owner: 'node', name: 'node-c', node: 'node-c' };
    expect(evaluateFlow(world(denyAll), flow(otherNode, podEnd(web), 8080)).kind).toBe('denied');
  });
  it('traffic to the pod\u2019s own node is always allowed (egress)', () => {
    expect(evaluateFlow(world(denyAll), flow(podEnd(client), ipEnd('172.18.0.2'), 10250)).egress.kind).toBe('unrestricted');
    expect(evaluateFlow(world(denyAll), flow(podEnd(client), ipEnd('172.18.0.3'), 10250)).egress.kind).toBe('denied');
  });
  it('hostNetwork pods are not subject, and selectors do not match them (treated as node traffic)', () => {
    const hn: FlowEnd = { kind: 'ip', ip: '172.18.0.4', owner: 'host-network-pod', name: 'kube-system/agent', node: 'node-c' };
    const v = evaluateFlow(world(np('prod', 'from-all-pods', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] })), flow(hn, podEnd(web), 8080));
    expect(v.egress.kind).toBe('unrestricted');
    expect(v.ingress.kind).toBe('denied');
    expect(evaluateFlow(world(denyAll), flow(podEnd(client), hn, 80)).ingress.kind).toBe('unrestricted');
  });
  it('an external destination has no ingress side', () => {
    expect(evaluateFlow(world(denyAll), flow(podEnd(web), ipEnd('8.8.8.8'), 53, 'udp')).ingress.kind).toBe('unrestricted');
  });
});

describe('docs: ipBlock is for cluster-external IPs; matching pod IPs is left open', () => {
  const byBlock = np('prod', 'from-pod-cidr', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.9.0/24'] } }] }] });
  it('a pod IP inside the block is uncertain, with the reason', () => {
    const v = evaluateFlow(world(byBlock), flow(podEnd(client), podEnd(web), 8080));
    expect(v.kind).toBe('uncertain');
    expect(v.ingress.uncertainBy).toEqual([expect.objectContaining({ policy: 'prod/from-pod-cidr', rule: 0, peer: 0 })]);
    expect(v.notes.join('\n')).toMatch(/cluster-external/);
  });
  it('a pod IP in except is denied either way', () => {
    const p = pod({ ns: 'prod', name: 'x', ip: '10.244.9.7' });
    expect(evaluateFlow(world(byBlock), flow(podEnd(p), podEnd(web), 8080)).kind).toBe('denied');
  });
  it('a sure rule wins over an uncertain one', () => {
    const sure = np('prod', 'sure', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] });
    expect(evaluateFlow(world(byBlock, sure), flow(podEnd(client), podEnd(web), 8080)).kind).toBe('allowed');
  });
  it.each([
    { ip: '2001:db8::5', cidr: '2001:db8::/64', want: 'allowed' },
    { ip: '2001:db8:1::5', cidr: '2001:db8::/64', want: 'denied' },
    { ip: '10.1.2.3', cidr: '2001:db8::/64', want: 'denied' },
    { ip: '::ffff:10.1.2.3', cidr: '10.1.0.0/16', want: 'allowed' },
    { ip: '10.1.2.3', cidr: '10.1.2.3/32', want: 'allowed' },
    { ip: '10.1.2.4', cidr: '10.1.2.3/32', want: 'denied' },
    { ip: '10.1.2.3', cidr: '0.0.0.0/0', want: 'allowed' },
  ])('external $ip vs ipBlock $cidr → $want (address family must match)', ({ ip, cidr, want }) => {
    const p = np('prod', 'b', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr } }] }] });
    expect(evaluateFlow(world(p), flow(ipEnd(ip), podEnd(web), 8080)).kind).toBe(want);
  });
  it('an invalid cidr matches nothing and is noted', () => {
    const p = np('prod', 'bad', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }] });
    const v = evaluateFlow(world(p), flow(ipEnd('10.0.0.1'), podEnd(web), 8080));
    expect(v.kind).toBe('denied');
    expect(v.notes.join()).toMatch(/invalid ipBlock/);
  });
});

describe('docs: named ports resolve per destination pod', () => {
  const http = np('prod', 'http-only', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 'http' }] }] });
  it.each([
    { pod: web, port: 8080, want: 'allowed' },
    { pod: web, port: 9090, want: 'denied' },
    { pod: web1, port: 9090, want: 'allowed' },
    { pod: web1, port: 8080, want: 'denied' },
  ])('"http" on $pod.metadata.name, flow to $port → $want', ({ pod: p, port, want }) => {
    const v = evaluateFlow(world(http), flow(podEnd(client), podEnd(p), port));
    expect(v.kind).toBe(want);
    if (want === 'allowed') expect(v.ingress.allowedBy[0]!.reason).toContain(`http/TCP = ${port}`);
  });
  it('a pod without the named port is denied, saying so', () => {
    const v = evaluateFlow(world(http), flow(podEnd(client), podEnd(pod({ ns: 'prod', name: 'bare', ip: '10.244.3.3', labels: { app: 'web' } })), 8080));
    expect(v.ingress.misses[0]!.reason).toContain('has no TCP containerPort named http');
  });
  it('egress named ports resolve on the destination pod too', () => {
    const eg = np('prod', 'eg', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] });
    expect(evaluateFlow(world(eg), flow(podEnd(client), podEnd(web1), 9090)).kind).toBe('allowed');
    expect(evaluateFlow(world(eg), flow(podEnd(client), podEnd(web), 9090)).kind).toBe('denied');
  });
  it('endPort with a named port, endPort < port and a numeric string are invalid: no match, noted', () => {
    const bad = np('prod', 'bad', { podSelector: {}, ingress: [{ ports: [{ port: 'http', endPort: 9000 }, { port: 9000, endPort: 8000 }, { port: '8080' }] }] });
    const v = evaluateFlow(world(bad), flow(podEnd(client), podEnd(web), 8080));
    expect(v.kind).toBe('denied');
    expect(v.notes.join('\n')).toMatch(/endPort with a named port[\s\S]*endPort 8000 < port 9000[\s\S]*not a valid port name/);
  });
  it('endPort bounds are inclusive', () => {
    const r = np('prod', 'r', { podSelector: {}, ingress: [{ ports: [{ port: 8000, endPort: 8080 }] }] });
    expect(evaluateFlow(world(r), flow(podEnd(client), podEnd(web), 8000)).kind).toBe('allowed');
    expect(evaluateFlow(world(r), flow(podEnd(client), podEnd(web), 8080)).kind).toBe('allowed');
    expect(evaluateFlow(world(r), flow(podEnd(client), podEnd(web), 8081)).kind).toBe('denied');
    expect(evaluateFlow(world(r), flow(podEnd(client), podEnd(web), 7999)).kind).toBe('denied');
  });
  it.each(['udp', 'sctp'] as const)('protocol %s must be listed explicitly (the default is TCP)', (proto) => {
    const tcp = np('prod', 't', { podSelector: {}, ingress: [{ ports: [{ port: 8080 }] }] });
    expect(evaluateFlow(world(tcp), flow(podEnd(client), podEnd(web), 8080, proto)).kind).toBe('denied');
    const it2 = np('prod', 'u', { podSelector: {}, ingress: [{ ports: [{ port: 8080, protocol: proto.toUpperCase() }] }] });
    expect(evaluateFlow(world(it2), flow(podEnd(client), podEnd(web), 8080, proto)).kind).toBe('allowed');
  });
});

describe('namespaces: labels from the snapshot, or only the name label when the Namespace is absent', () => {
  const byTeam = np('prod', 'team', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'x' } } }] }] });
  const byName = np('prod', 'name', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ghost' } } }] }] });
  const ghost = pod({ ns: 'ghost', name: 'g', ip: '10.244.4.4' });
  it('a namespace missing from the snapshot: a custom label is uncertain, the name label decides', () => {
    expect(evaluateFlow(policyWorldOf([byTeam], NS), flow(podEnd(ghost), podEnd(web), 8080)).kind).toBe('uncertain');
    expect(evaluateFlow(policyWorldOf([byName], NS), flow(podEnd(ghost), podEnd(web), 8080)).kind).toBe('allowed');
    expect(evaluateFlow(policyWorldOf([byTeam], NS), flow(podEnd(ghost), podEnd(web), 8080)).notes.join()).toMatch(/namespace ghost is not in the snapshot/);
  });
  it('namespaces not collected at all behave the same', () => {
    expect(evaluateFlow(policyWorldOf([byTeam]), flow(podEnd(client), podEnd(web), 8080)).kind).toBe('uncertain');
  });
  it('the name label is implied on a captured namespace that lacks it', () => {
    expect(evaluateFlow(policyWorldOf([byName], [namespace('ghost', { team: 'y' })]), flow(podEnd(ghost), podEnd(web), 8080)).kind).toBe('allowed');
    expect(evaluateFlow(policyWorldOf([byTeam], [namespace('ghost', { team: 'y' })]), flow(podEnd(ghost), podEnd(web), 8080)).kind).toBe('denied');
  });
});

describe('invalid policies', () => {
  it('a peer with ipBlock and a selector, and an empty peer, match nothing (noted)', () => {
    const p = np('prod', 'x', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' }, podSelector: {} }, {}] }] });
    const v = evaluateFlow(world(p), flow(podEnd(client), podEnd(web), 8080));
    expect(v.kind).toBe('denied');
    expect(v.notes.join('\n')).toMatch(/ipBlock and a selector[\s\S]*empty peer/);
  });
  it('an invalid spec.podSelector selects nothing (noted)', () => {
    const p = np('prod', 'x', { podSelector: { matchExpressions: [{ key: 'a', operator: 'Is' }] }, policyTypes: ['Ingress'] });
    const v = evaluateFlow(world(p), flow(podEnd(client), podEnd(web), 8080));
    expect(v.ingress.kind).toBe('unrestricted');
    expect(v.notes.join()).toMatch(/unknown selector operator/);
  });
  it('absent spec.podSelector defaults to {} (every pod of the namespace)', () => {
    const v = evaluateFlow(world(np('prod', 'x', { policyTypes: ['Ingress'] })), flow(podEnd(client), podEnd(web), 8080));
    expect(v.ingress).toMatchObject({ kind: 'denied', selectedBy: ['prod/x'] });
    expect(v.ingress.reason).toContain('no ingress rules (deny all)');
  });
});
