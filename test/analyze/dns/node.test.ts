/** One node's kubelet DNS settings from its probe, and the resolv.conf a pod on it gets. */
import { describe, expect, it } from 'vitest';
import type { V1Pod } from '../../../src/model/k8s.js';
import type { DumpResult, NodeCapture } from '../../../src/snapshot/types.js';
import { nodeDns, podResolvConf, type ClusterDns } from '../../../src/analyze/dns/index.js';
import { clusterSearchOf, fitSearch, kubeletReading } from '../../../src/analyze/dns/kubelet.js';
import { parseResolvConf } from '../../../src/parse/resolv-conf.js';

const dump = (stdout: string, argv: string[]): DumpResult => ({ argv, stdout, stderr: '', exitCode: 0 });
const cmdline = (...args: string[]): DumpResult => dump(`${['/usr/bin/kubelet', ...args].join('\n')}\n`, ['sh', '-c', '…']);
const podFile = (text: string): DumpResult => dump(text, ['cat', '/etc/resolv.conf']);
/** What the kubelet writes into the probe pod (namespace kube-system) for ClusterFirstWithHostNet. */
const PROBE_POD = 'search kube-system.svc.cluster.local svc.cluster.local cluster.local ec2.internal\nnameserver 10.96.0.10\noptions ndots:5\n';
const STUB = '# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch ec2.internal\n';
const UPSTREAM = '# This is /run/systemd/resolve/resolv.conf managed by man:systemd-resolved(8).\nnameserver 10.0.0.2\nsearch ec2.internal.\n';
const KUBEADM = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\nresolvConf: /run/systemd/resolve/resolv.conf\n';

const cap = (c: Partial<NodeCapture>): NodeCapture => ({ dumps: {}, ...c });
const dnsOf = (node: NodeCapture): ClusterDns => ({ domain: { value: 'cluster.local', source: 'cluster-wide' }, servers: { value: ['10.96.0.10'], source: 'kube-dns', assumed: true }, nodes: { n1: nodeDns('n1', node) } });
const pod = (spec: Record<string, unknown> = {}): V1Pod => ({ metadata: { name: 'p', namespace: 'shop' }, spec: { nodeName: 'n1', containers: [], ...spec } }) as V1Pod;

