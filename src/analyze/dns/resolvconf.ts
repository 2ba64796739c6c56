/**
 * The /etc/resolv.conf the kubelet writes into a pod, from its dnsPolicy and dnsConfig
 * (kubelet pkg/kubelet/network/dns): ClusterFirst → the cluster DNS, search
 * `<ns>.svc.<domain> svc.<domain> <domain>` (+ the node's search domains), ndots:5; a hostNetwork pod
 * with ClusterFirst falls back to Default; ClusterFirstWithHostNet is ClusterFirst for it; Default
 * inherits the node's resolv.conf; None takes dnsConfig alone. dnsConfig nameservers and searches are
 * appended (duplicates dropped), options override by name.
 */
import type { V1Pod } from '../../model/k8s.js';
import type { ClusterDns } from './config.js';

export interface ResolvConf {
  /** The policy in effect (after the hostNetwork fallback). */
  policy: 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';
  nameservers: string[];
  search: string[];
  options: { name: string; value?: string }[];
  ndots: number;
  /** What is known only in part (the node's resolv.conf, a fallback). */
  notes: string[];
}

const MAX_NAMESERVERS = 3;
const MAX_SEARCH = 32;

export function podResolvConf(pod: V1Pod, dns: ClusterDns): ResolvConf {
  const ns = pod.metadata?.namespace ?? 'default';
  const declared = (pod.spec?.dnsPolicy ?? 'ClusterFirst') as ResolvConf['policy'];
  const notes: string[] = [];
  let policy = declared;
  if (declared === 'ClusterFirst' && pod.spec?.hostNetwork) {
    policy = 'Default';
    notes.push('hostNetwork pod with dnsPolicy ClusterFirst: the kubelet falls back to Default (the node’s resolv.conf); use ClusterFirstWithHostNet for cluster DNS');
  }
  const node = nodeResolv(pod, dns, notes);
  let base: Omit<ResolvConf, 'policy' | 'notes' | 'ndots'>;
  if (policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') {
    const d = dns.domain.value;
    if (dns.servers.value.length === 0) notes.push(`cluster DNS address ${dns.servers.source}`);
    base = { nameservers: [...dns.servers.value], search: [`${ns}.svc.${d}`, `svc.${d}`, d, ...node.search], options: [{ name: 'ndots', value: '5' }] };
  } else if (policy === 'Default') {
    base = { nameservers: node.nameservers, search: node.search, options: node.options };
  } else {
    base = { nameservers: [], search: [], options: [] };
  }
  const cfg = pod.spec?.dnsConfig;
  const nameservers = dedupe([...base.nameservers, ...(cfg?.nameservers ?? [])]).slice(0, MAX_NAMESERVERS);
  const search = dedupe([...base.search, ...(cfg?.searches ?? [])]).slice(0, MAX_SEARCH);
  const options = [...base.options];
  for (const o of cfg?.options ?? []) {
    if (!o.name) continue;
    const i = options.findIndex((x) => x.name === o.name);
    const opt = { name: o.name, ...(o.value !== undefined ? { value: o.value } : {}) };
    if (i >= 0) options[i] = opt;
    else options.push(opt);
  }
  if (policy === 'None' && nameservers.length === 0) notes.push('dnsPolicy None without dnsConfig.nameservers: the pod has no resolver');
  const nd = Number(options.find((o) => o.name === 'ndots')?.value ?? '1');
  return { policy, nameservers, search, options, ndots: Number.isFinite(nd) ? Math.min(nd, 15) : 1, notes };
}

/** The node's resolv.conf (dnsPolicy Default, and search domains appended for ClusterFirst), when collected. */
function nodeResolv(pod: V1Pod, dns: ClusterDns, notes: string[]): { nameservers: string[]; search: string[]; options: { name: string; value?: string }[] } {
  const text = pod.spec?.nodeName ? dns.nodeResolvConf?.[pod.spec.nodeName] : undefined;
  if (text === undefined) {
    notes.push(`the node's /etc/resolv.conf (${pod.spec?.nodeName ?? 'unscheduled'}) is not in the snapshot: its nameservers and search domains are unknown`);
    return { nameservers: [], search: [], options: [] };
  }
  return parseResolvConf(text);
}

/** nameserver / search / domain / options lines (the last search or domain line wins, as in glibc). */
export function parseResolvConf(text: string): { nameservers: string[]; search: string[]; options: { name: string; value?: string }[] } {
  const out = { nameservers: [] as string[], search: [] as string[], options: [] as { name: string; value?: string }[] };
  for (const raw of text.split('\n')) {
    const [key, ...rest] = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') out.search = rest.filter(Boolean);
    else if (key === 'options') for (const o of rest) { const [name, value] = o.split(':'); if (name) out.options.push({ name, ...(value !== undefined ? { value } : {}) }); }
  }
  return out;
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
