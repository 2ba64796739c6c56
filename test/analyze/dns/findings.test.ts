/** DNS settings that disagree with the cluster, found from node probes (lab snapshot plus a kube-dns Service). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import type { DumpResult, NodeCapture, Snapshot } from '../../../src/snapshot/types.js';
import type { V1Pod } from '../../../src/model/k8s.js';
import { resolveName } from '../../../src/analyze/dns/index.js';
import { REPO_ROOT } from '../../support/corpus.js';

const LAB = parseSnapshot(readFileSync(path.join(REPO_ROOT, 'examples/lab-flannel-iptables.snapshot.json'), 'utf8'), 'lab');
const podFile = (text: string): DumpResult => ({ argv: ['cat', '/etc/resolv.conf'], stdout: text, stderr: '', exitCode: 0 });
const clusterFirst = (server: string, domain = 'cluster.local') => podFile(`nameserver ${server}\nsearch kube-system.svc.${domain} svc.${domain} ${domain}\noptions ndots:5\n`);

/** The lab with kube-dns at 10.96.0.53 and node-a's capture extended. */
function lab(nodeA: Partial<NodeCapture>): Snapshot {
  const objects = structuredClone(LAB.cluster.objects) as Record<string, unknown[]>;
  objects.services!.push({ metadata: { namespace: 'kube-system', name: 'kube-dns' }, spec: { clusterIP: '10.96.0.53', clusterIPs: ['10.96.0.53'], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] } });
  const a = LAB.nodes['node-a']!;
  return { ...LAB, cluster: { ...LAB.cluster, objects: objects as Snapshot['cluster']['objects'] }, nodes: { ...LAB.nodes, 'node-a': { ...a, dumps: { ...a.dumps, ...nodeA.dumps }, files: { ...a.files, ...nodeA.files } } } };
}
const podNamed = (snap: Snapshot, name: string, spec: Record<string, unknown> = {}): V1Pod => {
  const p = structuredClone((snap.cluster.objects.pods as V1Pod[]).find((x) => x.metadata?.name === name)!);
  return { ...p, spec: { ...p.spec!, ...spec } } as V1Pod;
};
const codes = (snap: Snapshot, pod: V1Pod, name: string) => resolveName(snap, pod, name).findings.map((f) => `${f.severity} ${f.code}`);

describe('DNS findings', () => {
  it('none when the kubelet’s clusterDNS is the kube-dns Service', () => {
    const snap = lab({ dumps: { 'pod-resolv-conf': clusterFirst('10.96.0.53') } });
    expect(codes(snap, podNamed(snap, 'client'), 'web.default')).toEqual([]);
  });

  it('the kubelet’s clusterDNS that no Service owns: an error naming kube-dns’s address, per node', () => {
    const snap = lab({ dumps: { 'pod-resolv-conf': clusterFirst('10.96.0.99') } });
    const r = resolveName(snap, podNamed(snap, 'client'), 'web.default');
    expect(r.findings).toMatchObject([{ code: 'dns-server-unowned', severity: 'error', hint: expect.stringMatching(/clusterDNS to 10\.96\.0\.53/) }]);
    expect(r.info).toMatchObject({ node: 'node-a', nameservers: ['10.96.0.99'], nameserverSource: expect.stringMatching(/probe pod on node-a/) });
    // web-1 runs on node-b, whose kubelet was not seen: no claim there.
    expect(codes(snap, podNamed(snap, 'web-1'), 'web.default')).toEqual([]);
  });

  it('NodeLocal DNSCache’s link-local address is said, not flagged; another Service’s address is named', () => {
    expect(codes(lab({ dumps: { 'pod-resolv-conf': clusterFirst('169.254.20.10') } }), podNamed(LAB, 'client'), 'web.default')).toEqual(['info dns-node-local-cache']);
    expect(codes(lab({ dumps: { 'pod-resolv-conf': clusterFirst('10.96.0.14') } }), podNamed(LAB, 'client'), 'web.default')).toEqual(['info dns-server-other-service']);
  });

  it('a name typed for another cluster domain than the kubelet’s', () => {
    const snap = lab({ dumps: { 'pod-resolv-conf': clusterFirst('10.96.0.53', 'k8s.corp') } });
    const r = resolveName(snap, podNamed(snap, 'client'), 'web.default.svc.cluster.local');
    expect(r.service).toBeUndefined();
    expect(r.findings).toMatchObject([{ code: 'dns-cluster-domain-mismatch', hint: 'use web.default.svc.k8s.corp, or the short name' }]);
    expect(resolveName(snap, podNamed(snap, 'client'), 'web.default.svc.k8s.corp').service).toBe('default/web');
  });

  it('a dnsPolicy Default pod inheriting systemd-resolved’s stub: an error with the upstream file as the fix; a hostNetwork pod shares the node’s loopback', () => {
    const snap = lab({ files: { '/etc/resolv.conf': 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch ec2.internal\n', '/run/systemd/resolve/resolv.conf': 'nameserver 10.0.0.2\nsearch ec2.internal\n' } });
    const r = resolveName(snap, podNamed(snap, 'client', { dnsPolicy: 'Default' }), 'example.com');
    expect(r.findings).toMatchObject([{ code: 'dns-loopback-nameserver', severity: 'error', evidence: ['node-a:/etc/resolv.conf (kubelet default)'], hint: expect.stringMatching(/resolvConf to \/run\/systemd\/resolve\/resolv.conf \(nameservers 10\.0\.0\.2 on node-a\)/) }]);
    expect(r.info.nodeResolvConfSource).toBe('node-a:/etc/resolv.conf (kubelet default)');
    expect(codes(snap, podNamed(snap, 'kube-proxy-kr2os'), 'example.com')).toEqual([]);
  });
});
