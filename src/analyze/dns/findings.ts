/**
 * Where the pod's DNS settings and the cluster disagree: the kubelet's clusterDNS that no Service
 * owns, a name typed with another cluster domain than the kubelet's, a loopback nameserver (the
 * node's stub resolver) inherited into a pod's own network namespace, and the node's own problems
 * (unreadable files, files the kubelet does not follow).
 */
import type { V1Pod } from '../../model/k8s.js';
import { objectsOf } from '../../model/k8s.js';
import type { Snapshot } from '../../snapshot/types.js';
import type { Finding } from '../../sim/trace.js';
import { serviceIps, type ClusterDns, type EffectiveDns } from './config.js';
import { isLoopback } from './kubelet.js';
import { parseResolvConf, type ResolvConf } from './resolvconf.js';

export function dnsFindings(snapshot: Snapshot, pod: V1Pod, name: string, rc: ResolvConf, dns: ClusterDns, eff: EffectiveDns): Finding[] {
  const out: Finding[] = [...(eff.node?.findings ?? [])];
  if (rc.policy === 'ClusterFirst' || rc.policy === 'ClusterFirstWithHostNet') out.push(...serverFindings(snapshot, pod, dns, eff));
  const typed = /\.svc\.([a-z0-9.-]+?)\.?$/i.exec(name)?.[1]?.toLowerCase();
  if (typed && typed !== eff.domain.value.toLowerCase()) {
    out.push({
      code: 'dns-cluster-domain-mismatch',
      severity: 'warning',
      message: `${name} is written for the cluster domain ${typed}, but the cluster domain here is ${eff.domain.value}: cluster DNS does not answer it as a Service`,
      evidence: [eff.domain.source],
      hint: `use ${name.replace(/\.svc\..*$/i, '')}.svc.${eff.domain.value}, or the short name`,
    });
  }
  const loop = rc.policy === 'Default' && !pod.spec?.hostNetwork ? rc.nameservers.filter((n) => isLoopback(n) && rc.host?.nameservers.includes(n)) : [];
  if (loop.length && rc.host) {
    out.push({
      code: 'dns-loopback-nameserver',
      severity: 'error',
      message: `${pod.metadata?.namespace}/${pod.metadata?.name} (dnsPolicy ${pod.spec?.dnsPolicy ?? 'ClusterFirst'}) inherits nameserver ${loop.join(', ')} from its node, a resolver on the node's loopback (systemd-resolved's stub is 127.0.0.53); in the pod's own network namespace nothing listens there: its lookups fail`,
      evidence: [rc.host.source],
      hint: stubHint(snapshot, pod.spec?.nodeName),
    });
  }
  return out;
}

function serverFindings(snapshot: Snapshot, pod: V1Pod, dns: ClusterDns, eff: EffectiveDns): Finding[] {
  // An address taken from the kube-dns Service itself cannot disagree with it.
  if (eff.servers.assumed) return [];
  const services = objectsOf(snapshot, 'services');
  const kubeDns = serviceIps(dns.service);
  const out: Finding[] = [];
  for (const ip of eff.servers.value) {
    if (/^169\.254\./.test(ip)) {
      out.push({ code: 'dns-node-local-cache', severity: 'info', message: `pods on ${pod.spec?.nodeName} query ${ip}, a link-local address (NodeLocal DNSCache listens there on every node), not the kube-dns Service${kubeDns.length ? ` ${kubeDns.join(', ')}` : ''}`, evidence: [eff.servers.source] });
      continue;
    }
    const owner = services.find((s) => serviceIps(s).includes(ip));
    if (!owner) {
      out.push({
        code: 'dns-server-unowned',
        severity: 'error',
        message: `the kubelet's clusterDNS ${ip} is not the ClusterIP of any Service${kubeDns.length ? ` (kube-system/kube-dns is ${kubeDns.join(', ')})` : ''}: pods on ${pod.spec?.nodeName} send their DNS queries to an address no Service owns`,
        evidence: [eff.servers.source],
        ...(kubeDns.length ? { hint: `set the kubelet's clusterDNS to ${kubeDns.join(', ')} (or give the DNS Service that address)` } : {}),
      });
    } else if (dns.service && owner !== dns.service) {
      out.push({ code: 'dns-server-other-service', severity: 'info', message: `the kubelet's clusterDNS ${ip} belongs to Service ${owner.metadata?.namespace}/${owner.metadata?.name}, not kube-system/kube-dns`, evidence: [eff.servers.source] });
    }
  }
  return out;
}

/** systemd-resolved keeps the real upstream servers in /run/systemd/resolve/resolv.conf: point the kubelet there. */
function stubHint(snapshot: Snapshot, node: string | undefined): string {
  const full = node ? snapshot.nodes[node]?.files?.['/run/systemd/resolve/resolv.conf'] : undefined;
  const servers = full ? parseResolvConf(full).nameservers.filter((n) => !isLoopback(n)) : [];
  return `set the kubelet's resolvConf to /run/systemd/resolve/resolv.conf${servers.length ? ` (nameservers ${servers.join(', ')} on ${node})` : ''}, or give the pod dnsConfig.nameservers`;
}