describe('nodeDns: the kubelet of one node', () => {
  it('the kubelet’s --config and its resolvConf: clusterDNS, domain and the node file it really uses, each with its source', () => {
    const n = nodeDns('n1', cap({ dumps: { 'kubelet-cmdline': cmdline('--config=/var/lib/kubelet/config.yaml') }, files: { '/var/lib/kubelet/config.yaml': KUBEADM, '/etc/resolv.conf': STUB, '/run/systemd/resolve/resolv.conf': UPSTREAM } }));
    expect(n.clusterDNS).toEqual({ value: ['10.96.0.10'], source: 'kubelet clusterDNS (n1:/var/lib/kubelet/config.yaml)' });
    expect(n.clusterDomain).toEqual({ value: 'cluster.local', source: 'kubelet clusterDomain (n1:/var/lib/kubelet/config.yaml)' });
    expect(n.host).toMatchObject({ nameservers: ['10.0.0.2'], search: ['ec2.internal'], source: 'n1:/run/systemd/resolve/resolv.conf (kubelet resolvConf (n1:/var/lib/kubelet/config.yaml))' });
    expect(n.findings).toEqual([]);
  });

  it('flags override the file; a kubelet without --config ignores kubeadm’s stale file', () => {
    const n = nodeDns('n1', cap({ dumps: { 'kubelet-cmdline': cmdline('--cluster-dns=10.32.0.10', '--cluster-domain=corp.local', '--resolv-conf=/etc/resolv.conf') }, files: { '/var/lib/kubelet/config.yaml': KUBEADM, '/etc/resolv.conf': 'nameserver 10.0.0.2\n' } }));
    expect(n.clusterDNS).toMatchObject({ value: ['10.32.0.10'], source: expect.stringMatching(/--cluster-dns \(n1 command line\)/) });
    expect(n.clusterDomain?.value).toBe('corp.local');
    expect(n.host).toMatchObject({ nameservers: ['10.0.0.2'], source: expect.stringMatching(/^n1:\/etc\/resolv.conf \(kubelet flag --resolv-conf/) });
    expect(nodeDns('n1', cap({ dumps: { 'kubelet-cmdline': cmdline('--config-dir=/etc/kubernetes/kubelet.conf.d') } })).notes.join()).toMatch(/drop-ins from \/etc\/kubernetes\/kubelet.conf.d \(not captured\)/);
  });

  it('without host files, the probe pod’s kubelet-written file gives clusterDNS, the domain and the node’s search domains', () => {
    const n = nodeDns('n1', cap({ dumps: { 'pod-resolv-conf': podFile(PROBE_POD.replace(/cluster\.local/g, 'k8s.corp')) } }));
    expect(n.clusterDNS?.value).toEqual(['10.96.0.10']);
    expect(n.clusterDomain).toMatchObject({ value: 'k8s.corp', source: expect.stringMatching(/kubelet wrote into the probe pod on n1/) });
    expect(n.host).toMatchObject({ search: ['ec2.internal'], nameservers: [], searchOnly: true });
  });

  it('the kubelet’s output wins over a file it does not follow, with a finding', () => {
    const n = nodeDns('n1', cap({ dumps: { 'pod-resolv-conf': podFile(PROBE_POD.replace('10.96.0.10', '10.96.0.53')) }, files: { '/var/lib/kubelet/config.yaml': KUBEADM } }));
    expect(n.clusterDNS?.value).toEqual(['10.96.0.53']);
    expect(n.findings).toMatchObject([{ code: 'dns-kubelet-config-disagrees', severity: 'warning', message: expect.stringMatching(/says 10\.96\.0\.10, but the kubelet writes 10\.96\.0\.53/) }]);
  });

  it('a node resolv.conf the kubelet cannot parse is an error finding; a broken kubelet config a warning', () => {
    const n = nodeDns('n1', cap({ files: { '/var/lib/kubelet/config.yaml': 'kind: KubeletConfiguration\nclusterDNS: 10.96.0.10\n', '/etc/resolv.conf': 'nameserver\n' } }));
    expect(n.findings.map((f) => [f.code, f.severity])).toEqual([['dns-kubelet-config-unreadable', 'warning'], ['dns-node-resolv-conf-unreadable', 'error']]);
    expect(n.findings[1]!.message).toMatch(/line 1 column 1: nameserver line without an address/);
  });
});

describe('podResolvConf with the node’s kubelet', () => {
  const node = cap({ dumps: { 'kubelet-cmdline': cmdline('--config=/var/lib/kubelet/config.yaml') }, files: { '/var/lib/kubelet/config.yaml': KUBEADM, '/etc/resolv.conf': STUB, '/run/systemd/resolve/resolv.conf': UPSTREAM } });

  it('Default inherits the file the kubelet uses (systemd-resolved’s upstream servers, not the stub); ClusterFirst appends its search domains', () => {
    expect(podResolvConf(pod({ dnsPolicy: 'Default' }), dnsOf(node))).toMatchObject({ policy: 'Default', nameservers: ['10.0.0.2'], search: ['ec2.internal'], ndots: 1 });
    expect(podResolvConf(pod(), dnsOf(node))).toMatchObject({ nameservers: ['10.96.0.10'], search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'ec2.internal'], options: [{ name: 'ndots', value: '5' }] });
  });

  it('a kubelet with no clusterDNS gives ClusterFirst pods the node’s file', () => {
    const n = cap({ files: { '/var/lib/kubelet/config.yaml': 'kind: KubeletConfiguration\n', '/etc/resolv.conf': 'nameserver 10.0.0.2\n' } });
    const rc = podResolvConf(pod(), dnsOf(n));
    expect(rc).toMatchObject({ policy: 'Default', nameservers: ['10.0.0.2'], search: [] });
    expect(rc.notes.join()).toMatch(/no clusterDNS.*MissingClusterDNS/);
  });

  it('resolvConf "" : Default pods get 127.0.0.1 and search "."', () => {
    const n = cap({ files: { '/var/lib/kubelet/config.yaml': 'kind: KubeletConfiguration\nclusterDNS: [10.96.0.10]\nresolvConf: ""\n' } });
    expect(podResolvConf(pod({ dnsPolicy: 'Default' }), dnsOf(n))).toMatchObject({ nameservers: ['127.0.0.1'], search: ['.'] });
  });

  it('the search line is cut to the kubelet’s limits, with a note', () => {
    const many = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
    const rc = podResolvConf(pod({ dnsConfig: { searches: many } }), dnsOf(node));
    expect(rc.search).toHaveLength(32);
    expect(rc.notes.join()).toMatch(/search line over the kubelet's limits.*d28\.example/);
  });
});

describe('the kubelet’s reading rules', () => {
  it('every nameserver, the last search line without trailing dots, the last options line; domain is ignored', () => {
    const f = parseResolvConf('domain corp.example\nnameserver 10.0.0.1\nsearch a.example\nnameserver 10.0.0.2\nsearch b.example. c.example\noptions ndots:2\noptions rotate\n', { source: 't' }).value;
    expect(kubeletReading(f)).toEqual({ nameservers: ['10.0.0.1', '10.0.0.2'], search: ['b.example', 'c.example'], options: [{ name: 'rotate' }] });
  });
  it('search limits: 32 domains, 2048 characters (cut from the end), no domain over 253 characters', () => {
    const long = 'x'.repeat(254);
    expect(fitSearch(['a', long, 'b'])).toEqual({ search: ['a', 'b'], dropped: [long] });
    const wide = Array.from({ length: 10 }, (_, i) => `${i}${'y'.repeat(249)}`);
    expect(fitSearch(wide).search).toHaveLength(8);
  });
  it('recognises the cluster part of a ClusterFirst search line', () => {
    expect(clusterSearchOf(['ns1.svc.k8s.corp', 'svc.k8s.corp', 'k8s.corp', 'corp'])).toEqual({ domain: 'k8s.corp', namespace: 'ns1', nodeSearch: ['corp'] });
    expect(clusterSearchOf(['ec2.internal'])).toBeUndefined();
  });
});

describe('nodeDns: a probe pod file that is not a ClusterFirst rendering', () => {
  it('is noted, never taken as the kubelet having no clusterDNS', () => {
    const n = nodeDns('n1', cap({ dumps: { 'pod-resolv-conf': podFile('nameserver 10.0.0.2\nsearch ec2.internal\n') } }));
    expect(n.clusterDNS).toBeUndefined();
    expect(n.host).toBeUndefined();
    expect(n.notes.join()).toMatch(/no cluster search path.*may have no clusterDNS/);
    expect(podResolvConf(pod(), dnsOf(cap({ dumps: { 'pod-resolv-conf': podFile('nameserver 10.0.0.2\n') } })))).toMatchObject({ policy: 'ClusterFirst', nameservers: ['10.96.0.10'] });
  });
});
