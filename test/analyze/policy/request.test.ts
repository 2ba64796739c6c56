/** The `policy` use case on the bundled lab snapshot: names, services as endpoint pods + target ports, findings. */
import { describe, expect, it } from 'vitest';
import { policyRequest } from '../../../src/analyze/policy/index.js';
import { parse } from 'yaml';
import { UserError } from '../../../src/util/errors.js';
import type { RawObject, Snapshot } from '../../../src/snapshot/types.js';
import { readCorpus } from '../../support/corpus.js';
import { snapshotOf } from '../../support/snapshot.js';
import { CALICO_SAVE } from './enforcement-fixtures.js';
import { LAB_POLICIES, calicoDaemonSet, labSnapshot } from './lab-snapshot.js';

const snap = labSnapshot(LAB_POLICIES);
const ask = (src: string, dst: string, extra: { port?: number; protocol?: 'tcp' | 'udp' } = {}) => policyRequest(snap, { src, dst, namespace: 'default', ...extra });

describe('policy request', () => {
  it('a service is judged on each endpoint pod at its target port (post-DNAT, what the CNI enforces)', () => {
    const r = ask('client', 'svc/web:80');
    expect(r.verdict).toBe('allowed');
    expect(r.verdicts.map((v) => `${v.flow.destination.name}:${v.flow.port}`).sort()).toEqual(['default/web-0:8080', 'default/web-1:8080', 'default/web-2:8080']);
    for (const v of r.verdicts) expect(v.ingress.allowedBy[0]).toMatchObject({ policy: 'default/client-to-web', rule: 0, peer: 0, port: 0 });
    expect(r.destination).toMatchObject({ kind: 'service', name: 'default/web', port: 80 });
  });
  it('the UDP port of the same service is denied: the allow rule names only "http"', () => {
    const r = ask('client', 'svc/web:dns');
    expect(r.verdict).toBe('denied');
    expect(r.verdicts.every((v) => v.flow.protocol === 'udp' && v.flow.port === 5353)).toBe(true);
    expect(r.verdicts[0]!.ingress.selectedBy.sort()).toEqual(['default/client-to-web', 'default/default-deny']);
  });
  it('another pod is denied, and flannel alone enforces nothing: said as a finding', () => {
    const r = ask('echo-0', 'pod/web-0:8080');
    expect(r.verdict).toBe('denied');
    expect(r.enforcement.kind).toBe('not-enforcing');
    expect(r.findings.map((f) => f.code)).toContain('policy-not-enforced');
    expect(r.findings.find((f) => f.code === 'policy-not-enforced')!.evidence!.join()).toMatch(/kube-flannel/);
  });
  it('with Calico running, the deny is enforced and no such finding appears', () => {
    const r = policyRequest(labSnapshot(LAB_POLICIES, { daemonsets: [calicoDaemonSet] }), { src: 'echo-0', dst: 'web-0:8080', namespace: 'default' });
    expect(r.enforcement).toMatchObject({ kind: 'enforcing', engines: ['calico'] });
    expect(r.findings.map((f) => f.code)).not.toContain('policy-not-enforced');
  });
  it('an external IP source: only ipBlock peers could admit it', () => {
    const r = ask('172.31.250.1', 'web-0:8080');
    expect(r.source).toMatchObject({ kind: 'ip', owner: 'external' });
    expect(r.verdict).toBe('denied');
  });
  it('a pod IP as source is that pod; a node IP is the node (own node always allowed)', () => {
    expect(ask('10.244.0.10', 'web-0:8080').source).toMatchObject({ kind: 'pod', name: 'default/client' });
    expect(ask('node/node-a', 'web-0:8080').verdict).toBe('allowed');
    expect(ask('node/node-b', 'web-0:8080').verdict).toBe('denied');
    expect(ask('172.31.250.11', 'web-0:8080').source).toMatchObject({ owner: 'node', name: 'node-b' });
  });
  it('a hostNetwork pod source is treated as its node', () => {
    const r = ask('kube-system/kube-proxy-kr2os', 'web-0:8080');
    expect(r.source).toMatchObject({ kind: 'ip', owner: 'host-network-pod' });
    expect(r.verdict).toBe('allowed');
    expect(r.verdicts[0]!.egress.reason).toMatch(/hostNetwork/);
  });
  it('a pod with one containerPort needs no port; several ports need one', () => {
    expect(ask('client', 'echo-0').verdicts[0]!.flow.port).toBe(9090);
    expect(() => ask('client', 'web-0')).toThrow(UserError);
  });
  it('a service without endpoints gives no verdict, and says why', () => {
    const r = ask('client', 'svc/ghost:80');
    expect(r.verdicts).toEqual([]);
    expect(r.verdict).toBe('uncertain');
    expect(r.findings.map((f) => f.code)).toContain('no-endpoints');
  });
  it('typos get suggestions from trace\u2019s resolver', () => {
    const err = (() => {
      try {
        ask('clinet', 'web-0:8080');
      } catch (e) {
        return e as UserError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(UserError);
    expect(err!.message).toBe('pod default/clinet not found');
    expect(err!.hint).toMatch(/did you mean client/);
  });
  it('no policies at all: allowed, both sides not isolated', () => {
    const r = policyRequest(labSnapshot([]), { src: 'echo-0', dst: 'web-0:8080', namespace: 'default' });
    expect(r.verdict).toBe('allowed');
    expect(r.verdicts[0]!.ingress.kind).toBe('unrestricted');
    expect(r.findings.map((f) => f.code)).not.toContain('flannel-only');
  });
  it('no policy selects the pods, but Calico policy chains sit on their node: a drop there is possible', () => {
    const s = labSnapshot([]);
    s.nodes['node-a']!.dumps['iptables-nft'] = { argv: ['iptables-nft-save'], stdout: CALICO_SAVE, stderr: '', exitCode: 0 };
    delete s.nodes['node-a']!.dumps['iptables'];
    const r = policyRequest(s, { src: 'client', dst: 'web-0:8080', namespace: 'default' });
    expect(r.verdict).toBe('allowed');
    const f = r.findings.find((x) => x.code === 'cni-policy-chains');
    expect(f?.message).toMatch(/calico policy chains exist on their nodes/);
    expect(f?.evidence).toEqual(['node node-a: 2 chain(s), e.g. cali-tw-cali1234abcd, cali-pi-_Xyz123']);
  });
  it('policies exist but flannel enforces none: flannel-only even when this flow is allowed', () => {
    const r = ask('client', 'web-0:8080');
    expect(r.verdict).toBe('allowed');
    expect(r.findings.map((f) => f.code)).toContain('flannel-only');
  });
  it('a dual-stack pod talks to an IPv6 address from its IPv6 address (kube-router testdata pods)', () => {
    const pods = (parse(readCorpus('k8s-objects', 'kube-router-testdata-dualstack-pods-list.yaml')) as { items: RawObject[] }).items;
    const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'out', namespace: 'default' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '2001:db8:ffff::/48' } }] }] } };
    const s = snapshotOf({ capturedAt: '2026-01-01T00:00:00Z', source: { type: 'file' }, objects: { pods, networkpolicies: [policy], nodes: [], services: [], endpointslices: [] } });
    const r = policyRequest(s, { src: 'whoami-nflzk', dst: '[2001:db8:ffff::1]:443', namespace: 'default' });
    expect(r.verdicts[0]!.flow.source.ip).toBe('2001:db8:42:1001::4');
    expect(r.verdict).toBe('allowed');
    expect(policyRequest(s, { src: 'whoami-nflzk', dst: '192.0.2.1:443', namespace: 'default' }).verdicts[0]!.flow.source.ip).toBe('10.242.1.4');
  });
});
