/**
 * Which CNI and which IPAM hand out pod addresses. Evidence, strongest first: the CNI config the
 * container runtime uses on a node (first file in lexical order, Multus delegates looked into), the
 * agent DaemonSets, CNI-specific objects (Calico IPPools, CiliumNodes, cilium-config). Anything not
 * recognised stays `unknown` — never a guess.
 */
import { objectsOf } from '../../model/k8s.js';
import type { Snapshot } from '../../snapshot/types.js';
import { configMap, field, str } from './objects.js';
import type { CniDetection, IpamMode } from './types.js';

interface Known {
  name: string;
  ipam: IpamMode;
}

/** DaemonSet name → CNI. Names as the upstream manifests/operators ship them. */
const DAEMONSETS: [RegExp, Known][] = [
  [/^canal$/, { name: 'canal', ipam: 'node-podcidr' }],
  [/^calico-node$/, { name: 'calico', ipam: 'calico-ipam' }],
  [/^cilium$/, { name: 'cilium', ipam: 'unknown' }],
  [/^aws-node$/, { name: 'aws-vpc-cni', ipam: 'cloud-vpc' }],
  [/^(kube-)?flannel(-ds)?(-amd64)?$/, { name: 'flannel', ipam: 'node-podcidr' }],
  [/^kindnet$/, { name: 'kindnet', ipam: 'node-podcidr' }],
  [/^kube-router$/, { name: 'kube-router', ipam: 'node-podcidr' }],
  [/^antrea-agent$/, { name: 'antrea', ipam: 'node-podcidr' }],
  [/^weave-net$/, { name: 'weave', ipam: 'cni-own' }],
  [/^ovnkube-node$/, { name: 'ovn-kubernetes', ipam: 'cni-own' }],
  [/^anetd$/, { name: 'gke-dataplane-v2', ipam: 'node-podcidr' }],
  [/^azure-cns$/, { name: 'azure-cni', ipam: 'cloud-vpc' }],
];

/** First plugin `type` → CNI; ipam decided separately from the plugin's `ipam.type`. */
const PLUGIN_TYPES: Record<string, Known> = {
  flannel: { name: 'flannel', ipam: 'node-podcidr' },
  calico: { name: 'calico', ipam: 'calico-ipam' },
  'cilium-cni': { name: 'cilium', ipam: 'unknown' },
  'aws-cni': { name: 'aws-vpc-cni', ipam: 'cloud-vpc' },
  'kindnet': { name: 'kindnet', ipam: 'node-podcidr' },
  'ptp': { name: 'ptp', ipam: 'unknown' },
  bridge: { name: 'bridge', ipam: 'unknown' },
  'antrea': { name: 'antrea', ipam: 'node-podcidr' },
  'weave-net': { name: 'weave', ipam: 'cni-own' },
  'ovn-k8s-cni-overlay': { name: 'ovn-kubernetes', ipam: 'cni-own' },
  azure: { name: 'azure-cni', ipam: 'cloud-vpc' },
  'azure-vnet': { name: 'azure-cni', ipam: 'cloud-vpc' },
};

const CNI_DIRS = ['/etc/cni/net.d/', '/var/lib/rancher/k3s/agent/etc/cni/net.d/'];

/** The conflist the runtime would use on one node, with its path. */
function activeConfig(files: Record<string, string>): { path: string; json: unknown } | { path: string; error: string } | undefined {
  const paths = Object.keys(files)
    .filter((p) => CNI_DIRS.some((d) => p.startsWith(d) && !p.slice(d.length).includes('/')))
    .filter((p) => /\.(conflist|conf|json)$/.test(p))
    .sort();
  const path = paths[0];
  if (!path) return undefined;
  try {
    return { path, json: JSON.parse(files[path] ?? '') };
  } catch (e) {
    return { path, error: (e as Error).message };
  }
}

/** Plugin list of a conf/conflist, following Multus' first delegate. */
function plugins(conf: unknown): unknown[] {
  const type = str(field(conf, 'type'));
  if (type === 'multus') {
    const delegates = field(conf, 'delegates');
    return Array.isArray(delegates) && delegates.length > 0 ? plugins(delegates[0]) : [];
  }
  const list = field(conf, 'plugins');
  if (Array.isArray(list)) return list;
  return type ? [conf] : [];
}

