/** The API object types the trace analysis reads (type-only re-exports), and indexes over them. */
import type { Snapshot } from '../../snapshot/types.js';
import { objectsOf, type V1Pod } from '../../model/k8s.js';
import { addrKey } from '../../util/addr.js';

export { objectsOf, has, type V1Node, type V1Pod, type V1Service } from '../../model/k8s.js';
export type { V1ServicePort } from '@kubernetes/client-node';

interface PodIndex {
  byName: Map<string, V1Pod>;
  /** Non-hostNetwork pods by address (canonical form); the first pod listed keeps an address. */
  byIp: Map<string, V1Pod>;
}

// A big service's trace asks about every one of its thousands of pods: index them once per pod list.
const indexes = new WeakMap<object, PodIndex>();

function podIndex(snapshot: Snapshot): PodIndex {
  const pods = objectsOf(snapshot, 'pods');
  let ix = indexes.get(pods);
  if (ix) return ix;
  ix = { byName: new Map(), byIp: new Map() };
  for (const p of pods) {
    const name = `${p.metadata?.namespace}/${p.metadata?.name}`;
    if (!ix.byName.has(name)) ix.byName.set(name, p);
    if (p.spec?.hostNetwork) continue;
    const listed: unknown = p.status?.podIPs;
    const ips: unknown[] = [p.status?.podIP, ...(Array.isArray(listed) ? listed.map((x: { ip?: unknown } | null) => x?.ip) : [])];
    for (const ip of ips) {
      if (typeof ip !== 'string' || !ip) continue;
      const k = addrKey(ip);
      if (!ix.byIp.has(k)) ix.byIp.set(k, p);
    }
  }
  indexes.set(pods, ix);
  return ix;
}

/** The pod `namespace/name`. */
export const podNamed = (snapshot: Snapshot, nsName: string): V1Pod | undefined => podIndex(snapshot).byName.get(nsName);

/** The (non-hostNetwork) pod that owns `ip`, in any textual form of the address. */
export const podWithIp = (snapshot: Snapshot, ip: string): V1Pod | undefined => podIndex(snapshot).byIp.get(addrKey(ip));
