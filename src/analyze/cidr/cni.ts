/**
 * Which CNI and which IPAM hand out pod addresses. The CNI itself comes from the shared detection
 * (parse/cni: the config the runtime uses on a node, DaemonSet names); this module adds what the
 * cidr question needs on top: the IPAM mode (ipam.type of the active config, cilium-config `ipam`,
 * Calico IPPools, CiliumNodes). Anything not recognised stays `unknown` — never a guess.
 */
import { objectsOf } from '../../model/k8s.js';
import { detectCni as detectCniName, selectCniConfig, type CniConfig, type CniFile, type CniName } from '../../parse/cni/index.js';
import type { Snapshot } from '../../snapshot/types.js';
import { configMap, field, str } from './objects.js';
import { linkNames } from '../../parse/node/link-names.js';
import type { CniDetection, IpamMode } from './types.js';

/** IPAM of CNIs whose mode does not depend on configuration. */
const FIXED_IPAM: Partial<Record<CniName, IpamMode>> = {
  flannel: 'node-podcidr',
  kindnet: 'node-podcidr',
  'kube-router': 'node-podcidr',
  canal: 'node-podcidr',
  antrea: 'node-podcidr',
  'aws-vpc-cni': 'cloud-vpc',
  weave: 'cni-own',
};

/** Interface names in the probed nodes' link dumps (flannel.1, cali*, cilium_host …), when probed. */
function probedInterfaces(snapshot: Snapshot): string[] {
  const names = new Set<string>();
  for (const [node, capture] of Object.entries(snapshot.nodes)) for (const name of linkNames(node, capture)) names.add(name);
  return [...names].sort();
}

/** The first node's runtime config (nodes in name order), or why there is none. */
function runtimeConfig(snapshot: Snapshot): { config?: CniFile; node?: string; problem?: string } {
  for (const node of Object.keys(snapshot.nodes).sort()) {
    const files = snapshot.nodes[node]?.files;
    if (!files) continue;
    const sel = selectCniConfig(files);
    if (sel.kind === 'selected') return { config: sel.config, node };
    if (sel.kind === 'invalid') return { node, problem: `CNI config ${sel.path} on ${node} cannot be read: ${sel.error.message}` };
  }
  return {};
}

function active(f: CniFile | undefined): CniConfig | undefined {
  if (!f) return undefined;
  if (f.kind === 'config') return f.primaryType === 'multus' && f.delegates[0] ? f.delegates[0] : f;
  return f.kind === 'template' ? f.config : undefined;
}

/** Cilium's IPAM mode from the cilium-config ConfigMap (key `ipam`), else from CiliumNodes. */
function ciliumIpam(snapshot: Snapshot): { ipam: IpamMode; evidence: string; uncertainty?: string } {
  const cm = configMap(snapshot, 'kube-system', 'cilium-config');
  const mode = cm ? str(cm.data?.ipam) : undefined;
  if (mode) {
    const ipam: IpamMode =
      mode === 'kubernetes' ? 'node-podcidr' : mode === 'cluster-pool' ? 'cilium-cluster-pool' : mode === 'multi-pool' ? 'cilium-multi-pool' : ['eni', 'azure', 'alibabacloud'].includes(mode) ? 'cloud-vpc' : 'unknown';
    return ipam === 'unknown'
      ? { ipam, evidence: `ConfigMap kube-system/cilium-config ipam: ${mode}`, uncertainty: `Cilium IPAM mode "${mode}" is not one netx knows` }
      : { ipam, evidence: `ConfigMap kube-system/cilium-config ipam: ${mode}` };
  }
  if (objectsOf(snapshot, 'ciliumnodes').some((n) => Array.isArray(field(n, 'spec', 'ipam', 'podCIDRs')))) {
    return { ipam: 'cilium-cluster-pool', evidence: 'CiliumNode objects carry spec.ipam.podCIDRs', uncertainty: 'cilium-config not collected: cluster-pool inferred from CiliumNode objects' };
  }
  return { ipam: 'unknown', evidence: 'cilium-config not collected', uncertainty: 'Cilium IPAM mode unknown (cilium-config ConfigMap not in the snapshot)' };
}

function ipamOf(snapshot: Snapshot, name: CniName, cfg: CniConfig | undefined): { ipam: IpamMode; evidence?: string; uncertainty?: string } {
  const fixed = FIXED_IPAM[name];
  if (fixed) return { ipam: fixed };
  if (name === 'cilium') return ciliumIpam(snapshot);
  // host-local in Kubernetes CNIs is fed the node's podCIDR (calico `usePodCidr`, kube-router writes it in).
  if (cfg?.ipamType === 'host-local') return { ipam: 'node-podcidr' };
  if (name === 'calico') {
    if (cfg?.ipamType === 'calico-ipam') return { ipam: 'calico-ipam' };
    return { ipam: 'calico-ipam', uncertainty: 'CNI config not collected: calico-ipam (Calico\'s default) assumed; host-local would use node podCIDRs' };
  }
  return { ipam: 'unknown', uncertainty: `IPAM of ${name}${cfg?.ipamType ? ` (ipam ${cfg.ipamType})` : ''} unknown` };
}

export function detectCni(snapshot: Snapshot): CniDetection {
  const rc = runtimeConfig(snapshot);
  const daemonSets = objectsOf(snapshot, 'daemonsets').map((d) => ({ namespace: d.metadata?.namespace, name: d.metadata?.name ?? '' }));
  const nodeAnnotations = objectsOf(snapshot, 'nodes').map((n) => ({ node: n.metadata?.name ?? '', keys: Object.keys(n.metadata?.annotations ?? {}) }));
  const found = detectCniName({ config: rc.config, daemonSets, nodeAnnotations, interfaces: probedInterfaces(snapshot) });
  const evidence = found.evidence.map((e) => (e.source === 'cni-config' && rc.node ? `${rc.node}: ${e.detail}` : e.detail));
  const cfg = active(rc.config);
  if (cfg?.ipamType) evidence.push(`ipam type "${cfg.ipamType}"`);
  const notes: string[] = [];
  if (rc.problem) notes.push(rc.problem);
  if (found.conflicts.length) notes.push(`evidence also points at ${found.conflicts.join(', ')}`);

  let name: string = found.name;
  let ipam: IpamMode = 'unknown';
  if (found.name === 'unknown') {
    if (objectsOf(snapshot, 'ippools').length > 0) {
      name = 'calico';
      ipam = 'calico-ipam';
      evidence.push('Calico IPPool objects present');
      notes.push('no calico-node DaemonSet or CNI config seen: Calico inferred from IPPools');
    } else if (cfg?.primaryType) {
      notes.push(`CNI plugin type "${cfg.primaryType}" is not one netx knows`);
    } else notes.push('no CNI DaemonSet, CNI config or IPAM object recognised');
  } else {
    const i = ipamOf(snapshot, found.name, cfg);
    ipam = i.ipam;
    if (i.evidence) evidence.push(i.evidence);
    if (i.uncertainty) notes.push(i.uncertainty);
  }
  if (found.chained.length) name = `${name} (${found.chained.join(', ')} chained)`;
  return notes.length ? { name, ipam, evidence, uncertainty: notes.join('; ') } : { name, ipam, evidence };
}
