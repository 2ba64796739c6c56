/**
 * Name resolution as a pod does it, from the snapshot: its resolv.conf (dnsPolicy, dnsConfig, cluster
 * DNS settings), the search-path expansion with ndots, what cluster DNS answers for each candidate,
 * and the DNS Service with its endpoints. Pure; `trace` then walks the packet to the answer.
 */
import type { Snapshot } from '../../snapshot/types.js';
import type { V1Pod } from '../../model/k8s.js';
import type { DnsInfo, Finding } from '../../sim/trace.js';
import { endpointsFor } from '../trace/endpoints.js';
import { clusterDns, dnsForNode, type ClusterDns } from './config.js';
import { dnsFindings } from './findings.js';
import { podResolvConf, resolvConfText } from './resolvconf.js';
import { candidates, lookup, type Answer } from './lookup.js';

export { clusterDns, type ClusterDns } from './config.js';
export { nodeDns } from './node.js';
export { podResolvConf, parseResolvConf } from './resolvconf.js';
export { candidates } from './lookup.js';

export interface NameResolution {
  info: DnsInfo;
  /** The Service the name resolves to (`ns/name`), when cluster DNS answers it. */
  service?: string;
  /** The single address it resolves to (a pod record, a headless hostname). */
  address?: string;
  /** Where the pod's DNS settings and the cluster disagree (for the trace's findings). */
  findings: Finding[];
}

/** Resolves `name` as `pod` would. */
export function resolveName(snapshot: Snapshot, pod: V1Pod, name: string, dns: ClusterDns = clusterDns(snapshot)): NameResolution {
  const eff = dnsForNode(dns, pod.spec?.nodeName);
  const rc = podResolvConf(pod, dns);
  // `search .` (a kubelet without a node resolv.conf) adds no candidate.
  const tries = candidates(name, rc.search.filter((s) => s !== '.'), rc.ndots);
  const domain = eff.domain.value;
  const attempts = lookup(snapshot, tries, domain);
  const last = attempts[attempts.length - 1]?.answer;
  const info: DnsInfo = {
    name,
    dnsPolicy: rc.policy,
    resolvConf: resolvConfText(rc),
    nameservers: rc.nameservers,
    search: rc.search,
    ndots: rc.ndots,
    clusterDomain: domain,
    clusterDomainSource: eff.domain.source,
    nameserverSource: eff.servers.source,
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    ...(rc.host ? { nodeResolvConfSource: rc.host.source } : {}),
    attempts: attempts.map((a) => ({ query: a.query, result: resultText(a.answer) })),
    notes: [...(eff.node?.notes ?? []), ...rc.notes],
  };
  if (rc.host) info.notes.push(`node resolv.conf: ${rc.host.source}`);
  if (tries.length > attempts.length) info.notes.push(`${tries.length - attempts.length} later candidate(s) not tried: ${tries.slice(attempts.length).join(', ')}`);
  if (dns.service) info.dnsService = dnsServiceInfo(snapshot, dns);
  if (!usesClusterDns(rc.nameservers, eff.servers.value)) info.notes.push(`the pod's nameservers (${rc.nameservers.join(', ') || 'none'}) are not the cluster DNS (${eff.servers.value.join(', ') || 'unknown'}): cluster names may not resolve`);
  const findings = dnsFindings(snapshot, pod, name, rc, dns, eff);
  if (last?.kind === 'service') {
    info.answer = answerText(last);
    return { info, service: last.name, findings };
  }
  if (last?.kind === 'address') {
    info.answer = `${last.ip} (${last.what})`;
    return { info, address: last.ip, findings };
  }
  return { info, findings };
}

function usesClusterDns(nameservers: string[], servers: string[]): boolean {
  return servers.length === 0 || nameservers.some((n) => servers.includes(n));
}

function resultText(a: Answer): string {
  if (a.kind === 'service') return answerText(a);
  if (a.kind === 'address') return `${a.ip} (${a.what})`;
  if (a.kind === 'upstream') return 'outside the cluster domain: forwarded upstream (answer not in the snapshot)';
  return `NXDOMAIN (${a.why})`;
}

function answerText(a: Extract<Answer, { kind: 'service' }>): string {
  const s = a.service.spec ?? {};
  if (s.type === 'ExternalName') return `CNAME ${s.externalName ?? ''} (ExternalName service ${a.name})`;
  const ips = (s.clusterIPs ?? [s.clusterIP]).filter((x): x is string => !!x);
  if (!ips.length || ips.some((x) => x.toLowerCase() === 'none')) return `the ready pod addresses of headless service ${a.name}`;
  return `${ips.join(', ')} (service ${a.name})`;
}

function dnsServiceInfo(snapshot: Snapshot, dns: ClusterDns): NonNullable<DnsInfo['dnsService']> {
  const svc = dns.service!;
  const port = (svc.spec?.ports ?? []).find((p) => p.port === 53 && (p.protocol ?? 'TCP') === 'UDP') ?? svc.spec?.ports?.[0];
  const eps = port ? endpointsFor(snapshot, svc, port) : [];
  return {
    name: `${svc.metadata?.namespace}/${svc.metadata?.name}`,
    ip: svc.spec?.clusterIP ?? '',
    endpoints: eps.map((e) => ({ ip: e.ip, ready: e.ready, ...(e.pod ? { pod: e.pod } : {}), ...(e.node ? { node: e.node } : {}) })),
  };
}
