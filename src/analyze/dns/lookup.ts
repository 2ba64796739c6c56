/**
 * A name as the pod's stub resolver tries it (glibc/musl search rules) and what cluster DNS
 * (CoreDNS `kubernetes` plugin) answers for each candidate: `<svc>.<ns>.svc.<domain>` is a Service
 * (its ClusterIP, the pod IPs when headless, a CNAME when ExternalName); other names in the cluster
 * domain are NXDOMAIN; names outside it are forwarded upstream (unknown here).
 */
import type { Snapshot } from '../../snapshot/types.js';
import { objectsOf, type V1Service } from '../../model/k8s.js';
import { isIp } from '../../util/addr.js';
import { assertNotMalformed } from '../../snapshot/screen.js';

/** Candidates in the order tried: fewer dots than ndots → search domains first, then the name as is. */
export function candidates(name: string, search: string[], ndots: number): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = (name.match(/\./g) ?? []).length;
  const searched = search.map((s) => `${name}.${s}`);
  return dots >= ndots ? [name, ...searched] : [...searched, name];
}

export type Answer =
  | { kind: 'service'; service: V1Service; name: string }
  /** An A/AAAA record for one address: a pod record, or a hostname under a headless service. */
  | { kind: 'address'; ip: string; what: string }
  | { kind: 'nxdomain'; why: string }
  | { kind: 'upstream' };

export interface Attempt {
  query: string;
  answer: Answer;
}

/** What cluster DNS says for one fully qualified candidate. */
function answer(snapshot: Snapshot, fqdn: string, domain: string): Answer {
  const suffix = `.svc.${domain}`;
  const lower = fqdn.toLowerCase();
  if (lower !== domain && !lower.endsWith(`.${domain}`)) return { kind: 'upstream' };
  if (lower.endsWith(`.pod.${domain}`)) return podRecord(lower.slice(0, -`.pod.${domain}`.length));
  if (!lower.endsWith(suffix)) return { kind: 'nxdomain', why: `not a service name (<service>.<namespace>.svc.${domain})` };
  const parts = lower.slice(0, -suffix.length).split('.');
  if (parts.length === 3) return hostnameRecord(snapshot, parts[0]!, parts[1]!, parts[2]!);
  if (parts.length !== 2) return { kind: 'nxdomain', why: parts.length > 3 ? 'too many labels for a service or hostname record' : 'no namespace part' };
  const [svc, ns] = parts as [string, string];
  const s = objectsOf(snapshot, 'services').find((x) => x.metadata?.namespace === ns && x.metadata?.name === svc);
  if (!s) assertNotMalformed(snapshot, 'services', ns, svc, `which ${fqdn} names`);
  return s ? { kind: 'service', service: s, name: `${ns}/${svc}` } : { kind: 'nxdomain', why: `no Service ${ns}/${svc}` };
}

/** Tries the candidates in order until one is answered (a service) or forwarded upstream. */
export function lookup(snapshot: Snapshot, tries: string[], domain: string): Attempt[] {
  const out: Attempt[] = [];
  for (const q of tries) {
    const a = answer(snapshot, q, domain);
    out.push({ query: q, answer: a });
    if (a.kind !== 'nxdomain') break;
  }
  return out;
}

/**
 * `<a-b-c-d>.<ns>.pod.<domain>`: CoreDNS answers the address written in the name (kubeadm's Corefile
 * has `pods insecure`: no check that such a pod exists).
 */
function podRecord(rest: string): Answer {
  const parts = rest.split('.');
  if (parts.length !== 2) return { kind: 'nxdomain', why: 'a pod record is <address-with-dashes>.<namespace>.pod.<domain>' };
  const label = parts[0]!;
  const ip = /^\d+-\d+-\d+-\d+$/.test(label) ? label.replace(/-/g, '.') : label.includes('--') || /^[0-9a-f-]+$/.test(label) ? label.replace(/-/g, ':') : undefined;
  if (!ip || !isIp(ip)) return { kind: 'nxdomain', why: `${label} is not an address written with dashes` };
  return { kind: 'address', ip, what: `pod record in namespace ${parts[1]} (CoreDNS "pods insecure" answers the address in the name)` };
}

/** `<hostname>.<service>.<ns>.svc.<domain>`: an endpoint of a headless service with that hostname (StatefulSet pods). */
function hostnameRecord(snapshot: Snapshot, host: string, svc: string, ns: string): Answer {
  const service = objectsOf(snapshot, 'services').find((x) => x.metadata?.namespace === ns && x.metadata?.name === svc);
  const cip = service?.spec?.clusterIP;
  if (!service) assertNotMalformed(snapshot, 'services', ns, svc, `which ${host}.${svc}.${ns} names`);
  if (!service) return { kind: 'nxdomain', why: `no Service ${ns}/${svc}` };
  if (cip && cip.toLowerCase() !== 'none') return { kind: 'nxdomain', why: `${ns}/${svc} is not headless: no per-pod hostname records` };
  for (const s of objectsOf(snapshot, 'endpointslices')) {
    if (s.metadata?.namespace !== ns || s.metadata?.labels?.['kubernetes.io/service-name'] !== svc) continue;
    const e = (s.endpoints ?? []).find((x) => x.hostname?.toLowerCase() === host && x.conditions?.ready !== false);
    if (e?.addresses?.[0]) return { kind: 'address', ip: e.addresses[0], what: `hostname ${host} of service ${ns}/${svc}${e.targetRef?.name ? ` (pod ${ns}/${e.targetRef.name})` : ''}` };
  }
  return { kind: 'nxdomain', why: `no ready endpoint with hostname ${host} behind service ${ns}/${svc}` };
}
