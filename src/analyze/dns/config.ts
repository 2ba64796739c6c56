/**
 * The cluster's DNS settings as a pod's resolver sees them: the cluster domain and the cluster DNS
 * address, each with where it came from. Sources, most direct first: the kubelet configuration (a
 * node's /var/lib/kubelet/config.yaml, or kubeadm's kube-system/kubelet-config ConfigMap), kubeadm's
 * ClusterConfiguration (networking.dnsDomain), the kube-dns Service in kube-system; otherwise the
 * domain is `cluster.local`, said to be assumed.
 */
import { parse as parseYaml } from 'yaml';
import type { Snapshot } from '../../snapshot/types.js';
import { objectsOf, type V1Service } from '../../model/k8s.js';

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
const KUBELET_FILES = ['/var/lib/kubelet/config.yaml', '/etc/kubernetes/kubelet/config.yaml', '/etc/kubernetes/kubelet-config.yaml'];

export interface Sourced<T> {
  value: T;
  /** Where it was read, or `assumed: …`. */
  source: string;
  assumed?: boolean;
}

export interface ClusterDns {
  domain: Sourced<string>;
  /** Cluster DNS addresses (kubelet `clusterDNS`), empty when unknown. */
  servers: Sourced<string[]>;
  /** The Service that fronts cluster DNS (kube-system/kube-dns), when present. */
  service?: V1Service;
  /** The node's own resolv.conf (for dnsPolicy Default and hostNetwork pods), when collected. */
  nodeResolvConf?: Record<string, string>;
}

interface KubeletDns {
  clusterDomain?: string;
  clusterDNS?: string[];
}

export function clusterDns(snapshot: Snapshot): ClusterDns {
  const kubelet = kubeletConfig(snapshot);
  const service = objectsOf(snapshot, 'services').find((s) => s.metadata?.namespace === 'kube-system' && s.metadata?.name === 'kube-dns');
  const kubeadmDomain = kubeadmDnsDomain(snapshot);
  const domain: Sourced<string> = kubelet?.cfg.clusterDomain
    ? { value: trimDot(kubelet.cfg.clusterDomain), source: `kubelet clusterDomain (${kubelet.source})` }
    : kubeadmDomain
      ? { value: trimDot(kubeadmDomain), source: 'kubeadm ClusterConfiguration networking.dnsDomain (kube-system/kubeadm-config)' }
      : { value: DEFAULT_CLUSTER_DOMAIN, source: `assumed: ${DEFAULT_CLUSTER_DOMAIN} (no kubelet config or kubeadm-config in the snapshot)`, assumed: true };
  const svcIps = (service?.spec?.clusterIPs ?? [service?.spec?.clusterIP]).filter((x): x is string => !!x && x.toLowerCase() !== 'none');
  const servers: Sourced<string[]> = kubelet?.cfg.clusterDNS?.length
    ? { value: kubelet.cfg.clusterDNS, source: `kubelet clusterDNS (${kubelet.source})` }
    : svcIps.length
      ? { value: svcIps, source: 'Service kube-system/kube-dns (kubelet clusterDNS not in the snapshot; by convention it is this address)', assumed: true }
      : { value: [], source: 'unknown: no kubelet config and no kube-system/kube-dns Service in the snapshot', assumed: true };
  const out: ClusterDns = { domain, servers, ...(service ? { service } : {}) };
  const resolv = Object.fromEntries(Object.entries(snapshot.nodes).flatMap(([n, c]) => (c.files?.['/etc/resolv.conf'] ? [[n, c.files['/etc/resolv.conf']]] : [])));
  if (Object.keys(resolv).length) out.nodeResolvConf = resolv;
  return out;
}

const trimDot = (s: string): string => s.replace(/\.$/, '');

function kubeletConfig(snapshot: Snapshot): { cfg: KubeletDns; source: string } | undefined {
  for (const [node, c] of Object.entries(snapshot.nodes).sort(([a], [b]) => a.localeCompare(b))) {
    for (const f of KUBELET_FILES) {
      const text = c.files?.[f];
      const cfg = text ? readYaml(text) : undefined;
      if (cfg) return { cfg, source: `${node}:${f}` };
    }
  }
  const cm = objectsOf(snapshot, 'configmaps').find((m) => m.metadata?.namespace === 'kube-system' && /^kubelet-config(-1\.\d+)?$/.test(m.metadata?.name ?? ''));
  const text = cm?.data?.['kubelet'];
  const cfg = text ? readYaml(text) : undefined;
  return cfg ? { cfg, source: `ConfigMap kube-system/${cm!.metadata!.name}` } : undefined;
}

function kubeadmDnsDomain(snapshot: Snapshot): string | undefined {
  const cm = objectsOf(snapshot, 'configmaps').find((m) => m.metadata?.namespace === 'kube-system' && m.metadata?.name === 'kubeadm-config');
  const text = cm?.data?.['ClusterConfiguration'];
  if (!text) return undefined;
  const doc = safeYaml(text) as { networking?: { dnsDomain?: unknown } } | undefined;
  return typeof doc?.networking?.dnsDomain === 'string' ? doc.networking.dnsDomain : undefined;
}

function readYaml(text: string): KubeletDns | undefined {
  const doc = safeYaml(text) as { clusterDomain?: unknown; clusterDNS?: unknown } | undefined;
  if (!doc || typeof doc !== 'object') return undefined;
  const out: KubeletDns = {};
  if (typeof doc.clusterDomain === 'string') out.clusterDomain = doc.clusterDomain;
  if (Array.isArray(doc.clusterDNS)) out.clusterDNS = doc.clusterDNS.filter((x): x is string => typeof x === 'string');
  return out.clusterDomain || out.clusterDNS ? out : undefined;
}

function safeYaml(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return undefined; // an unreadable config is a missing source, reported as "assumed"
  }
}
