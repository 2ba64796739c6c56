/** Every address in a trace, labelled with what owns it (pod, service, node). */
import type { Snapshot } from '../../snapshot/types.js';
import type { AddressLabel, Trace } from '../../sim/trace.js';
import { objectsOf } from './views.js';
import { sameAddr } from '../../sim/addr.js';

export function labelAddresses(snapshot: Snapshot, trace: Trace): AddressLabel[] {
  const addrs = new Set<string>([trace.source.ip, trace.destination.ip].filter(Boolean));
  for (const b of trace.branches) {
    if (b.endpoint) addrs.add(b.endpoint.ip);
    if (b.final) addrs.add(b.final.saddr).add(b.final.daddr);
    for (const h of b.hops) for (const s of h.steps) for (const p of [s.packetBefore, s.packetAfter]) if (p) addrs.add(p.saddr).add(p.daddr);
  }
  const out: AddressLabel[] = [];
  for (const a of addrs) {
    if (!a) continue;
    const l = labelOf(snapshot, a);
    if (l) out.push(l);
  }
  return out.sort((x, y) => x.address.localeCompare(y.address));
}

export function labelOf(snapshot: Snapshot, addr: string): AddressLabel | undefined {
  for (const s of objectsOf(snapshot, 'services')) {
    const ips = [s.spec?.clusterIP, ...(s.spec?.clusterIPs ?? [])].filter((x): x is string => !!x && x !== 'None');
    if (ips.some((ip) => sameAddr(ip, addr))) return { address: addr, kind: 'service', name: `${s.metadata?.namespace}/${s.metadata?.name}` };
  }
  for (const n of objectsOf(snapshot, 'nodes')) {
    if ((n.status?.addresses ?? []).some((x) => x.address === addr)) return { address: addr, kind: 'node', name: n.metadata?.name ?? '' };
  }
  for (const p of objectsOf(snapshot, 'pods')) {
    if (p.spec?.hostNetwork) continue;
    const ips = [p.status?.podIP, ...(p.status?.podIPs ?? []).map((x) => x.ip)].filter((x): x is string => !!x);
    if (ips.some((ip) => sameAddr(ip, addr))) {
      const l: AddressLabel = { address: addr, kind: 'pod', name: `${p.metadata?.namespace}/${p.metadata?.name}` };
      if (p.spec?.nodeName) l.node = p.spec.nodeName;
      return l;
    }
  }
  return undefined;
}
