/**
 * A name as the pod's stub resolver tries it (glibc/musl search rules) and what cluster DNS
 * (CoreDNS `kubernetes` plugin) answers for each candidate: `<svc>.<ns>.svc.<domain>` is a Service
 * (its ClusterIP, the pod IPs when headless, a CNAME when ExternalName); other names in the cluster
 * domain are NXDOMAIN; names outside it are forwarded upstream (unknown here).
 */
import type { Snapshot } from '../../snapshot/types.js';
import { objectsOf, type V1Service } from '../../model/k8s.js';

/** Candidates in the order tried: fewer dots than ndots → search domains first, then the name as is. */
export function candidates(name: string, search: string[], ndots: number): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = (name.match(/\./g) ?? []).length;
  const searched = search.map((s) => `${name}.${s}`);
  return dots >= ndots ? [name, ...searched] : [...searched, name];
}

export type Answer =
  | { kind: 'service'; service: V1Service; name: string }
  | { kind: 'nxdomain'; why: string }
  | { kind: 'upstream' };

export interface Attempt {
  query: string;
  answer: Answer;
}

/** What cluster DNS says for one fully qualified candidate. */
export function answer(snapshot: Snapshot, fqdn: string, domain: string): Answer {
  const suffix = `.svc.${domain}`;
  const lower = fqdn.toLowerCase();
  if (lower !== domain && !lower.endsWith(`.${domain}`)) return { kind: 'upstream' };
  if (!lower.endsWith(suffix)) return { kind: 'nxdomain', why: `not a service name (<service>.<namespace>.svc.${domain})` };
  const parts = lower.slice(0, -suffix.length).split('.');
  if (parts.length !== 2) return { kind: 'nxdomain', why: parts.length > 2 ? `not a service record (pod hostnames under headless services are not modelled)` : `no namespace part` };
  const [svc, ns] = parts as [string, string];
  const s = objectsOf(snapshot, 'services').find((x) => x.metadata?.namespace === ns && x.metadata?.name === svc);
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
