/** Existing conntrack entries: a packet of a known flow takes its NAT from the entry, not from the nat chains. */
import type { ConntrackEntry } from '../model/conntrack.js';
import type { NodeModel } from '../model/node.js';
import type { Packet } from './packet.js';
import { sameAddr } from '../util/addr.js';

/** The entry whose ORIGINAL tuple is exactly this packet's (a source port is needed to name a flow). */
export function findEntry(node: NodeModel, pkt: Packet): ConntrackEntry | undefined {
  if (pkt.sport === undefined) return undefined;
  return node.conntrack.find(
    (e) =>
      e.protocol === pkt.proto &&
      sameAddr(e.original.src, pkt.saddr) &&
      sameAddr(e.original.dst, pkt.daddr) &&
      e.original.sport === pkt.sport &&
      e.original.dport === pkt.dport,
  );
}

/** Marks the packet as belonging to the entry's connection and records the entry's NAT. */
export function joinEntry(pkt: Packet, e: ConntrackEntry): Packet {
  const replied = !e.flags.includes('UNREPLIED');
  const dnatted = !sameAddr(e.reply.src, e.original.dst) || e.reply.sport !== e.original.dport;
  const snatted = !sameAddr(e.reply.dst, e.original.src) || e.reply.dport !== e.original.sport;
  const entry: NonNullable<Packet['ctEntry']> = {};
  if (dnatted) entry.dnat = { saddr: pkt.saddr, daddr: e.reply.src, sport: pkt.sport, dport: e.reply.sport };
  if (snatted) entry.snat = { saddr: e.reply.dst, daddr: pkt.daddr, sport: e.reply.dport, dport: pkt.dport };
  if (e.line !== undefined) entry.line = e.line;
  return {
    ...pkt,
    ct: { state: replied ? 'established' : 'new', mark: e.mark ?? 0, status: ['confirmed', ...(replied ? ['seen-reply'] : []), ...(e.flags.includes('ASSURED') ? ['assured'] : [])] },
    ctEntry: entry,
  };
}

export function describeEntry(e: ConntrackEntry): string {
  const t = (x: ConntrackEntry['original']): string => `src=${x.src} dst=${x.dst}${x.sport !== undefined ? ` sport=${x.sport}` : ''}${x.dport !== undefined ? ` dport=${x.dport}` : ''}`;
  return `${e.protocol} ${e.state ?? ''} ${t(e.original)} ${t(e.reply)} ${e.flags.map((f) => `[${f}]`).join(' ')}`.replace(/\s+/g, ' ').trim();
}
