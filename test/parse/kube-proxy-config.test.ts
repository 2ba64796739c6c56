import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseKubeProxyConfigz, parseKubeProxySource, type KubeProxyConfig, type KubeProxySource } from '../../src/parse/kube-proxy-config.js';
import { parseKubeProxyArgs } from '../../src/parse/kube-proxy-flags.js';
import { kubeProxySettings } from '../../src/parse/kube-proxy-settings.js';
import { ParseError } from '../../src/util/parse-error.js';
import { corpusFiles, readCorpus } from '../support/corpus.js';
import { thrown } from './fixtures.js';

const parse = (f: string) => parseKubeProxySource(readCorpus('kube-proxy-config', f), { source: f });
const config = (f: string): KubeProxyConfig => {
  const v: KubeProxySource = parse(f).value;
  if (v.kind !== 'config') throw new Error(`${f}: ${v.kind}`);
  return v.config;
};

describe('parseKubeProxySource on the corpus', () => {
  it('gives a typed result for every file', () => {
    const kinds = corpusFiles('kube-proxy-config').map((f) => [f, parse(f).value.kind]);
    expect(kinds).toEqual([
      ['k8s-KubeProxyConfiguration-v1alpha1-defaulted.yaml', 'config'],
      ['k8s-KubeProxyConfiguration-v1alpha2-defaulted.yaml', 'config'],
      ['kind-cluster-config-kubeProxyMode-nftables.yaml', 'kind-cluster'],
      ['real-eks-1.34-kube-proxy-config-configmap-data-config.yaml', 'config'],
      ['real-kubeadm-k8s1.34-canal-kube-proxy-configmap.yaml', 'config'],
      ['real-kubeadm-k8s1.34-canal-kube-proxy-daemonset.yaml', 'workload'],
      ['real-kubeadm-kube-proxy-configmap-mode-nftables.yaml', 'config'],
      ['real-rke2-kube-proxy-static-pod-args.ANNOTATED-FRAGMENT.txt', 'workload'],
    ]);
  });
  it('applies the empty-mode default and the documented defaults (v1alpha1)', () => {
    expect(config('k8s-KubeProxyConfiguration-v1alpha1-defaulted.yaml')).toMatchObject({
      modeRaw: '', mode: 'iptables', modeDefaulted: true, clusterCIDRs: [], masqueradeBit: 14, masqueradeAll: false,
      metricsBindAddress: '127.0.0.1:10249', healthzBindAddress: '0.0.0.0:10256', ipvs: { scheduler: 'rr', strictARP: false, excludeCIDRs: [] },
      iptables: { localhostNodePorts: true, syncPeriod: '30s' },
    });
  });
  it('reads the v1alpha2 layout (linux.masqueradeAll, metricsBindAddresses)', () => {
    expect(config('k8s-KubeProxyConfiguration-v1alpha2-defaulted.yaml')).toMatchObject({ apiVersion: 'kubeproxy.config.k8s.io/v1alpha2', mode: 'iptables', masqueradeAll: false, metricsBindAddress: '127.0.0.0/8,::1/128:10249' });
  });
  it('reads kubeadm ConfigMaps through config.conf', () => {
    const v = parse('real-kubeadm-kube-proxy-configmap-mode-nftables.yaml').value;
    expect(v).toMatchObject({ kind: 'config', from: 'ConfigMap', configMapKey: 'config.conf', config: { mode: 'nftables', modeDefaulted: false, clusterCIDRs: ['10.244.0.0/16'], masqueradeBit: 14 } });
    expect(config('real-kubeadm-k8s1.34-canal-kube-proxy-configmap.yaml')).toMatchObject({ mode: 'iptables', clusterCIDRs: ['172.17.0.0/16'], metricsBindAddress: '127.0.0.1:10249' });
  });
  it('reads the EKS config (quoted mode, empty clusterCIDR, metrics on 0.0.0.0)', () => {
    expect(config('real-eks-1.34-kube-proxy-config-configmap-data-config.yaml')).toMatchObject({ mode: 'iptables', modeDefaulted: false, clusterCIDRs: [], metricsBindAddress: '0.0.0.0:10249' });
  });
  it('reads DaemonSet args, and the annotated RKE2 fragment with a warning per annotated flag', () => {
    expect(parse('real-kubeadm-k8s1.34-canal-kube-proxy-daemonset.yaml').value).toMatchObject({ kind: 'workload', from: 'DaemonSet', container: 'kube-proxy', flags: { configPath: '/var/lib/kube-proxy/config.conf', hostnameOverride: '$(NODE_NAME)' } });
    const rke = parse('real-rke2-kube-proxy-static-pod-args.ANNOTATED-FRAGMENT.txt');
    expect(rke.value).toMatchObject({ kind: 'workload', from: 'pod-spec', flags: { mode: 'iptables', clusterCIDRs: ['10.42.0.0/16'], healthzBindAddress: '127.0.0.1' } });
    expect(rke.value.kind === 'workload' && rke.value.flags.all['conntrack-max-per-core']).toBe('0');
    expect(rke.warnings.filter((w) => w.code === 'flag-trailing-text')).toHaveLength(3);
  });
  it('reads the kind cluster mode', () => {
    expect(parse('kind-cluster-config-kubeProxyMode-nftables.yaml').value).toEqual({ kind: 'kind-cluster', kubeProxyMode: 'nftables' });
  });
});

