/** Findings: mismatch, disagreement, IPVS not active, version notes — each on a hand-built cluster with real dumps. */
import { describe, expect, it } from 'vitest';
import { analyzeProxyMode } from '../../../src/analyze/proxy-mode/index.js';
import type { RawObject } from '../../../src/snapshot/types.js';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from '../../support/corpus.js';
import { configMap, corpusDumps as c, daemonSet, dump, kpConfig, kubeProxyPod, linkDump, node, snapshot, yamlCorpus } from './snapshot-builder.js';

const kubeadmDs = () => yamlCorpus('kube-proxy-config', 'real-kubeadm-k8s1.34-canal-kube-proxy-daemonset.yaml');
const iptablesNoKube = () => dump(readFileSync(`${REPO_ROOT}/test/fixtures/netfilter/zoo.iptables-save.rules`, 'utf8'), ['iptables-nft-save']);
const nftNode = () => ({ 'iptables-nft': iptablesNoKube(), nft: c.nftMode(), link: linkDump(false), ipvs: dump('') });
const iptNode = () => ({ 'iptables-nft': c.iptablesWithCanary(), nft: c.nftOfIptablesNode(), link: linkDump(false), ipvs: dump('') });
const ipvsNode = () => ({ 'iptables-nft': iptablesNoKube(), nft: c.nftFlannelOnly(), link: linkDump(true), ipvs: c.ipvsCalico() });

/** kubeadm cluster whose ConfigMap says `mode`, last written at `changed`. */
function kubeadm(mode: string, changed = '2026-11-21T09:00:00Z'): RawObject[] {
  return [configMap('kube-proxy', { 'config.conf': kpConfig(mode) }, { creationTimestamp: '2026-10-01T00:00:00Z', managedFields: [{ manager: 'kubectl-edit', operation: 'Update', time: changed }] })];
}

