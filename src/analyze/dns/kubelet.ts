/**
 * What the kubelet makes of resolv.conf files (pkg/kubelet/network/dns/dns.go): it reads the node's
 * file with its own rules (every nameserver; the last `search` line, trailing dots trimmed; the last
 * `options` line; `domain` ignored), and bounds a pod's search line (32 domains, 2048 characters, no
 * domain over 253 characters: ExpandedDNSConfig, GA since 1.28) and nameservers (3).
 */
import type { ResolvConfFile, ResolvOption } from '../../parse/resolv-conf.js';

export interface ResolverView {
  nameservers: string[];
  search: string[];
  options: ResolvOption[];
}

export const MAX_NAMESERVERS = 3;
const MAX_SEARCH_PATHS = 32;
const MAX_SEARCH_CHARS = 2048;
const MAX_DOMAIN_CHARS = 253;

/** The node's file as the kubelet reads it (parseResolvConf in dns.go). */
export function kubeletReading(file: ResolvConfFile): ResolverView {
  return {
    nameservers: file.nameservers.map((n) => n.value),
    search: (file.searches.at(-1)?.value ?? []).map((s) => s.replace(/\.$/, '')),
    options: file.options.at(-1)?.value ?? [],
  };
}

/** The search line the kubelet writes (formDNSSearchFitsLimits), and what it dropped. */
export function fitSearch(search: readonly string[]): { search: string[]; dropped: string[] } {
  const kept = search.slice(0, MAX_SEARCH_PATHS).filter((s) => s.length <= MAX_DOMAIN_CHARS);
  let len = kept.join(' ').length;
  while (kept.length && len > MAX_SEARCH_CHARS) {
    len -= kept.at(-1)!.length + 1;
    kept.pop();
  }
  return { search: kept, dropped: search.filter((s) => !kept.includes(s)) };
}

/**
 * The cluster part the kubelet writes for a ClusterFirst pod in namespace `ns`
 * (`<ns>.svc.<domain> svc.<domain> <domain>`, then the node's search domains): recognised in a file
 * the kubelet wrote, it gives back the cluster domain and the node's search domains.
 */
export function clusterSearchOf(search: readonly string[]): { domain: string; namespace: string; nodeSearch: string[] } | undefined {
  const m = /^([a-z0-9-]+)\.svc\.(.+)$/.exec(search[0] ?? '');
  if (!m) return undefined;
  const domain = m[2]!;
  if (search[1] !== `svc.${domain}` || search[2] !== domain) return undefined;
  return { domain, namespace: m[1]!, nodeSearch: search.slice(3) };
}

/** 127.0.0.0/8 and ::1: only reachable inside the network namespace that owns them. */
export const isLoopback = (ip: string): boolean => /^127\./.test(ip) || ip === '::1';
