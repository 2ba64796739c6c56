/** Pod name resolution: resolv.conf per dnsPolicy, ndots search expansion, cluster DNS answers, config sources. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import type { V1Pod } from '../../../src/model/k8s.js';
import { candidates, clusterDns, nodeDns, parseResolvConf, podResolvConf, resolveName, type ClusterDns } from '../../../src/analyze/dns/index.js';
import { REPO_ROOT } from '../../support/corpus.js';

const LAB = parseSnapshot(readFileSync(path.join(REPO_ROOT, 'examples/lab-flannel-iptables.snapshot.json'), 'utf8'), 'lab');
const DNS: ClusterDns = {
  domain: { value: 'cluster.local', source: 'test' },
  servers: { value: ['10.96.0.10'], source: 'test' },
  nodes: { n1: nodeDns('n1', { dumps: {}, files: { '/etc/resolv.conf': 'nameserver 192.168.1.1\nsearch corp.example\noptions timeout:2\n' } }) },
};
const pod = (spec: Record<string, unknown>, ns = 'shop'): V1Pod => ({ metadata: { name: 'p', namespace: ns }, spec: { nodeName: 'n1', containers: [], ...spec } }) as V1Pod;

describe('resolv.conf from dnsPolicy', () => {
  it('ClusterFirst (the default): cluster DNS, the namespace search path, then the node’s search domains, ndots:5', () => {
    const r = podResolvConf(pod({}), DNS);
    expect(r).toMatchObject({ policy: 'ClusterFirst', nameservers: ['10.96.0.10'], search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'], ndots: 5 });
  });

  it('hostNetwork + ClusterFirst falls back to Default (the node’s file); ClusterFirstWithHostNet keeps cluster DNS', () => {
    const fallback = podResolvConf(pod({ hostNetwork: true }), DNS);
    expect(fallback).toMatchObject({ policy: 'Default', nameservers: ['192.168.1.1'], search: ['corp.example'], ndots: 1 });
    expect(fallback.notes.join()).toMatch(/falls back to Default/);
    expect(podResolvConf(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), DNS).nameservers).toEqual(['10.96.0.10']);
  });

  it('None takes dnsConfig alone; dnsConfig options override by name and nameservers are capped at 3', () => {
    const none = podResolvConf(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }), DNS);
    expect(none).toMatchObject({ policy: 'None', nameservers: ['1.1.1.1'], search: ['a.example'], ndots: 2 });
    const merged = podResolvConf(pod({ dnsConfig: { nameservers: ['1.1.1.1', '8.8.8.8', '9.9.9.9'], options: [{ name: 'ndots', value: '1' }] } }), DNS);
    expect(merged.nameservers).toEqual(['10.96.0.10', '1.1.1.1', '8.8.8.8']);
    expect(merged.ndots).toBe(1);
    expect(podResolvConf(pod({ dnsPolicy: 'None' }), DNS).notes.join()).toMatch(/no resolver/);
  });

  it('Default without the node’s file says its content is unknown', () => {
    expect(podResolvConf(pod({ dnsPolicy: 'Default', nodeName: 'n2' }), DNS).notes.join()).toMatch(/n2.*not in the snapshot/);
  });

  it('parses resolv.conf (last search line wins, comments, options)', () => {
    expect(parseResolvConf('# x\nnameserver 10.0.0.2\nsearch a b\nsearch c\noptions ndots:3 rotate\n')).toEqual({ nameservers: ['10.0.0.2'], search: ['c'], options: [{ name: 'ndots', value: '3' }, { name: 'rotate' }] });
  });
});

describe('search expansion with ndots', () => {
  const search = ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'];
  it('fewer dots than ndots: the search domains first, then the name as is', () => {
    expect(candidates('db', search, 5)).toEqual(['db.shop.svc.cluster.local', 'db.svc.cluster.local', 'db.cluster.local', 'db']);
    expect(candidates('db.prod.svc.cluster.local', search, 5)[0]).toBe('db.prod.svc.cluster.local.shop.svc.cluster.local');
  });
  it('enough dots: the name first; a trailing dot: only the name', () => {
    expect(candidates('db.prod.svc.cluster.local', search, 4)[0]).toBe('db.prod.svc.cluster.local');
    expect(candidates('db.prod.svc.cluster.local.', search, 5)).toEqual(['db.prod.svc.cluster.local']);
  });
});

describe('cluster DNS settings and answers (lab snapshot)', () => {
  const client = () => (LAB.cluster.objects.pods as V1Pod[]).find((p) => p.metadata?.name === 'client')!;

  it('the domain comes from kubeadm-config; without kube-dns or a kubelet config the DNS address is unknown', () => {
    const d = clusterDns(LAB);
    expect(d.domain).toMatchObject({ value: 'cluster.local' });
    expect(d.domain.source).toMatch(/kubeadm/);
    expect(d.servers.value).toEqual([]);
  });

  it('a kubelet config on a node wins: clusterDomain and clusterDNS', () => {
    const snap: Snapshot = { ...LAB, nodes: { ...LAB.nodes, 'node-a': { ...LAB.nodes['node-a']!, files: { '/var/lib/kubelet/config.yaml': 'kind: KubeletConfiguration\nclusterDomain: k8s.internal.\nclusterDNS:\n- 10.96.0.53\n' } } } };
    const d = clusterDns(snap);
    expect(d.domain).toMatchObject({ value: 'k8s.internal' });
    expect(d.servers.value).toEqual(['10.96.0.53']);
    expect(d.servers.source).toMatch(/node-a:\/var\/lib\/kubelet\/config.yaml/);
  });

  it('no source at all: cluster.local, said to be assumed', () => {
    const objects = { ...LAB.cluster.objects, configmaps: [] };
    expect(clusterDns({ ...LAB, cluster: { ...LAB.cluster, objects } }).domain).toMatchObject({ value: 'cluster.local', assumed: true });
  });

  it('`web.default` from default: NXDOMAIN for the first candidate, the service for the second', () => {
    const r = resolveName(LAB, client(), 'web.default');
    expect(r.service).toBe('default/web');
    expect(r.info.attempts.map((a) => a.query)).toEqual(['web.default.default.svc.cluster.local', 'web.default.svc.cluster.local']);
    expect(r.info.attempts[0]!.result).toMatch(/NXDOMAIN/);
    expect(r.info.answer).toBe('10.96.0.10 (service default/web)');
  });

  it('a name outside the cluster domain is forwarded upstream after the search domains fail', () => {
    const r = resolveName(LAB, client(), 'example.com');
    expect(r.service).toBeUndefined();
    expect(r.info.attempts.at(-1)).toEqual({ query: 'example.com', result: expect.stringMatching(/forwarded upstream/) });
  });
});

describe('address records', () => {
  const client = () => (LAB.cluster.objects.pods as V1Pod[]).find((p) => p.metadata?.name === 'client')!;
  it('a pod record answers the address written in the name', () => {
    expect(resolveName(LAB, client(), '10-244-1-10.default.pod.cluster.local')).toMatchObject({ address: '10.244.1.10' });
    expect(resolveName(LAB, client(), 'fd00-10-244--10.default.pod.cluster.local.').address).toBe('fd00:10:244::10');
  });

  it('a hostname under a headless service answers that endpoint; under a ClusterIP service NXDOMAIN', () => {
    const objects = structuredClone(LAB.cluster.objects) as Record<string, { metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown>; endpoints?: { hostname?: string }[] }[]>;
    const slice = structuredClone(objects.endpointslices!.find((s) => s.metadata.name.startsWith('web-ettel'))!);
    slice.metadata = { ...slice.metadata, name: 'db-1', labels: { 'kubernetes.io/service-name': 'db' } };
    slice.endpoints!.forEach((e, i) => (e.hostname = `db-${i}`));
    objects.endpointslices!.push(slice);
    objects.services!.push({ metadata: { name: 'db', namespace: 'default' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] } });
    const snap = { ...LAB, cluster: { ...LAB.cluster, objects: objects as unknown as Snapshot['cluster']['objects'] } };
    const r = resolveName(snap, client(), 'db-1.db');
    expect(r.address).toBe(slice.endpoints![1] ? (slice.endpoints![1] as { addresses: string[] }).addresses[0] : undefined);
    expect(r.info.answer).toMatch(/hostname db-1 of service default\/db/);
    expect(resolveName(snap, client(), 'web-0.web').info.attempts[0]!.result).toMatch(/not headless/);
  });
});
