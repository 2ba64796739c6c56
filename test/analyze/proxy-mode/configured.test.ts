/** Configured mode per source: kubeadm, EKS, other ConfigMaps, DaemonSet and static-pod flags, hints, replacements. */
import { describe, expect, it } from 'vitest';
import { analyzeProxyMode } from '../../../src/analyze/proxy-mode/index.js';
import { configuredMode } from '../../../src/analyze/proxy-mode/configured.js';
import type { RawObject } from '../../../src/snapshot/types.js';
import { readCorpus } from '../../support/corpus.js';
import { configMap, daemonSet, kpConfig, kubeProxyPod, node, snapshot, yamlCorpus } from './snapshot-builder.js';

const kubeadmDs = () => yamlCorpus('kube-proxy-config', 'real-kubeadm-k8s1.34-canal-kube-proxy-daemonset.yaml');
const codes = (objects: Record<string, RawObject[]>) => analyzeProxyMode(snapshot({ objects })).findings.map((f) => f.code);

/** The EKS DaemonSet shape: `kube-proxy --v=2 --config=/var/lib/kube-proxy-config/config` with the kube-proxy-config ConfigMap mounted. */
const eksDs = (extraArgs: string[] = []) =>
  daemonSet(
    'kube-proxy',
    {
      name: 'kube-proxy',
      image: '602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy:v1.34.0-eksbuild.2',
      command: ['kube-proxy', '--v=2', '--config=/var/lib/kube-proxy-config/config', '--hostname-override=$(NODE_NAME)', ...extraArgs],
      volumeMounts: [{ name: 'config', mountPath: '/var/lib/kube-proxy-config/' }],
    },
    [{ name: 'config', configMap: { name: 'kube-proxy-config' } }],
  );