describe('findings', () => {
  it('configured vs effective mismatch: names the pod that predates the ConfigMap change and how to restart it', () => {
    const r = analyzeProxyMode(
      snapshot({
        objects: {
          configmaps: kubeadm('nftables'),
          daemonsets: [kubeadmDs()],
          nodes: [node('kind-worker'), node('kind-worker2'), node('kind-worker3')],
          pods: [kubeProxyPod('kube-proxy-aaaa', 'kind-worker', { startedAt: '2026-11-21T10:00:00Z' }), kubeProxyPod('kube-proxy-x7k2', 'kind-worker2', { startedAt: '2026-11-19T10:00:00Z' }), kubeProxyPod('kube-proxy-cccc', 'kind-worker3', { startedAt: '2026-11-21T10:00:00Z' })],
        },
        nodes: { 'kind-worker': nftNode(), 'kind-worker2': iptNode(), 'kind-worker3': nftNode() },
        gitVersion: 'v1.34.1',
      }),
    );
    expect(r.configured).toMatchObject({ mode: 'nftables' });
    expect(r.nodes.map((n) => [n.node, n.effective.kind === 'known' ? n.effective.mode : n.effective.kind, n.differs])).toEqual([
      ['kind-worker', 'nftables', false],
      ['kind-worker2', 'iptables', true],
      ['kind-worker3', 'nftables', false],
    ]);
    const f = r.findings.find((x) => x.code === 'configured-effective-mismatch');
    expect(f).toMatchObject({ node: 'kind-worker2', severity: 'warning' });
    expect(f?.message).toBe('kind-worker2 runs iptables but nftables is configured: its kube-proxy pod predates the ConfigMap change (pod started 2026-11-19T10:00:00Z, ConfigMap kube-system/kube-proxy last written 2026-11-21T09:00:00Z)');
    expect(f?.nextSteps[0]).toBe('kubectl -n kube-system delete pod kube-proxy-x7k2');
    expect(r.findings.find((x) => x.code === 'nodes-disagree')?.message).toBe('nodes run different proxy modes (nftables: kind-worker, kind-worker3; iptables: kind-worker2)');
    expect(r.findings.filter((x) => x.code === 'configured-effective-mismatch')).toHaveLength(1);
  });

  it('a pod started after the change gets no staleness claim', () => {
    const r = analyzeProxyMode(snapshot({ objects: { configmaps: kubeadm('nftables'), daemonsets: [kubeadmDs()], pods: [kubeProxyPod('kube-proxy-x', 'n1', { startedAt: '2026-11-22T00:00:00Z' })] }, nodes: { n1: iptNode() } }));
    expect(r.findings.find((x) => x.code === 'configured-effective-mismatch')?.message).toBe('n1 runs iptables but nftables is configured');
  });

  it('IPVS configured but not active: says which IPVS signals are missing', () => {
    const r = analyzeProxyMode(snapshot({ objects: { configmaps: kubeadm('ipvs'), daemonsets: [kubeadmDs()], pods: [kubeProxyPod('kube-proxy-q', 'n1')] }, nodes: { n1: iptNode() }, gitVersion: 'v1.33.0' }));
    const f = r.findings.find((x) => x.code === 'ipvs-not-active');
    expect(f?.message).toBe('IPVS is configured but n1 runs iptables (no kube-ipvs0 link, no IPVS virtual servers)');
    expect(f?.nextSteps).toContain('on node n1: lsmod | grep ip_vs');
    expect(r.findings.map((x) => x.code)).not.toContain('ipvs-deprecated');
  });

  it('IPVS on 1.35+ → deprecation info; IPVS matching its configuration → no mismatch', () => {
    const r = analyzeProxyMode(snapshot({ objects: { configmaps: kubeadm('ipvs'), daemonsets: [kubeadmDs()] }, nodes: { n1: ipvsNode() }, gitVersion: 'v1.35.0' }));
    expect(r.nodes[0]!.effective).toMatchObject({ kind: 'known', mode: 'ipvs' });
    expect(r.findings.map((x) => [x.code, x.severity])).toEqual([['ipvs-deprecated', 'info']]);
  });

  it('nftables on a server older than 1.31 → warning (alpha gate)', () => {
    const r = analyzeProxyMode(snapshot({ objects: { configmaps: kubeadm('nftables'), daemonsets: [kubeadmDs()] }, nodes: { n1: nftNode() }, gitVersion: 'v1.30.4' }));
    expect(r.findings.find((x) => x.code === 'nftables-too-old')?.message).toMatch(/alpha before Kubernetes 1.31 .*server v1.30.4/);
    const ok = analyzeProxyMode(snapshot({ objects: { configmaps: kubeadm('nftables'), daemonsets: [kubeadmDs()] }, nodes: { n1: nftNode() }, gitVersion: 'v1.31.0' }));
    expect(ok.findings).toEqual([]);
  });

  it('kube-proxy absent, nothing replaces it, probed nodes show no service rules → error', () => {
    const r = analyzeProxyMode(snapshot({ objects: { nodes: [node('n1')] }, nodes: { n1: { 'iptables-nft': iptablesNoKube(), nft: c.nftFlannelOnly(), link: linkDump(false), ipvs: dump('') } } }));
    expect(r.findings.find((x) => x.code === 'no-service-proxy')).toMatchObject({ severity: 'error' });
  });

  it('kube-proxy absent but a node holds populated rules → leftovers or a kube-proxy outside Kubernetes', () => {
    const r = analyzeProxyMode(snapshot({ objects: { nodes: [node('n1')] }, nodes: { n1: iptNode() } }));
    expect(r.findings.map((x) => x.code)).not.toContain('no-service-proxy');
    expect(r.findings.find((x) => x.code === 'configured-effective-mismatch')?.message).toMatch(/no kube-proxy runs in the cluster: leftovers, or a kube-proxy outside Kubernetes \(systemd\)/);
  });

  it('Cilium KPR plus a running kube-proxy DaemonSet → double-proxy', () => {
    const r = analyzeProxyMode(snapshot({ objects: { configmaps: [...kubeadm(''), configMap('cilium-config', { 'kube-proxy-replacement': 'true' })], daemonsets: [kubeadmDs(), daemonSet('cilium', { name: 'cilium-agent', image: 'quay.io/cilium/cilium:v1.16.0' })] } }));
    expect(r.findings.find((x) => x.code === 'double-proxy')?.message).toMatch(/kube-proxy runs AND ConfigMap kube-system\/cilium-config replaces it/);
  });

  it('a healthy cluster has no findings', () => {
    const r = analyzeProxyMode(snapshot({ objects: { configmaps: kubeadm('nftables'), daemonsets: [kubeadmDs()], nodes: [node('a'), node('b')] }, nodes: { a: nftNode(), b: nftNode() }, gitVersion: 'v1.34.1' }));
    expect(r.findings).toEqual([]);
    expect(r.nodes.every((n) => !n.differs)).toBe(true);
  });
});

describe('static pods', () => {
  it('each node is held to its own static pod: no mismatch where the node runs what its pod says', () => {
    const r = analyzeProxyMode(
      snapshot({
        objects: { pods: [kubeProxyPod('kube-proxy-a', 'a', { args: ['--proxy-mode=iptables'], mirror: true }), kubeProxyPod('kube-proxy-b', 'b', { args: ['--proxy-mode=nftables'], mirror: true })] },
        nodes: { a: iptNode(), b: nftNode() },
        gitVersion: 'v1.33.0',
      }),
    );
    expect(r.findings.map((f) => f.code).sort()).toEqual(['config-sources-disagree', 'nodes-disagree']);
    expect(r.findings.some((f) => f.code === 'configured-effective-mismatch')).toBe(false);
  });
});
