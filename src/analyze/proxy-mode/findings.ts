/** Findings: where configuration and dataplane, or nodes among themselves, do not add up. */
import { objectsOf } from '../../model/k8s.js';
import type { Snapshot } from '../../snapshot/types.js';
import { describeSignal, isPopulated, modeOfSignal } from './effective.js';
import { versionAtLeast } from './modes.js';
import type { ConfiguredMode, Finding, NodeProxyMode, ProxyMode } from './types.js';
import { kubeProxyDaemonSets, kubeProxyPods } from './workloads.js';

export interface FindingInput {
  snapshot: Snapshot;
  configured: ConfiguredMode;
  nodes: NodeProxyMode[];
  serverVersion?: string;
  /** The mode each node is expected to run (its static pod's flag, else the cluster's). */
  expected: (node: string) => ProxyMode | undefined;
}

export function findings(i: FindingInput): Finding[] {
  return [
    ...sourceFindings(i.configured),
    ...i.nodes.flatMap((n) => [...nodeMismatch(i, n), ...mixedRulesets(n), ...ambiguous(n)]),
    ...nodesDisagree(i.nodes),
    ...proxyPresence(i),
    ...versionFindings(i),
    ...notProbed(i.nodes, i.snapshot),
  ];
}

const restartStep = (n: NodeProxyMode): string[] =>
  n.kubeProxy?.pod ? [`kubectl -n kube-system delete pod ${n.kubeProxy.pod.split('/')[1]}`] : [];
const checkStep = (n: NodeProxyMode): string[] => [
  `on node ${n.node}: curl -s http://127.0.0.1:10249/proxyMode`,
  ...(n.kubeProxy?.pod ? [`kubectl -n kube-system logs ${n.kubeProxy.pod.split('/')[1]} | grep -i proxier`] : []),
];

function sourceFindings(c: ConfiguredMode): Finding[] {
  const out: Finding[] = [];
  for (const s of c.sources) {
    if ('mode' in s && s.mode?.mode === 'unrecognised') {
      out.push({ code: 'unrecognised-mode', severity: 'warning', message: `${s.object} sets a mode kube-proxy does not know ("${s.mode.written}"); kube-proxy refuses to start with it`, evidence: [`${s.object}: ${s.evidence}`], nextSteps: ['use one of: iptables, ipvs, nftables (lower case)'] });
    }
  }
  const mounted = c.sources.filter((s) => s.kind === 'config-file' && s.mountedBy);
  for (const f of c.sources) {
    if (f.kind !== 'flag' || !f.alsoConfigFile) continue;
    const file = mounted.find((m) => m.kind === 'config-file' && m.mountedBy === f.object);
    if (file && file.kind === 'config-file' && file.mode.mode !== f.mode.mode) {
      out.push({ code: 'flag-ignored', severity: 'info', message: `${f.object} passes ${f.evidence} but also --config=${f.alsoConfigFile}; the config file's mode (${file.mode.mode}) wins`, evidence: [`${f.object}: ${f.evidence}`, `${file.object} ${file.evidence}`], nextSteps: ['set the mode in the ConfigMap and drop the flag'] });
    }
  }
  const deciding = c.sources.filter((s) => (s.kind === 'flag' && !(s.alsoConfigFile && mounted.length > 0)) || s.kind === 'config-file');
  const modes = new Set(deciding.map((s) => ('mode' in s && s.mode ? s.mode.mode : '')));
  if (modes.size > 1) {
    out.push({ code: 'config-sources-disagree', severity: 'warning', message: `kube-proxy configuration sources disagree: ${[...modes].join(' vs ')}`, evidence: deciding.map((s) => `${'object' in s ? s.object : ''}: ${s.evidence}`), nextSteps: ['make every source say the same mode, then restart kube-proxy'] });
  }
  return out;
}

