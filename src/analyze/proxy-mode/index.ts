/**
 * `kubectl netx proxy-mode` as a pure function: Snapshot in, ProxyModeReport out.
 * Configured mode from API objects; effective mode per node from its dumps; findings where they differ.
 */
import { objectsOf } from '../../model/k8s.js';
import type { Snapshot } from '../../snapshot/types.js';
import { configuredMode } from './configured.js';
import { backendVerdict, effectiveMode } from './effective.js';
import { findings } from './findings.js';
import { readNodeDumps } from './node-signals.js';
import type { ConfiguredMode, NodeProxyMode, ProxyMode, ProxyModeReport } from './types.js';
import { judgeUnreadable } from './unreadable.js';
import { buildVersion } from './running.js';
import { agreement } from './agreement.js';
import { kubeProxyOnNode, kubeProxyPods } from './workloads.js';

export type * from './types.js';

export function analyzeProxyMode(snapshot: Snapshot): ProxyModeReport {
  const configured = configuredMode(snapshot);
  const serverVersion = typeof snapshot.cluster.serverVersion?.gitVersion === 'string' ? snapshot.cluster.serverVersion.gitVersion : undefined;
  // Nodes from the Node list, the probed captures and kube-proxy pods (a snapshot may lack one of them).
  const names = [...new Set([...objectsOf(snapshot, 'nodes').map((n) => n.metadata?.name ?? ''), ...Object.keys(snapshot.nodes), ...kubeProxyPods(snapshot).map((p) => p.spec?.nodeName ?? '')])].filter(Boolean).sort();
  const expected = expectedModes(configured);
  const nodes = names.map((name) => nodeReport(snapshot, name, configured));
  markDiffering(nodes, expected);
  const found = findings({ snapshot, configured, nodes, expected, ...(serverVersion ? { serverVersion } : {}) });
  return {
    kind: 'ProxyModeReport',
    ...(serverVersion ? { serverVersion } : {}),
    configured,
    nodes,
    findings: found,
    agreement: agreement(nodes, found, configured),
  };
}

function nodeReport(s: Snapshot, name: string, configured: ConfiguredMode): NodeProxyMode {
  const capture = s.nodes[name];
  const probed = capture !== undefined && Object.keys(capture.dumps).length > 0;
  const d = readNodeDumps(name, capture);
  const effective = effectiveMode(d, probed);
  const kubeProxy = kubeProxyOnNode(s, name, buildVersion(capture), configured.sources.some((x) => x.kind === 'running' && x.nodes.includes(name)));
  return {
    node: name,
    probed,
    effective,
    signals: d.signals,
    backend: probed ? backendVerdict(d, effective) : { backend: 'unknown', evidence: 'node not probed' },
    ...(kubeProxy ? { kubeProxy } : {}),
    differs: false,
    unreadable: d.unreadable.map((u) => judgeUnreadable(u, effective, d)),
  };
}

/** A node with a static kube-proxy pod or a host-process kube-proxy is held to its own; the others to the cluster's mode. */
function expectedModes(c: ConfiguredMode): (node: string) => ProxyMode | undefined {
  const perNode = new Map<string, ProxyMode>();
  for (const s of c.sources) {
    if (s.kind === 'flag' && s.node && s.mode.mode !== 'unrecognised' && !s.alsoConfigFile) perNode.set(s.node, s.mode.mode);
    if (s.kind === 'running' && s.mode.mode !== 'unrecognised') for (const n of s.nodes) perNode.set(n, s.mode.mode);
  }
  const cluster = c.mode === 'iptables' || c.mode === 'ipvs' || c.mode === 'nftables' || c.mode === 'kernelspace' ? c.mode : undefined;
  return (node) => perNode.get(node) ?? cluster;
}

/** `! differs`: not the expected mode, or not the mode most nodes run. */
function markDiffering(nodes: NodeProxyMode[], expected: (node: string) => ProxyMode | undefined): void {
  const counts = new Map<string, number>();
  for (const n of nodes) if (n.effective.kind === 'known') counts.set(n.effective.mode, (counts.get(n.effective.mode) ?? 0) + 1);
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const majority = ranked.length > 1 && ranked[0]![1] > ranked[1]![1] ? ranked[0]![0] : undefined;
  for (const n of nodes) {
    if (n.effective.kind === 'ambiguous') n.differs = true;
    if (n.effective.kind !== 'known') continue;
    const exp = expected(n.node);
    n.differs = (exp !== undefined && exp !== n.effective.mode) || (majority !== undefined && majority !== n.effective.mode);
  }
}
