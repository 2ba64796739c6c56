/** Every address in a trace, labelled with what owns it (pod, service, node). */
import type { Snapshot } from '../../snapshot/types.js';
import type { AddressLabel, Trace } from '../../sim/trace.js';
import { objectsOf } from './views.js';
import { addrKey } from '../../util/addr.js';

export function labelAddresses(snapshot: Snapshot, trace: Trace): AddressLabel[] {
  const addrs = new Set<string>([trace.source.ip, trace.destination.ip].filter(Boolean));
  for (const b of trace.branches) {
    if (b.endpoint) addrs.add(b.endpoint.ip);
    if (b.final) addrs.add(b.final.saddr).add(b.final.daddr);
    for (const h of b.hops) for (const s of h.steps) for (const p of [s.packetBefore, s.packetAfter]) if (p) addrs.add(p.saddr).add(p.daddr);
  }
  const owners = addressOwners(snapshot);
  const out: AddressLabel[] = [];
  for (const a of addrs) {
    const l = a ? owners.get(addrKey(a)) : undefined;
    if (l) out.push({ ...l, address: a });
  }
  return out.sort((x, y) => x.address.localeCompare(y.address));
}

// One index per snapshot: a trace labels a dozen addresses, a cluster can hold 10,000 services.
const ownersBySnapshot = new WeakMap<Snapshot, Map<string, AddressLabel>>();

/** Address → owner; services win over nodes, nodes over pods (first claim stays). */
function addressOwners(snapshot: Snapshot): Map<string, AddressLabel> {
  const cached = ownersBySnapshot.get(snapshot);
  if (cached) return cached;
  const owners = new Map<string, AddressLabel>();
  const claim = (ip: string | undefined, label: AddressLabel): void => {
    if (!ip || ip === 'None') return;
    const k = addrKey(ip);
    if (!owners.has(k)) owners.set(k, { ...label, address: ip });
  };
  for (const s of objectsOf(snapshot, 'services')) {
    const label: AddressLabel = { address: '', kind: 'service', name: `${s.metadata?.namespace}/${s.metadata?.name}` };
    for (const ip of [s.spec?.clusterIP, ...(s.spec?.clusterIPs ?? [])]) claim(ip, label);
  }
  for (const n of objectsOf(snapshot, 'nodes')) {
    for (const x of n.status?.addresses ?? []) claim(x.address, { address: '', kind: 'node', name: n.metadata?.name ?? '' });
  }
  for (const p of objectsOf(snapshot, 'pods')) {
    if (p.spec?.hostNetwork) continue;
    const label: AddressLabel = { address: '', kind: 'pod', name: `${p.metadata?.namespace}/${p.metadata?.name}` };
    if (p.spec?.nodeName) label.node = p.spec.nodeName;
    for (const ip of [p.status?.podIP, ...(p.status?.podIPs ?? []).map((x) => x.ip)]) claim(ip, label);
  }
  ownersBySnapshot.set(snapshot, owners);
  return owners;
}