function nodeMismatch(i: FindingInput, n: NodeProxyMode): Finding[] {
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

function mixedRulesets(n: NodeProxyMode): Finding[] {
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

function ambiguous(n: NodeProxyMode): Finding[] {
  // iptables + nftables both populated is already told by mixed-rulesets.
  if (n.effective.kind !== 'ambiguous' || mixedRulesets(n).length > 0) return [];
  return [{ code: 'ambiguous-node', severity: 'warning', node: n.node, message: `${n.node}: ${n.effective.summary}; the dumps alone cannot tell which one kube-proxy maintains`, evidence: n.signals.map(describeSignal), nextSteps: checkStep(n) }];
}

function nodesDisagree(nodes: NodeProxyMode[]): Finding[] {
  const by = new Map<string, string[]>();
  for (const n of nodes) if (n.effective.kind === 'known') by.set(n.effective.mode, [...(by.get(n.effective.mode) ?? []), n.node]);
  if (by.size < 2) return [];
  const groups = [...by.entries()].map(([m, ns]) => `${m}: ${ns.join(', ')}`);
  return [{ code: 'nodes-disagree', severity: 'warning', message: `nodes run different proxy modes (${groups.join('; ')})`, evidence: groups, nextSteps: ['restart kube-proxy on the nodes that differ so they read the current configuration'] }];
}

function proxyPresence(i: FindingInput): Finding[] {
  const c = i.configured;
  const kubeProxy = kubeProxyDaemonSets(i.snapshot).length > 0 || kubeProxyPods(i.snapshot).length > 0;
  const replacements = c.sources.filter((s) => s.kind === 'replacement' && s.state === 'full');
  const out: Finding[] = [];
  if (kubeProxy && replacements.length > 0) {
    out.push({ code: 'double-proxy', severity: 'warning', message: `kube-proxy runs AND ${replacements.map((r) => ('object' in r ? r.object : '')).join(', ')} replaces it: both program services`, evidence: replacements.map((r) => r.evidence), nextSteps: ['remove kube-proxy (kubectl -n kube-system delete ds kube-proxy, then clean its rules) or turn the replacement off'] });
  }
  if (c.mode === 'none') {
    const active = i.nodes.filter((n) => n.effective.kind === 'known');
    const probed = i.nodes.some((n) => n.probed);
    if (active.length === 0) {
      const why = probed ? 'and no probed node shows service rules' : 'and no node was probed to check for a kube-proxy outside Kubernetes';
      out.push({ code: 'no-service-proxy', severity: probed ? 'error' : 'warning', message: `no kube-proxy and nothing that replaces it (no Cilium kube-proxy replacement, no GKE Dataplane V2) ${why}: ClusterIP services will not work`, evidence: c.sources.map((s) => s.evidence), nextSteps: ['install kube-proxy (kubeadm init phase addon kube-proxy) or enable a replacement (Cilium kubeProxyReplacement=true)'] });
    }
  }
  return out;
}

function versionFindings(i: FindingInput): Finding[] {
  const out: Finding[] = [];
  const modes = new Set<string>([i.configured.mode, ...i.nodes.flatMap((n) => (n.effective.kind === 'known' ? [n.effective.mode] : []))]);
  const v = i.serverVersion;
  if (modes.has('ipvs') && versionAtLeast(v, 1, 35)) {
    out.push({ code: 'ipvs-deprecated', severity: 'info', message: `IPVS mode is deprecated since Kubernetes 1.35 (server ${v}): kube-proxy emits IPVSDeprecation events`, evidence: [`server version ${v}`], nextSteps: ['plan a move to nftables mode (GA in 1.33)'] });
  }
  if (modes.has('nftables')) {
    const old = [v && versionAtLeast(v, 1, 31) === false ? `server ${v}` : undefined, ...i.nodes.map((n) => (n.kubeProxy?.version && versionAtLeast(n.kubeProxy.version, 1, 31) === false ? `kube-proxy ${n.kubeProxy.version} on ${n.node}` : undefined))].filter((x): x is string => !!x);
    if (old.length > 0) {
      out.push({ code: 'nftables-too-old', severity: 'warning', message: `nftables mode is alpha before Kubernetes 1.31 (feature gate NFTablesProxyMode, 1.29–1.30) and absent before 1.29: ${old.join(', ')}`, evidence: old, nextSteps: ['upgrade to 1.31+ (beta) or 1.33+ (GA), or use iptables mode'] });
    }
  }
  return out;
}

function notProbed(nodes: NodeProxyMode[], s: Snapshot): Finding[] {
  const un = nodes.filter((n) => !n.probed).map((n) => n.node);
  if (un.length === 0) return [];
  // The capture says why dumps are missing (e.g. "node dumps: probe not available yet").
  const gaps = (s.source.gaps ?? []).filter((g) => /node|dump|probe/i.test(g.what)).map((g) => `${g.what}: ${g.reason}`);
  return [{ code: 'nodes-not-probed', severity: 'info', message: `${un.length} of ${nodes.length} node(s) not probed: their effective mode is unknown (${un.join(', ')})`, evidence: gaps, nextSteps: ['collect node dumps: kubectl netx collect (with node probing) -o FILE, then kubectl netx proxy-mode --snapshot FILE'] }];
}
