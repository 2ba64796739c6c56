/**
 * Paths that continue identically are one path: two forks at the same point of the walk with the same packet
 * (tuple after NAT, marks, conntrack state and NAT set up so far, interfaces, TTL, tunnel) meet the same rules,
 * routes and verdicts from there on, so they are merged and their odds added. The history before the merge is
 * the likelier path's; a note on the branch says how many ways were merged.
 */
import type { Packet } from './packet.js';

/** A key that is equal for equal values: object keys sorted, undefined fields left out. */
function valueKey(v: unknown): string {
  if (v === null || typeof v !== 'object') return v === undefined ? '' : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueKey).join(',')}]`;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${valueKey(obj[k])}`).join(',')}}`;
}

const PACKET_FIELDS = new Set(['family', 'proto', 'saddr', 'daddr', 'sport', 'dport', 'iif', 'physIn', 'oif', 'mark', 'ct', 'original', 'nat', 'ttl', 'ctEntry', 'inner']);
const INNER_FIELDS = new Set(['tunnel', 'packet', 'vni', 'dev', 'port']);
const CT_FIELDS = new Set(['state', 'mark', 'status', 'direction']);
const NAT_FIELDS = new Set(['dnat', 'snat']);
const NAT_FIELDS_LINE = new Set(['dnat', 'snat', 'line']);
const only = (o: object, known: ReadonlySet<string>): boolean => {
  for (const k in o) if (!known.has(k)) return false;
  return true;
};
const tuple = (t: { saddr: string; daddr: string; sport?: number; dport?: number } | undefined): string => (t ? `${t.saddr},${t.daddr},${t.sport ?? ''},${t.dport ?? ''}` : '-');

/**
 * Equal for equal packets. Every field takes part: a packet with a field this function does not know (added later)
 * is keyed by all of its fields, so a merge is never wrong.
 */
export function packetKey(p: Packet): string {
  if (!only(p, PACKET_FIELDS) || !only(p.ct, CT_FIELDS) || !only(p.nat, NAT_FIELDS) || (p.ctEntry && !only(p.ctEntry, NAT_FIELDS_LINE))) return valueKey(p);
  const inner = p.inner;
  let innerKey = '';
  if (inner) {
    if (!only(inner, INNER_FIELDS)) return valueKey(p);
    innerKey = `${inner.tunnel}/${inner.dev}/${'vni' in inner ? inner.vni : ''}/${'port' in inner ? inner.port : ''}/${packetKey(inner.packet)}`;
  }
  const ct = p.ct;
  const e = p.ctEntry;
  return `${p.family}|${p.proto}|${p.saddr}|${p.daddr}|${p.sport ?? ''}|${p.dport ?? ''}|${p.iif ?? ''}|${p.physIn ?? ''}|${p.oif ?? ''}|${p.mark}|${ct.state},${ct.mark},${ct.status.join('+')},${ct.direction ?? ''}|${tuple(p.original)}|${tuple(p.nat.dnat)}|${tuple(p.nat.snat)}|${p.ttl}|${e ? `${tuple(e.dnat)}/${tuple(e.snat)}/${e.line ?? ''}` : ''}|${innerKey}`;
}

/**
 * Items with the same key are folded into the first of them (`combine(kept, other)`); items whose key is
 * undefined are kept as they are. Order of first appearance is kept. Returns how many items were folded away.
 */
export function mergeAlike<T>(items: T[], key: (t: T) => string | undefined, combine: (kept: T, other: T) => void): { merged: T[]; folded: number } {
  if (items.length < 2) return { merged: items, folded: 0 };
  const byKey = new Map<string, T>();
  const merged: T[] = [];
  let folded = 0;
  for (const it of items) {
    const k = key(it);
    const kept = k === undefined ? undefined : byKey.get(k);
    if (kept === undefined) {
      if (k !== undefined) byKey.set(k, it);
      merged.push(it);
      continue;
    }
    combine(kept, it);
    folded++;
  }
  return { merged, folded };
}

/** The branch note for a path that stands for `ways` merged ones. */
export function mergedNote(ways: number, where: string): string {
  return `${ways.toLocaleString('en-US')} ways through ${where} leave the packet the same: merged into one path (odds added; the steps shown are the likeliest way's)`;
}

interface Run {
  probability: number;
  packet: Packet;
  verdict: string;
  notes: string[];
  affinity?: string;
  steps: unknown;
}

/**
 * Accepted runs with the same packet (and the same `extra` state, such as NAT already set up at this hook) are
 * merged: the likelier one's history is kept and a note says how many were merged at `where`.
 */
export function mergeAccepted<R extends Run>(runs: R[], extra: (r: R) => string, where: string): { merged: R[]; folded: number } {
  const count = new Map<R, number>();
  const { merged, folded } = mergeAlike(
    runs,
    (r) => (r.verdict === 'accept' ? `${extra(r)}|${packetKey(r.packet)}` : undefined),
    (kept, other) => {
      count.set(kept, (count.get(kept) ?? 1) + 1);
      kept.affinity ??= other.affinity;
      if (other.probability > kept.probability) {
        kept.notes = other.notes;
        kept.steps = other.steps;
      }
      kept.probability += other.probability;
    },
  );
  for (const [r, n] of count) r.notes = [...r.notes, mergedNote(n, where)];
  return { merged, folded };
}
