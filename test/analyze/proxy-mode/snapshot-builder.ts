/** Hand-built Snapshots for proxy-mode tests: API objects in code, node dumps from the real corpus. */
import { parse as parseYaml } from 'yaml';
import type { DumpResult, RawObject, Snapshot } from '../../../src/snapshot/types.js';
import { readCorpus } from '../../support/corpus.js';
import { snapshotOf } from '../../support/snapshot.js';

export const dump = (stdout: string, argv: string[] = ['cmd'], exitCode = 0, stderr = ''): DumpResult => ({ argv, stdout, stderr, exitCode });

export function snapshot(parts: { objects?: Record<string, RawObject[]>; nodes?: Record<string, Record<string, DumpResult>>; gitVersion?: string }): Snapshot {
  return snapshotOf({
    objects: { configmaps: [], daemonsets: [], pods: [], nodes: [], ...parts.objects },
    ...(parts.gitVersion ? { cluster: { serverVersion: { gitVersion: parts.gitVersion } } } : {}),
    nodes: Object.fromEntries(Object.entries(parts.nodes ?? {}).map(([n, dumps]) => [n, { dumps }])),
  });
}

export const yamlCorpus = (...p: string[]): RawObject => parseYaml(readCorpus(...p)) as RawObject;

export const node = (name: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string>; kubeletVersion?: string } = {}): RawObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}), ...(extra.annotations ? { annotations: extra.annotations } : {}) },
  status: { nodeInfo: { kubeletVersion: extra.kubeletVersion ?? 'v1.34.0' } },
});

export const configMap = (name: string, data: Record<string, string>, meta: Record<string, unknown> = {}): RawObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'kube-system', ...meta },
  data,
});

/** A KubeProxyConfiguration document with the given mode line (`undefined` = no mode field). */
export const kpConfig = (mode: string | undefined): string =>
  `apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclusterCIDR: 10.244.0.0/16\n${mode === undefined ? '' : `mode: ${mode}\n`}`;

export const kubeProxyPod = (name: string, nodeName: string, opts: { image?: string; args?: string[]; mirror?: boolean; startedAt?: string } = {}): RawObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: 'kube-system',
    labels: opts.mirror ? { component: 'kube-proxy' } : { 'k8s-app': 'kube-proxy' },
    ...(opts.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'abc' }, ownerReferences: [{ kind: 'Node', name: nodeName, apiVersion: 'v1', uid: 'x' }] } : { ownerReferences: [{ kind: 'DaemonSet', name: 'kube-proxy', apiVersion: 'apps/v1', uid: 'y' }] }),
  },
  spec: { nodeName, containers: [{ name: 'kube-proxy', image: opts.image ?? 'registry.k8s.io/kube-proxy:v1.34.0', command: ['/usr/local/bin/kube-proxy'], args: opts.args ?? ['--config=/var/lib/kube-proxy/config.conf'] }] },
  status: { phase: 'Running', ...(opts.startedAt ? { startTime: opts.startedAt } : {}) },
});

export const daemonSet = (name: string, container: Record<string, unknown>, volumes: unknown[] = []): RawObject => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name, namespace: 'kube-system' },
  spec: { template: { spec: { containers: [container], volumes } } },
});

/** Real dumps from the corpus, keyed like a node capture. */
export const corpusDumps = {
  /** kube-proxy iptables mode, loaded into a kernel and saved back by iptables-nft-save (no mangle table). */
  iptablesMode: (): DumpResult => dump(readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-save.rules'), ['iptables-nft-save']),
  /** kube-proxy iptables rules plus kubelet's KUBE-IPTABLES-HINT / KUBE-KUBELET-CANARY in mangle. */
  iptablesWithCanary: (): DumpResult => dump(readCorpus('iptables', 'k8s-cleanup-test-initial-filter-nat-mangle.rules'), ['iptables-save']),
  /** `nft -j list ruleset` of a k3s node in nftables mode. */
  nftMode: (): DumpResult => dump(readCorpus('kernel-redump', 'k3s-kube-proxy-nftables.nft.json'), ['nft', '-j', 'list', 'ruleset']),
  /** `nft -j list ruleset` of an iptables-nft node: only iptables tables, no kube-proxy table. */
  nftOfIptablesNode: (): DumpResult => dump(readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-nft.nft.json'), ['nft', '-j', 'list', 'ruleset']),
  /** flannel's own nft table only. */
  nftFlannelOnly: (): DumpResult => dump(readCorpus('kernel-redump', 'flannel-ipv4-nftables.nft.json'), ['nft', '-j', 'list', 'ruleset']),
  ipvsMinikube: (): DumpResult => dump(readCorpus('ipvs', 'real-minikube-ipvs-ipvsadm-ln.txt'), ['ipvsadm', '-Ln']),
  ipvsCalico: (): DumpResult => dump(readCorpus('ipvs', 'real-k8s1.20-calico-ipvs-ipvsadm-Ln-with-nodeports.txt'), ['ipvsadm', '-Ln']),
};

/** `ip -d -j link` with lo, eth0 and (optionally) the kube-ipvs0 dummy, shaped like iproute2's JSON. */
export function linkDump(withIpvs: boolean): DumpResult {
  const links: unknown[] = [
    { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, operstate: 'UNKNOWN', link_type: 'loopback', address: '00:00:00:00:00:00' },
    { ifindex: 2, ifname: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', link_type: 'ether', address: '02:42:ac:12:00:02' },
  ];
  if (withIpvs) links.push({ ifindex: 5, ifname: 'kube-ipvs0', flags: ['BROADCAST', 'NOARP'], mtu: 1500, operstate: 'DOWN', link_type: 'ether', address: '36:1e:3c:1d:5b:aa', linkinfo: { info_kind: 'dummy' } });
  return dump(JSON.stringify(links), ['ip', '-d', '-j', 'link', 'show']);
}
