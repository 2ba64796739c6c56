/** NAT statements: the new tuple a DNAT/SNAT/MASQUERADE/REDIRECT gives the connection. */
import type { NatStatement } from '../model/netfilter.js';
import type { Packet } from './packet.js';
import type { EvalCtx } from './selector.js';
import { evalSelector } from './selector.js';
import { findSet, lookupMap } from './compare.js';
import { redirectAddr, selectSourceAddr } from './local.js';

export type NatResult =
  | { kind: 'ok'; packet: Packet; summary: string; notes: string[]; probability: number }
  | { kind: 'unknown'; reason: string };

/** Applies one NAT statement; returns one result per alternative (a map keyed by numgen, say). */
export function applyNat(st: NatStatement, pkt: Packet, ctx: EvalCtx, nexthop?: string): NatResult[] {
  const notes: string[] = [];
  if (st.addrTo) notes.push(`address range ${st.addr}-${st.addrTo}: the kernel picks one; shown with the first`);
  if (st.portTo !== undefined && st.portTo !== st.port) notes.push(`port range ${st.port}-${st.portTo}: shown with the first`);
  if (st.flags?.some((f) => f.includes('random'))) notes.push(`${st.flags.join(',')}: the source port may be remapped`);
  switch (st.type) {
    case 'dnat': {
      if (st.addrMap) return mapped(st, pkt, ctx, notes);
      if (!st.addr && st.port === undefined) return [{ kind: 'unknown', reason: 'dnat without a target' }];
      return [ok(dnat(pkt, st.addr ?? pkt.daddr, st.port ?? pkt.dport), notes)];
    }
    case 'redirect': {
      // Locally sent packets go to loopback's address; others to the incoming device's first address.
      const addr = pkt.iif ? redirectAddr(ctx.node, pkt.iif, pkt.family) : pkt.family === 4 ? '127.0.0.1' : '::1';
      if (!addr) return [{ kind: 'unknown', reason: `redirect: no address on ${pkt.iif}` }];
      return [ok(dnat(pkt, addr, st.port ?? pkt.dport), notes)];
    }
    case 'snat': {
      if (st.addrMap) return [{ kind: 'unknown', reason: 'snat from a map' }];
      if (!st.addr) return [{ kind: 'unknown', reason: 'snat without an address' }];
      return [ok(snat(pkt, st.addr, st.port ?? pkt.sport), notes)];
    }
    case 'masquerade': {
      const addr = selectSourceAddr(ctx.node, pkt.oif, nexthop ?? pkt.daddr, pkt.family);
      if (!addr) return [{ kind: 'unknown', reason: `masquerade: no address on ${pkt.oif ?? 'the outgoing interface'}` }];
      return [ok(snat(pkt, addr, st.port ?? pkt.sport), [...notes, `masquerade to ${addr}, the primary address of ${pkt.oif}`])];
    }
  }
}

function ok(packet: Packet, notes: string[], probability = 1): NatResult {
  return { kind: 'ok', packet, notes, probability, summary: '' };
}

function mapped(st: NatStatement, pkt: Packet, ctx: EvalCtx, notes: string[]): NatResult[] {
  const m = st.addrMap!;
  const key = evalSelector(m.key, pkt, ctx);
  if (key.kind === 'unknown') return [{ kind: 'unknown', reason: key.reason }];
  const elements = m.map.kind === 'inline' ? m.map.elements : (findSet(ctx.table, m.map.name)?.elements as import('../model/netfilter.js').MapElement[] | undefined);
  if (!elements) return [{ kind: 'unknown', reason: `map @${m.map.kind === 'ref' ? m.map.name : ''} not in the dump` }];
  const out: NatResult[] = [];
  for (const alt of key.alts) {
    const { element } = lookupMap(alt.value, elements, ctx.table);
    if (!element) return [{ kind: 'unknown', reason: 'dnat map has no element for this packet' }];
    const v = element.value;
    if ('kind' in v && v.kind === 'addr') out.push(ok(dnat(pkt, v.value, st.port ?? pkt.dport), notes, alt.probability));
    else if ('kind' in v && v.kind === 'concat' && v.parts[0]?.kind === 'addr' && v.parts[1]?.kind === 'int')
      out.push(ok(dnat(pkt, v.parts[0].value, v.parts[1].value), notes, alt.probability));
    else return [{ kind: 'unknown', reason: 'dnat map value is not an address' }];
  }
  return out;
}

function dnat(pkt: Packet, addr: string, port: number | undefined): Packet {
  const t = { saddr: pkt.saddr, daddr: addr, sport: pkt.sport, dport: port };
  return { ...pkt, daddr: addr, dport: port, nat: { ...pkt.nat, dnat: t }, ct: { ...pkt.ct, status: [...new Set([...pkt.ct.status, 'dnat'])] } };
}

function snat(pkt: Packet, addr: string, port: number | undefined): Packet {
  const t = { saddr: addr, daddr: pkt.daddr, sport: port, dport: pkt.dport };
  return { ...pkt, saddr: addr, sport: port, nat: { ...pkt.nat, snat: t }, ct: { ...pkt.ct, status: [...new Set([...pkt.ct.status, 'snat'])] } };
}
