/** Per-node findings: configured vs effective, leftovers after a mode switch, ambiguity, disagreement. */
import { objectsOf } from '../../model/k8s.js';
import type { Snapshot } from '../../snapshot/types.js';
import { describeSignal, isPopulated, modeOfSignal } from './effective.js';
import type { Finding, FindingInput, NodeProxyMode } from './types.js';
import { mixedBackendsMessage, mixedBackendsSteps } from './mixed-backends.js';

const restartStep = (n: NodeProxyMode): string[] =>
  n.kubeProxy?.pod ? [`kubectl -n kube-system delete pod ${n.kubeProxy.pod.split('/')[1]}`] : [];
export const checkStep = (n: NodeProxyMode): string[] => [
  `on node ${n.node}: curl -s http://127.0.0.1:10249/proxyMode`,
  ...(n.kubeProxy?.pod ? [`kubectl -n kube-system logs ${n.kubeProxy.pod.split('/')[1]} | grep -i proxier`] : []),
];

export function nodeMismatch(i: FindingInput, n: NodeProxyMode): Finding[] {
  const exp = i.expected(n.node);
  if (n.effective.kind !== 'known') return [];
  const eff = n.effective.mode;
  const cm = i.configured.mode;
  if ((cm === 'none' || cm === 'replaced') && n.effective.basis === 'dataplane') {
    return [{ code: 'configured-effective-mismatch', severity: 'warning', node: n.node, message: `${n.node} holds populated ${eff}-mode rules although no kube-proxy runs in the cluster: leftovers, or a kube-proxy outside Kubernetes (systemd)`, evidence: [n.effective.summary], nextSteps: [`on node ${n.node}: systemctl status kube-proxy; ps -ef | grep kube-proxy`, 'stale rules disappear with a node reboot'] }];
  }
  if (!exp || exp === eff) return [];
  const src = i.configured.decidedBy !== undefined ? i.configured.sources[i.configured.decidedBy] : undefined;
  const srcText = src && 'object' in src ? `${src.object} (${src.evidence})` : 'the configuration';
  const stale = staleness(i.snapshot, n, src && src.kind === 'config-file' ? src.object : undefined);
  if (exp === 'ipvs') {
    const link = n.signals.some((s) => s.kind === 'ipvs-link');
    const vs = n.signals.some((s) => s.kind === 'ipvs-services');
    return [{ code: 'ipvs-not-active', severity: 'warning', node: n.node, message: `IPVS is configured but ${n.node} runs ${eff} (${link ? 'kube-ipvs0 present' : 'no kube-ipvs0 link'}, ${vs ? 'IPVS virtual servers present' : 'no IPVS virtual servers'})${stale ? `; ${stale}` : ''}`, evidence: [srcText, n.effective.summary], nextSteps: [`on node ${n.node}: lsmod | grep ip_vs`, ...checkStep(n), ...restartStep(n)] }];
  }
  return [{ code: 'configured-effective-mismatch', severity: 'warning', node: n.node, message: `${n.node} runs ${eff} but ${exp} is configured${stale ? `: ${stale}` : ''}`, evidence: [srcText, n.effective.summary], nextSteps: [...restartStep(n), ...checkStep(n)] }];
}

/** "its kube-proxy pod predates the ConfigMap change" when timestamps say so. */
function staleness(s: Snapshot, n: NodeProxyMode, configMap: string | undefined): string | undefined {
  const started = n.kubeProxy?.startedAt;
  const name = configMap?.replace(/^ConfigMap kube-system\//, '');
  const cm = objectsOf(s, 'configmaps').find((c) => c.metadata?.namespace === 'kube-system' && c.metadata?.name === name);
  const times = [...(cm?.metadata?.managedFields ?? []).map((m) => m.time), cm?.metadata?.creationTimestamp].filter((t) => t !== undefined).map(String);
  const changed = times.sort().at(-1);
  if (!started || !changed || !(Date.parse(started) < Date.parse(changed))) return undefined;
  return `its kube-proxy pod predates the ConfigMap change (pod started ${started}, ${configMap} last written ${changed})`;
}

export function mixedRulesets(n: NodeProxyMode): Finding[] {
  const ipt = n.signals.filter((s) => s.kind === 'iptables-services' && modeOfSignal(s) === 'iptables');
  const nft = n.signals.filter((s) => s.kind === 'nft-table');
  if (ipt.length === 0 || nft.length === 0) return [];
  const live = n.effective.kind === 'known' ? n.effective.mode : undefined;
  const iptLive = ipt.some(isPopulated);
  const nftLive = nft.some(isPopulated);
  let stale: string;
  if (live === 'nftables' || (iptLive !== nftLive && nftLive)) stale = 'the iptables-mode rules (KUBE-SERVICES) are stale';
  else if (live === 'iptables' || (iptLive !== nftLive && iptLive)) stale = 'the nftables-mode table (ip/ip6 kube-proxy) is stale';
  else stale = 'which one is stale cannot be told from the dumps';
  return [{ code: 'mixed-rulesets', severity: 'warning', node: n.node, message: `${n.node} has both iptables-mode and nftables-mode kube-proxy rules (leftovers after a mode switch): ${stale}`, evidence: [...ipt, ...nft].map(describeSignal), nextSteps: ['leftover rules of a former mode survive until the node reboots; drain and reboot the node, or remove the stale table by hand', ...checkStep(n)] }];
}

/** KUBE-SERVICES populated in both iptables backends (IPv4): both run at every hook. */
export function mixedBackends(n: NodeProxyMode): Finding[] {
  const rules = (b: 'legacy' | 'nf_tables'): number =>
    n.signals.reduce((sum, s) => sum + (s.kind === 'iptables-services' && s.family === 'ip' && s.backend === b ? s.serviceRules : 0), 0);
  const legacyRules = rules('legacy');
  const nftRules = rules('nf_tables');
  if (legacyRules === 0 || nftRules === 0) return [];
  const inUse = n.backend.backend === 'legacy' || n.backend.backend === 'nf_tables' ? n.backend.backend : undefined;
  const evidence = n.signals.filter((s) => s.kind === 'iptables-services').map(describeSignal);
  return [{ code: 'mixed-backends', severity: 'warning', node: n.node, message: mixedBackendsMessage({ node: n.node, legacyRules, nftRules, ...(inUse ? { inUse } : {}) }), evidence: [...evidence, `backend in use: ${n.backend.evidence}`], nextSteps: mixedBackendsSteps(n.node) }];
}

export function ambiguous(n: NodeProxyMode): Finding[] {
  // iptables + nftables both populated is already told by mixed-rulesets.
  if (n.effective.kind !== 'ambiguous' || mixedRulesets(n).length > 0) return [];
  return [{ code: 'ambiguous-node', severity: 'warning', node: n.node, message: `${n.node}: ${n.effective.summary}; the dumps alone cannot tell which one kube-proxy maintains`, evidence: n.signals.map(describeSignal), nextSteps: checkStep(n) }];
}

export function nodesDisagree(nodes: NodeProxyMode[]): Finding[] {
  const by = new Map<string, string[]>();
  for (const n of nodes) if (n.effective.kind === 'known') by.set(n.effective.mode, [...(by.get(n.effective.mode) ?? []), n.node]);
  if (by.size < 2) return [];
  const groups = [...by.entries()].map(([m, ns]) => `${m}: ${ns.join(', ')}`);
  return [{ code: 'nodes-disagree', severity: 'warning', message: `nodes run different proxy modes (${groups.join('; ')})`, evidence: groups, nextSteps: ['restart kube-proxy on the nodes that differ so they read the current configuration'] }];
}