describe('kube-proxy args and settings', () => {
  it('splits dual-stack cluster CIDRs and reads both flag spellings', () => {
    const { flags } = parseKubeProxyArgs(['kube-proxy', '--proxy-mode', 'ipvs', '--cluster-cidr=10.244.0.0/16,fd00:10:244::/56', '--masquerade-all'], 'args');
    expect(flags).toMatchObject({ mode: 'ipvs', clusterCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'], masqueradeAll: true });
  });
  it('prefers the config file and reports differing flags', () => {
    const cfg = config('real-kubeadm-kube-proxy-configmap-mode-nftables.yaml');
    const { flags } = parseKubeProxyArgs(['--config=/var/lib/kube-proxy/config.conf', '--proxy-mode=iptables'], 'ds');
    expect(kubeProxySettings(cfg, flags)).toEqual({ mode: 'nftables', modeFrom: 'config', clusterCIDRs: ['10.244.0.0/16'], masqueradeBit: 14, conflicts: [{ flag: 'proxy-mode', flagValue: 'iptables', configValue: 'nftables' }] });
    expect(kubeProxySettings(undefined, flags).modeFrom).toBe('flags');
    expect(kubeProxySettings(undefined, undefined)).toMatchObject({ mode: 'iptables', modeFrom: 'default' });
  });
  it('rejects other objects and broken YAML with positions', () => {
    expect(thrown(() => parseKubeProxySource('kind: Service\nmetadata: {name: x}\n', { source: 's' }))).toMatchObject({ path: 'kind' });
    const e = thrown(() => parseKubeProxySource('mode: [\n', { source: 'y' }));
    expect(e).toBeInstanceOf(ParseError);
    expect((e as ParseError).line).toBeGreaterThan(0);
    expect(thrown(() => parseKubeProxySource('kind: ConfigMap\ndata:\n  other: x\n', { source: 'cm' }))).toMatchObject({ path: 'data' });
  });
});

describe('parseKubeProxyConfigz: kube-proxy /configz, the loaded configuration as JSON under its API group', () => {
  // /configz serves the same KubeProxyConfiguration the file holds, as JSON under "kubeproxy.config.k8s.io" (older
  // kube-proxies without apiVersion and kind): the corpus' defaulted configuration, served that way, reads the same.
  const isConfig = (f: string) => f.endsWith('.yaml') && (YAML.parse(readCorpus('kube-proxy-config', f)) as { kind?: unknown } | null)?.kind === 'KubeProxyConfiguration';
  const files = corpusFiles('kube-proxy-config').filter(isConfig);
  it('reads every KubeProxyConfiguration of the corpus', () => expect(files.length).toBeGreaterThanOrEqual(3));
  for (const f of files) {
    it(f, () => {
      const doc = YAML.parse(readCorpus('kube-proxy-config', f)) as Record<string, unknown>;
      const { apiVersion: _a, kind: _k, ...internal } = doc;
      const served = JSON.stringify({ 'kubeproxy.config.k8s.io': f.includes('v1alpha2') ? doc : internal });
      expect(parseKubeProxyConfigz(served, { source: 'configz' }).value).toEqual(config(f));
    });
  }

  it('names what is wrong with something that is not /configz', () => {
    expect(thrown(() => parseKubeProxyConfigz('<html>', { source: 'configz' }))).toMatchObject({ message: expect.stringMatching(/^configz: not JSON: /) });
    expect(thrown(() => parseKubeProxyConfigz('{"kubeletconfig": {}}', { source: 'configz' }))).toMatchObject({ message: 'configz: no "kubeproxy.config.k8s.io" object: not kube-proxy\'s /configz' });
    expect(thrown(() => parseKubeProxyConfigz('[]', { source: 'configz' }))).toBeInstanceOf(ParseError);
  });
});