function fromConflist(snapshot: Snapshot): { known?: Known; evidence: string; uncertainty?: string } | undefined {
  for (const nodeName of Object.keys(snapshot.nodes).sort()) {
    const files = snapshot.nodes[nodeName]?.files;
    if (!files) continue;
    const active = activeConfig(files);
    if (!active) continue;
    if ('error' in active) return { evidence: `${nodeName}:${active.path}`, uncertainty: `CNI config ${active.path} on ${nodeName} is not valid JSON (${active.error})` };
    const list = plugins(active.json);
    const types = list.map((p) => str(field(p, 'type')) ?? '?');
    const first = types[0] ?? '';
    const base = PLUGIN_TYPES[first];
    const evidence = `${nodeName}:${active.path} plugins [${types.join(', ')}]`;
    if (!base) return { evidence, uncertainty: `CNI plugin type "${first}" is not one netx knows` };
    const ipamType = str(field(list[0], 'ipam', 'type'));
    let ipam = base.ipam;
    // host-local in Kubernetes CNIs is fed the node's podCIDR (calico `usePodCidr`, kube-router writes it in).
    if (ipamType === 'host-local') ipam = 'node-podcidr';
    else if (ipamType === 'calico-ipam') ipam = 'calico-ipam';
    const chained = types.includes('cilium-cni') && first !== 'cilium-cni' ? ' (cilium chained)' : '';
    return { known: { name: base.name + chained, ipam }, evidence: `${evidence}${ipamType ? ` ipam ${ipamType}` : ''}` };
  }
  return undefined;
}

function fromDaemonSets(snapshot: Snapshot): { known: Known; evidence: string } | undefined {
  for (const ds of objectsOf(snapshot, 'daemonsets')) {
    const name = ds.metadata?.name ?? '';
    const hit = DAEMONSETS.find(([re]) => re.test(name));
    if (hit) return { known: hit[1], evidence: `DaemonSet ${ds.metadata?.namespace ?? ''}/${name}` };
  }
  return undefined;
}

/** Cilium's IPAM mode from the cilium-config ConfigMap (key `ipam`); its default is cluster-pool. */
function ciliumIpam(snapshot: Snapshot): { ipam: IpamMode; evidence: string; uncertainty?: string } {
  const cm = configMap(snapshot, 'kube-system', 'cilium-config');
  const mode = cm ? str(cm.data?.ipam) : undefined;
  if (mode) {
    const ipam: IpamMode =
      mode === 'kubernetes' ? 'node-podcidr' : mode === 'cluster-pool' ? 'cilium-cluster-pool' : mode === 'multi-pool' ? 'cilium-multi-pool' : ['eni', 'azure', 'alibabacloud'].includes(mode) ? 'cloud-vpc' : 'unknown';
    return { ipam, evidence: `ConfigMap kube-system/cilium-config ipam: ${mode}` };
  }
  if (objectsOf(snapshot, 'ciliumnodes').some((n) => Array.isArray(field(n, 'spec', 'ipam', 'podCIDRs')))) {
    return { ipam: 'cilium-cluster-pool', evidence: 'CiliumNode objects carry spec.ipam.podCIDRs', uncertainty: 'cilium-config not collected: cluster-pool inferred from CiliumNode objects' };
  }
  return { ipam: 'unknown', evidence: 'cilium-config not collected', uncertainty: 'Cilium IPAM mode unknown (cilium-config ConfigMap not in the snapshot)' };
}

export function detectCni(snapshot: Snapshot): CniDetection {
  const evidence: string[] = [];
  const conf = fromConflist(snapshot);
  const ds = fromDaemonSets(snapshot);
  if (conf) evidence.push(conf.evidence);
  if (ds) evidence.push(ds.evidence);
  let known = conf?.known ?? ds?.known;
  let uncertainty = conf?.known ? undefined : conf?.uncertainty;
  if (!known && objectsOf(snapshot, 'ippools').length > 0) {
    known = { name: 'calico', ipam: 'calico-ipam' };
    evidence.push('Calico IPPool objects present');
    uncertainty = 'no calico-node DaemonSet or CNI config seen: Calico inferred from IPPools';
  }
  if (!known) return { name: 'unknown', ipam: 'unknown', evidence, uncertainty: uncertainty ?? 'no CNI DaemonSet, CNI config or IPAM object recognised' };
  if (known.name.startsWith('cilium') && known.ipam === 'unknown') {
    const c = ciliumIpam(snapshot);
    evidence.push(c.evidence);
    known = { ...known, ipam: c.ipam };
    uncertainty = c.uncertainty;
  }
  if (known.name === 'calico' && !conf?.known) {
    uncertainty = 'CNI config not collected: calico-ipam (Calico\'s default) assumed, host-local would use node podCIDRs';
  }
  return uncertainty ? { name: known.name, ipam: known.ipam, evidence, uncertainty } : { name: known.name, ipam: known.ipam, evidence };
}