describe('configured mode', () => {
  it('kubeadm: ConfigMap kube-system/kube-proxy config.conf with mode "" → iptables by default, mounted by the DaemonSet', () => {
    const c = configuredMode(snapshot({ objects: { configmaps: [yamlCorpus('kube-proxy-config', 'real-kubeadm-k8s1.34-canal-kube-proxy-configmap.yaml')], daemonsets: [kubeadmDs()] } }));
    expect(c.mode).toBe('iptables');
    expect(c.defaulted).toBe(true);
    expect(c.sources[c.decidedBy!]).toMatchObject({ kind: 'config-file', object: 'ConfigMap kube-system/kube-proxy', key: 'config.conf', mountedBy: 'DaemonSet kube-system/kube-proxy', evidence: 'config.conf: mode empty or not set' });
    expect(c.assumptions.join(' ')).toMatch(/empty or missing mode means iptables/);
  });

  it('kubeadm: mode nftables', () => {
    const c = configuredMode(snapshot({ objects: { configmaps: [yamlCorpus('kube-proxy-config', 'real-kubeadm-kube-proxy-configmap-mode-nftables.yaml')], daemonsets: [kubeadmDs()] } }));
    expect(c).toMatchObject({ mode: 'nftables', defaulted: false });
  });

  it('EKS: ConfigMap kube-system/kube-proxy-config key config, mounted through --config', () => {
    const cm = configMap('kube-proxy-config', { config: readCorpus('kube-proxy-config', 'real-eks-1.34-kube-proxy-config-configmap-data-config.yaml') });
    const c = configuredMode(snapshot({ objects: { configmaps: [cm], daemonsets: [eksDs()] } }));
    expect(c).toMatchObject({ mode: 'iptables', defaulted: false });
    expect(c.sources[c.decidedBy!]).toMatchObject({ object: 'ConfigMap kube-system/kube-proxy-config', key: 'config', mountedBy: 'DaemonSet kube-system/kube-proxy' });
  });

  it('any other ConfigMap holding a KubeProxyConfiguration counts, with the assumption said', () => {
    const c = configuredMode(snapshot({ objects: { configmaps: [configMap('proxy-settings', { 'kp.yaml': kpConfig('ipvs') })], pods: [kubeProxyPod('kube-proxy-a', 'n1')] } }));
    expect(c.mode).toBe('ipvs');
    expect(c.assumptions.join(' ')).toMatch(/no DaemonSet mounts this ConfigMap/);
  });

  it('a KubeProxyConfiguration without a mode field (v1alpha2 defaults) → the default', () => {
    const cm = configMap('kube-proxy', { 'config.conf': readCorpus('kube-proxy-config', 'k8s-KubeProxyConfiguration-v1alpha2-defaulted.yaml') });
    const c = configuredMode(snapshot({ objects: { configmaps: [cm], daemonsets: [kubeadmDs()] } }));
    expect(c).toMatchObject({ mode: 'iptables', defaulted: true });
    expect(c.sources[0]?.evidence).toBe('config.conf: mode empty or not set');
  });

  it('a kind Cluster config is not a KubeProxyConfiguration and is ignored', () => {
    const c = configuredMode(snapshot({ objects: { configmaps: [configMap('kind-cfg', { cfg: readCorpus('kube-proxy-config', 'kind-cluster-config-kubeProxyMode-nftables.yaml') })], daemonsets: [kubeadmDs()] } }));
    expect(c.sources.filter((s) => s.kind === 'config-file')).toEqual([]);
    expect(c.mode).toBe('unknown');
  });

  it('DaemonSet --proxy-mode without --config decides', () => {
    const ds = daemonSet('kube-proxy', { name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.33.1', command: ['/usr/local/bin/kube-proxy', '--proxy-mode=ipvs'] });
    const c = configuredMode(snapshot({ objects: { daemonsets: [ds] } }));
    expect(c.mode).toBe('ipvs');
    expect(c.sources[c.decidedBy!]).toMatchObject({ kind: 'flag', object: 'DaemonSet kube-system/kube-proxy', evidence: '--proxy-mode=ipvs' });
  });

  it('flag and --config together: the config file wins (stated), and the ignored flag is a finding', () => {
    const cm = configMap('kube-proxy-config', { config: readCorpus('kube-proxy-config', 'real-eks-1.34-kube-proxy-config-configmap-data-config.yaml') });
    const s = snapshot({ objects: { configmaps: [cm], daemonsets: [eksDs(['--proxy-mode', 'ipvs'])] } });
    const r = analyzeProxyMode(s);
    expect(r.configured.mode).toBe('iptables');
    expect(r.configured.assumptions.join(' ')).toMatch(/takes the mode from the config file and ignores --proxy-mode/);
    expect(r.findings.find((f) => f.code === 'flag-ignored')?.message).toMatch(/--proxy-mode=ipvs but also --config=\/var\/lib\/kube-proxy-config\/config; the config file's mode \(iptables\) wins/);
    expect(r.findings.map((f) => f.code)).not.toContain('config-sources-disagree');
  });

  it('RKE2 static pods: --proxy-mode from the mirror pod args (corpus fragment), each node held to its own pod', () => {
    const args = readCorpus('kube-proxy-config', 'real-rke2-kube-proxy-static-pod-args.ANNOTATED-FRAGMENT.txt')
      .split('\n')
      .map((l) => /^\s*- (--\S+)/.exec(l)?.[1])
      .filter((a): a is string => a !== undefined);
    expect(args).toContain('--proxy-mode=iptables');
    const r = analyzeProxyMode(snapshot({ objects: { pods: [kubeProxyPod('kube-proxy-k8s-node1', 'k8s-node1', { args, mirror: true, image: 'rancher/hardened-kubernetes:v1.33.1-rke2r1-build20250515' }), kubeProxyPod('kube-proxy-k8s-node2', 'k8s-node2', { args: ['--proxy-mode=ipvs'], mirror: true })] } }));
    expect(r.configured.mode).toBe('iptables');
    expect(r.configured.sources.filter((x) => x.kind === 'flag').map((x) => x.kind === 'flag' && x.object)).toEqual([
      'static Pod kube-system/kube-proxy-k8s-node1 (node k8s-node1)',
      'static Pod kube-system/kube-proxy-k8s-node2 (node k8s-node2)',
    ]);
    expect(r.findings.find((f) => f.code === 'config-sources-disagree')?.message).toMatch(/iptables vs ipvs/);
    expect(r.nodes.find((n) => n.node === 'k8s-node1')?.kubeProxy).toMatchObject({ via: 'static', version: 'v1.33.1-rke2r1-build20250515' });
  });

  it('k3s: hints from node labels and node-args (labelled as hints)', () => {
    const k3s = node('k3s-server', { labels: { 'node.kubernetes.io/instance-type': 'k3s' }, annotations: { 'k3s.io/node-args': JSON.stringify(['server', '--kube-proxy-arg', 'proxy-mode=ipvs']) }, kubeletVersion: 'v1.33.3+k3s1' });
    const c = configuredMode(snapshot({ objects: { nodes: [k3s] } }));
    expect(c.mode).toBe('ipvs');
    expect(c.sources).toEqual([expect.objectContaining({ kind: 'hint', distro: 'k3s', evidence: expect.stringMatching(/label node.kubernetes.io\/instance-type=k3s; node args: --kube-proxy-arg proxy-mode=ipvs/) })]);
    expect(c.assumptions.join(' ')).toMatch(/distribution hint/);
  });

  it('k3s without a proxy-mode arg → the default; with --disable-kube-proxy → none', () => {
    expect(configuredMode(snapshot({ objects: { nodes: [node('a', { kubeletVersion: 'v1.33.3+k3s1' })] } }))).toMatchObject({ mode: 'iptables', defaulted: true });
    const disabled = node('a', { annotations: { 'k3s.io/node-args': '["server","--disable-kube-proxy"]' } });
    expect(configuredMode(snapshot({ objects: { nodes: [disabled] } })).mode).toBe('none');
  });

  it('Cilium kube-proxy replacement: "true" with no kube-proxy → replaced; legacy values explained', () => {
    const c = configuredMode(snapshot({ objects: { configmaps: [configMap('cilium-config', { 'kube-proxy-replacement': 'true' })] } }));
    expect(c.mode).toBe('replaced');
    expect(c.sources).toContainEqual(expect.objectContaining({ kind: 'replacement', by: 'cilium', state: 'full' }));
    const legacy = configuredMode(snapshot({ objects: { configmaps: [configMap('cilium-config', { 'kube-proxy-replacement': 'strict' })] } }));
    expect(legacy.sources[0]).toMatchObject({ state: 'full', evidence: 'kube-proxy-replacement: "strict" (legacy value, before Cilium 1.14)' });
    const partial = configuredMode(snapshot({ objects: { configmaps: [configMap('cilium-config', { 'kube-proxy-replacement': 'partial' })] } }));
    expect(partial.mode).toBe('none');
  });

  it('GKE Dataplane V2: anetd DaemonSet replaces kube-proxy', () => {
    const c = configuredMode(snapshot({ objects: { daemonsets: [daemonSet('anetd', { name: 'cilium-agent', image: 'gke.gcr.io/cilium/cilium:v1.15' })] } }));
    expect(c.mode).toBe('replaced');
  });

  it('an unrecognised mode is reported, never mapped', () => {
    const r = analyzeProxyMode(snapshot({ objects: { configmaps: [configMap('kube-proxy', { 'config.conf': kpConfig('IPVS') })], daemonsets: [kubeadmDs()] } }));
    expect(r.configured.mode).toBe('unrecognised');
    expect(r.findings.find((f) => f.code === 'unrecognised-mode')?.message).toMatch(/"IPVS"/);
  });

  it('kube-proxy and Cilium KPR both present → double-proxy; no kube-proxy and nothing else → no-service-proxy', () => {
    expect(codes({ configmaps: [configMap('cilium-config', { 'kube-proxy-replacement': 'true' })], daemonsets: [kubeadmDs()] })).toContain('double-proxy');
    expect(codes({ configmaps: [configMap('cilium-config', { 'kube-proxy-replacement': 'true' })] })).not.toContain('no-service-proxy');
    const r = analyzeProxyMode(snapshot({ objects: { nodes: [node('a')] } }));
    expect(r.configured.mode).toBe('none');
    expect(r.configured.sources).toEqual([{ kind: 'absent', evidence: 'no kube-proxy DaemonSet and no kube-proxy pods in kube-system; no node was probed for a kube-proxy outside Kubernetes' }]);
    // Not probed: a kube-proxy outside Kubernetes (systemd) cannot be ruled out, so a warning, not an error.
    expect(r.findings.find((f) => f.code === 'no-service-proxy')?.severity).toBe('warning');
  });
});

describe('configured mode: --config without a resolvable mount', () => {
  it('a DaemonSet with --config and --proxy-mode but no volume mount: the kube-proxy ConfigMap still wins, assumption said', () => {
    const ds = daemonSet('kube-proxy', { name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.33.4', command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--proxy-mode=ipvs'] });
    const c = configuredMode(snapshot({ objects: { configmaps: [configMap('kube-proxy', { 'config.conf': kpConfig('nftables') })], daemonsets: [ds] } }));
    expect(c.mode).toBe('nftables');
    expect(c.assumptions).toEqual([expect.stringMatching(/takes the mode from the config file/), 'no DaemonSet mounts this ConfigMap: assumed to be the one kube-proxy reads']);
  });

  it('…and with no ConfigMap at all the flag is shown, saying the file is unknown', () => {
    const ds = daemonSet('kube-proxy', { name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.33.4', command: ['/usr/local/bin/kube-proxy', '--config=/etc/kp.yaml', '--proxy-mode=ipvs'] });
    const c = configuredMode(snapshot({ objects: { daemonsets: [ds] } }));
    expect(c.mode).toBe('ipvs');
    expect(c.assumptions.join(' ')).toMatch(/--config file kube-proxy reads is not in any ConfigMap/);
  });
});
