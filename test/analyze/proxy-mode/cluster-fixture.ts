/** The ux.md proxy-mode story as a snapshot: three nodes, one still on iptables after a switch to nftables. */
import type { Snapshot } from '../../../src/snapshot/types.js';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from '../../support/corpus.js';
import { configMap, corpusDumps as c, dump, kpConfig, kubeProxyPod, linkDump, node, snapshot, yamlCorpus } from './snapshot-builder.js';

export function switchedToNftables(): Snapshot {
  const iptablesNoKube = dump(readFileSync(`${REPO_ROOT}/test/fixtures/netfilter/zoo.iptables-save.rules`, 'utf8'), ['iptables-nft-save']);
  const nftNode = { 'iptables-nft': iptablesNoKube, nft: c.nftMode(), link: linkDump(false), ipvs: dump('') };
  return snapshot({
    objects: {
      configmaps: [configMap('kube-proxy', { 'config.conf': kpConfig('nftables') }, { managedFields: [{ manager: 'kubectl-edit', operation: 'Update', time: '2026-11-21T09:00:00Z' }] })],
      daemonsets: [yamlCorpus('kube-proxy-config', 'real-kubeadm-k8s1.34-canal-kube-proxy-daemonset.yaml')],
      nodes: [node('kind-worker'), node('kind-worker2'), node('kind-worker3')],
      pods: [
        kubeProxyPod('kube-proxy-aaaa', 'kind-worker', { startedAt: '2026-11-21T10:00:00Z', image: 'registry.k8s.io/kube-proxy:v1.33.1' }),
        kubeProxyPod('kube-proxy-x7k2', 'kind-worker2', { startedAt: '2026-11-19T10:00:00Z', image: 'registry.k8s.io/kube-proxy:v1.33.1' }),
      ],
    },
    nodes: { 'kind-worker': nftNode, 'kind-worker2': { 'iptables-nft': c.iptablesWithCanary(), nft: c.nftOfIptablesNode(), link: linkDump(false), ipvs: dump('') } },
    gitVersion: 'v1.33.1',
  });
}
