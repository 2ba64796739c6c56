/**
 * The cluster's DNS settings as a pod's resolver sees them: the cluster domain and the cluster DNS
 * address, each with where it came from, per node when the node's kubelet was probed (analyze/dns/node).
 * Cluster-wide sources, most direct first: kubeadm's kube-system/kubelet-config ConfigMap, kubeadm's
 * ClusterConfiguration (networking.dnsDomain), the kube-dns Service in kube-system; otherwise the
 * domain is `cluster.local`, said to be assumed.
 */
import type { Snapshot } from '../../snapshot/types.js';
import { objectsOf, type V1Service } from '../../model/k8s.js';
import { ParseError } from '../../util/parse-error.js';
import { parseKubeletConfig, type KubeletDnsConfig } from '../../parse/kubelet-config.js';
import { parseYamlDocuments, isRecord } from '../../parse/yaml-doc.js';
import { nodeDns, type HostResolv, type NodeDns, type Sourced } from './node.js';

const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

export interface ClusterDns {
  /** Cluster-wide cluster domain (a node's kubelet may say otherwise: see `nodes`). */
  domain: Sourced<string>;
  /** Cluster-wide cluster DNS addresses (kubelet `clusterDNS`), empty when unknown. */
  servers: Sourced<string[]>;
  /** The Service that fronts cluster DNS (kube-system/kube-dns), when present. */
  service?: V1Service;
  /** Per probed node: its kubelet's settings and the node's resolv.conf. */
  nodes?: Record<string, NodeDns>;
}

/** The settings a pod on `node` gets: the node's kubelet where known, else the cluster-wide ones. */
export interface EffectiveDns {
  domain: Sourced<string>;
  servers: Sourced<string[]>;
  host?: HostResolv;
  node?: NodeDns;
}

export function clusterDns(snapshot: Snapshot): ClusterDns {
  const shared = kubeletConfigMap(snapshot);
  const service = objectsOf(snapshot, 'services').find((s) => s.metadata?.namespace === 'kube-system' && s.metadata?.name === 'kube-dns');
  const nodes = Object.fromEntries(Object.entries(snapshot.nodes).map(([n, c]) => [n, nodeDns(n, c, shared)]));
  // The first probed node whose kubelet is known speaks for the cluster (nodes rarely differ; when they do, per-node wins).
  const first = Object.keys(nodes).sort().map((n) => nodes[n]!).find((n) => n.clusterDomain || n.clusterDNS?.value.length);
  const kubeadmDomain = kubeadmDnsDomain(snapshot);
  const domain: Sourced<string> = first?.clusterDomain
    ? { ...first.clusterDomain, node: first.node }
    : shared?.cfg.clusterDomain
      ? { value: shared.cfg.clusterDomain.replace(/\.$/, ''), source: `kubelet clusterDomain (${shared.source})` }
      : kubeadmDomain
        ? { value: kubeadmDomain.replace(/\.$/, ''), source: 'kubeadm ClusterConfiguration networking.dnsDomain (kube-system/kubeadm-config)' }
        : { value: DEFAULT_CLUSTER_DOMAIN, source: `assumed: ${DEFAULT_CLUSTER_DOMAIN} (no kubelet config or kubeadm-config in the snapshot)`, assumed: true };
  const svcIps = serviceIps(service);
  const servers: Sourced<string[]> = first?.clusterDNS?.value.length
    ? { ...first.clusterDNS, node: first.node }
    : shared?.cfg.clusterDNS.length
      ? { value: shared.cfg.clusterDNS, source: `kubelet clusterDNS (${shared.source})` }
      : svcIps.length
        ? { value: svcIps, source: 'Service kube-system/kube-dns (kubelet clusterDNS not in the snapshot; by convention it is this address)', assumed: true }
        : { value: [], source: 'unknown: no kubelet config and no kube-system/kube-dns Service in the snapshot', assumed: true };
  return { domain, servers, ...(service ? { service } : {}), nodes };
}

/** What the kubelet of `node` gives its pods; the cluster-wide settings fill what the node does not say. */
export function dnsForNode(dns: ClusterDns, node: string | undefined): EffectiveDns {
  const n = node !== undefined ? dns.nodes?.[node] : undefined;
  // Another node's kubelet only suggests what this one does.
  const borrowed = <T>(s: Sourced<T>): Sourced<T> => (s.node !== undefined && s.node !== node ? { ...s, source: `${s.source}; assumed the same on ${node ?? 'the pod’s node'}`, assumed: true } : s);
  const domain = n?.clusterDomain ?? borrowed(dns.domain);
  // A kubelet that says it has no clusterDNS is an answer (ClusterFirst pods fall back to Default), not a gap.
  const servers = n?.clusterDNS ?? borrowed(dns.servers);
  return { domain, servers, ...(n?.host ? { host: n.host } : {}), ...(n ? { node: n } : {}) };
}

export const serviceIps = (s: V1Service | undefined): string[] => (s?.spec?.clusterIPs ?? [s?.spec?.clusterIP]).filter((x): x is string => !!x && x.toLowerCase() !== 'none');

/** kubeadm's cluster-wide KubeletConfiguration (`kubelet-config`, `kubelet-config-1.x` before 1.24). */
function kubeletConfigMap(snapshot: Snapshot): { cfg: KubeletDnsConfig; source: string } | undefined {
  const cm = objectsOf(snapshot, 'configmaps').find((m) => m.metadata?.namespace === 'kube-system' && /^kubelet-config(-1\.\d+)?$/.test(m.metadata?.name ?? ''));
  const text = cm?.data?.['kubelet'];
  if (!text) return undefined;
  const source = `ConfigMap kube-system/${cm!.metadata!.name}`;
  try {
    return { cfg: parseKubeletConfig(text, { source }).value, source };
  } catch (e) {
    if (e instanceof ParseError) return undefined; // an unreadable config is a missing source, reported as "assumed"
    throw e;
  }
}

function kubeadmDnsDomain(snapshot: Snapshot): string | undefined {
  const cm = objectsOf(snapshot, 'configmaps').find((m) => m.metadata?.namespace === 'kube-system' && m.metadata?.name === 'kubeadm-config');
  const text = cm?.data?.['ClusterConfiguration'];
  if (!text) return undefined;
  try {
    const doc = parseYamlDocuments(text, 'kubeadm-config').docs.find(isRecord);
    const net = doc && isRecord(doc.networking) ? doc.networking : undefined;
    return typeof net?.dnsDomain === 'string' ? net.dnsDomain : undefined;
  } catch (e) {
    if (e instanceof ParseError) return undefined;
    throw e;
  }
}
