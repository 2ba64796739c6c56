/** Cluster-wide findings: configuration sources, kube-proxy presence and replacements, versions, probing. */
import type { Snapshot } from '../../snapshot/types.js';
import { versionAtLeast } from './modes.js';
import type { ConfiguredMode, Finding, FindingInput, NodeProxyMode } from './types.js';
import { kubeProxyDaemonSets, kubeProxyPods } from './workloads.js';

export function sourceFindings(c: ConfiguredMode): Finding[] {
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
  const deciding = c.sources.filter((s) => (s.kind === 'flag' && !(s.alsoConfigFile && mounted.length > 0)) || s.kind === 'config-file' || s.kind === 'running');
  const modes = new Set(deciding.map((s) => ('mode' in s && s.mode ? s.mode.mode : '')));
  if (modes.size > 1) {
    out.push({ code: 'config-sources-disagree', severity: 'warning', message: `kube-proxy configuration sources disagree: ${[...modes].join(' vs ')}`, evidence: deciding.map((s) => `${'object' in s ? s.object : ''}: ${s.evidence}`), nextSteps: ['make every source say the same mode, then restart kube-proxy'] });
  }
  return out;
}

export function proxyPresence(i: FindingInput): Finding[] {
  const c = i.configured;
  const kubeProxy = kubeProxyDaemonSets(i.snapshot).length > 0 || kubeProxyPods(i.snapshot).length > 0 || c.sources.some((s) => s.kind === 'running');
  const replacements = c.sources.filter((s) => s.kind === 'replacement' && s.state === 'full');
  const out: Finding[] = [];
  if (kubeProxy && replacements.length > 0) {
    out.push({ code: 'double-proxy', severity: 'warning', message: `kube-proxy runs AND ${replacements.map((r) => ('object' in r ? r.object : '')).join(', ')} replaces it: both program services`, evidence: replacements.map((r) => r.evidence), nextSteps: ['remove kube-proxy (kubectl -n kube-system delete ds kube-proxy, then clean its rules) or turn the replacement off'] });
  }
  // No kube-proxy anywhere: also when a ConfigMap leaves the configured mode unknown and the probed nodes show none.
  const probed = i.nodes.some((n) => n.probed);
  if (c.mode === 'none' || (c.mode === 'unknown' && probed && c.sources.some((s) => s.kind === 'absent'))) {
    const active = i.nodes.filter((n) => n.effective.kind === 'known');
    if (active.length === 0) {
      const why = probed ? 'and no probed node shows service rules' : 'and no node was probed to check for a kube-proxy outside Kubernetes';
      const cm = c.sources.find((s) => s.kind === 'config-file');
      const none = cm && cm.kind === 'config-file' ? `no kube-proxy is seen although ${cm.object} configures one,` : 'no kube-proxy';
      out.push({ code: 'no-service-proxy', severity: probed ? 'error' : 'warning', message: `${none} and nothing that replaces it (no Cilium kube-proxy replacement, no GKE Dataplane V2) ${why}: ClusterIP services will not work`, evidence: c.sources.map((s) => s.evidence), nextSteps: ['install kube-proxy (kubeadm init phase addon kube-proxy) or enable a replacement (Cilium kubeProxyReplacement=true)'] });
    }
  }
  return out;
}

export function versionFindings(i: FindingInput): Finding[] {
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

export function notProbed(nodes: NodeProxyMode[], s: Snapshot): Finding[] {
  const un = nodes.filter((n) => !n.probed).map((n) => n.node);
  if (un.length === 0) return [];
  // The capture says why dumps are missing (e.g. "node dumps: probe not available yet").
  const gaps = (s.source.gaps ?? []).filter((g) => /node|dump|probe/i.test(g.what)).map((g) => `${g.what}: ${g.reason}`);
  return [{ code: 'nodes-not-probed', severity: 'info', message: `${un.length} of ${nodes.length} node(s) not probed: their effective mode is unknown (${un.join(', ')})`, evidence: gaps, nextSteps: ['collect node dumps: kubectl netx collect (with node probing) -o FILE, then kubectl netx proxy-mode --snapshot FILE'] }];
}
