/**
 * The /etc/resolv.conf the kubelet writes into a pod (pkg/kubelet/network/dns/dns.go GetPodDNS), from
 * its dnsPolicy and dnsConfig and the kubelet of its node: ClusterFirst → the kubelet's clusterDNS,
 * search `<ns>.svc.<domain> svc.<domain> <domain>` + the node's search domains, ndots:5 (a kubelet
 * without clusterDNS falls back to Default); a hostNetwork pod with ClusterFirst falls back to
 * Default; ClusterFirstWithHostNet is ClusterFirst for it; Default inherits the node's resolv.conf as
 * the kubelet reads it; None takes dnsConfig alone. dnsConfig nameservers and searches are appended
 * (duplicates dropped), options override by name; then at most 3 nameservers and the search limits.
 */
import type { V1Pod } from '../../model/k8s.js';
import { ParseError } from '../../util/parse-error.js';
import { ndotsOf, parseResolvConf as parseFile, type ResolvOption } from '../../parse/resolv-conf.js';
import { dnsForNode, type ClusterDns } from './config.js';
import { fitSearch, kubeletReading, MAX_NAMESERVERS, type ResolverView } from './kubelet.js';
import type { HostResolv } from './node.js';

export interface ResolvConf {
  /** The policy in effect (after the hostNetwork and missing-clusterDNS fallbacks). */
  policy: 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';
  nameservers: string[];
  search: string[];
  options: ResolvOption[];
  ndots: number;
  /** The node's resolv.conf the pod inherits from (Default) or takes search domains from (ClusterFirst), when known. */
  host?: HostResolv;
  /** What is known only in part (the node's resolv.conf, a fallback). */
  notes: string[];
}

export function podResolvConf(pod: V1Pod, dns: ClusterDns): ResolvConf {
  const ns = pod.metadata?.namespace ?? 'default';
  const nodeName = pod.spec?.nodeName;
  const eff = dnsForNode(dns, nodeName);
  const declared = (pod.spec?.dnsPolicy ?? 'ClusterFirst') as ResolvConf['policy'];
  const notes: string[] = [];
  let policy = declared;
  if (declared === 'ClusterFirst' && pod.spec?.hostNetwork) {
    policy = 'Default';
    notes.push('hostNetwork pod with dnsPolicy ClusterFirst: the kubelet falls back to Default (the node’s resolv.conf); use ClusterFirstWithHostNet for cluster DNS');
  }
  const clusterFirst = policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet';
  if (clusterFirst && eff.servers.value.length === 0 && !eff.servers.assumed) {
    policy = 'Default';
    notes.push(`the kubelet on ${nodeName} has no clusterDNS (${eff.servers.source}): it gives ClusterFirst pods the node’s resolv.conf (event MissingClusterDNS)`);
  }
  const host = eff.host;
  const hostView = (): ResolverView => {
    if (!host) {
      notes.push(`the node’s resolv.conf (${nodeName ?? 'unscheduled'}) is not in the snapshot: its nameservers and search domains are unknown`);
      return { nameservers: [], search: [], options: [] };
    }
    if (host.searchOnly && policy === 'Default') notes.push(`only the search domains of the node’s resolv.conf are known (${host.source}): its nameservers are unknown`);
    return host;
  };
  let base: ResolverView;
  if (policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') {
    const d = eff.domain.value;
    if (eff.servers.value.length === 0) notes.push(`cluster DNS address ${eff.servers.source}`);
    const nodeSearch = hostView().search;
    base = { nameservers: [...eff.servers.value], search: d ? [`${ns}.svc.${d}`, `svc.${d}`, d, ...nodeSearch] : nodeSearch, options: [{ name: 'ndots', value: '5' }] };
  } else if (policy === 'Default') {
    const h = hostView();
    base = { nameservers: [...h.nameservers], search: host?.none ? ['.'] : [...h.search], options: [...h.options] };
  } else {
    base = { nameservers: [], search: [], options: [] };
  }
  const cfg = pod.spec?.dnsConfig;
  const allServers = dedupe([...base.nameservers, ...(cfg?.nameservers ?? [])]);
  const nameservers = allServers.slice(0, MAX_NAMESERVERS);
  if (allServers.length > MAX_NAMESERVERS) notes.push(`more than ${MAX_NAMESERVERS} nameservers: the kubelet keeps ${nameservers.join(', ')} and drops ${allServers.slice(MAX_NAMESERVERS).join(', ')}`);
  const fitted = fitSearch(dedupe([...base.search, ...(cfg?.searches ?? [])]));
  if (fitted.dropped.length) notes.push(`search line over the kubelet's limits (32 domains, 2048 characters): ${fitted.dropped.join(', ')} dropped`);
  const options = [...base.options];
  for (const o of cfg?.options ?? []) {
    if (!o.name) continue;
    const i = options.findIndex((x) => x.name === o.name);
    const opt = { name: o.name, ...(o.value !== undefined ? { value: o.value } : {}) };
    if (i >= 0) options[i] = opt;
    else options.push(opt);
  }
  if (policy === 'None' && nameservers.length === 0) notes.push('dnsPolicy None without dnsConfig.nameservers: the pod has no resolver');
  const nd = ndotsOf(options) ?? 1;
  return { policy, nameservers, search: fitted.search, options, ndots: Math.min(nd, 15), ...(host ? { host } : {}), notes };
}

/** A resolv.conf as the kubelet reads it (every nameserver, the last search and options lines); unreadable text gives nothing. */
export function parseResolvConf(text: string): ResolverView {
  try {
    return kubeletReading(parseFile(text, { source: 'resolv.conf' }).value);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return { nameservers: [], search: [], options: [] };
  }
}

const dedupe = (xs: string[]): string[] => [...new Set(xs.filter(Boolean))];

/** resolv.conf as text, the way the pod would read it. */
export function resolvConfText(r: ResolvConf): string {
  return [
    ...r.nameservers.map((n) => `nameserver ${n}`),
    ...(r.search.length ? [`search ${r.search.join(' ')}`] : []),
    ...(r.options.length ? [`options ${r.options.map((o) => (o.value !== undefined ? `${o.name}:${o.value}` : o.name)).join(' ')}`] : []),
  ].join('\n');
}
