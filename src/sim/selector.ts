/**
 * Reads what a netfilter selector sees of a packet. A selector yields alternatives (numgen yields one
 * per value, each with its odds); `null` means the header is absent (the rule cannot match);
 * `unknown` means the simulator does not model it (the branch becomes uncertain).
 */
import type { Hook, Ruleset, Selector, Table } from '../model/netfilter.js';
import type { NodeModel } from '../model/node.js';
import { UNKNOWN_PORT, type Packet } from './packet.js';
import { lookupRoute } from './route.js';
import { fibAddrType } from './local.js';

/**
 * A selector's value: numbers, strings (addresses, names, symbols), a flag set, or a concatenation. `null`: the
 * packet has no such field (the rule cannot match); `unread`: it has one, whose value the traced packet does not
 * carry (a comparison with it cannot be decided, unless another part of a concatenation already fails).
 */
export type SV = number | string | { flags: string[] } | { concat: SV[] } | { unread: string } | null;

interface Alt {
  value: SV;
  probability: number;
  note?: string;
}

export type SelResult = { kind: 'ok'; alts: Alt[] } | { kind: 'unknown'; reason: string };

/** Where the expression is evaluated: the node, table, hook and what the packet has been through. */
export interface EvalCtx {
  node: NodeModel;
  ruleset: Ruleset;
  table: Table;
  hook: Hook;
  /** False before conntrack's own hook (priority -200 at prerouting/output): `ct state` reads invalid. */
  ctKnown: boolean;
  /** Bridge port the frame leaves by (br_netfilter forward/postrouting). */
  physOut?: string;
}

const one = (value: SV, note?: string): SelResult => ({ kind: 'ok', alts: [note ? { value, probability: 1, note } : { value, probability: 1 }] });
const unknown = (reason: string): SelResult => ({ kind: 'unknown', reason });

/** nft's protocol names (`ipv6-icmp`, not `icmpv6`). */
function nftProtoName(p: Packet['proto']): string {
  return p === 'icmpv6' ? 'ipv6-icmp' : p;
}

export function evalSelector(sel: Selector, pkt: Packet, ctx: EvalCtx): SelResult {
  switch (sel.kind) {
    case 'payload':
      return payload(sel.protocol, sel.field, pkt);
    case 'meta':
      return meta(sel.key, pkt, ctx);
    case 'ct':
      return ct(sel.key, sel.dir, pkt, ctx);
    case 'fib':
      return fib(sel, pkt, ctx);
    case 'numgen': {
      const alts: Alt[] = [];
      for (let k = 0; k < sel.mod; k++) alts.push({ value: sel.offset + k, probability: 1 / sel.mod, note: sel.mode === 'inc' ? 'numgen inc (round robin): equal odds per connection' : undefined });
      return { kind: 'ok', alts };
    }
    case 'concat': {
      let combos: Alt[] = [{ value: { concat: [] }, probability: 1 }];
      for (const part of sel.parts) {
        const r = evalSelector(part, pkt, ctx);
        if (r.kind === 'unknown') return r;
        const next: Alt[] = [];
        for (const c of combos) {
          for (const a of r.alts) {
            const parts = (c.value as { concat: SV[] }).concat;
            const note = c.note ?? a.note;
            next.push({ value: { concat: [...parts, a.value] }, probability: c.probability * a.probability, ...(note ? { note } : {}) });
          }
        }
        combos = next;
      }
      return { kind: 'ok', alts: combos };
    }
    case 'bitwise': {
      const r = evalSelector(sel.left, pkt, ctx);
      if (r.kind === 'unknown') return r;
      const alts: Alt[] = [];
      for (const a of r.alts) {
        if (a.value === null) {
          alts.push(a);
          continue;
        }
        if (typeof a.value !== 'number') return unknown(`bitwise ${sel.op} on a non-numeric value`);
        const v = sel.op === '&' ? a.value & sel.right : sel.op === '|' ? a.value | sel.right : a.value ^ sel.right;
        alts.push({ ...a, value: v >>> 0 });
      }
      return { kind: 'ok', alts };
    }
    case 'socket':
      return unknown(`socket ${sel.key} (needs the node's sockets)`);
    case 'rt':
      return unknown(`rt ${sel.key}`);
  }
}

function payload(proto: string, field: string, pkt: Packet): SelResult {
  if (proto === 'ip' || proto === 'ip6') {
    if ((proto === 'ip') !== (pkt.family === 4)) return one(null);
    if (field === 'saddr') return one(pkt.saddr);
    if (field === 'daddr') return one(pkt.daddr);
    if (field === 'protocol' || field === 'nexthdr') return one(nftProtoName(pkt.proto));
    if (field === 'version') return one(pkt.family);
    return unknown(`${proto} ${field}`);
  }
  if (proto === 'tcp' || proto === 'udp' || proto === 'sctp' || proto === 'th') {
    if (proto !== 'th' && proto !== pkt.proto) return one(null);
    // `th` has no protocol of its own: on ICMP or IP-in-IP the kernel reads the same bytes of that header (type and
    // code, checksum; the inner header's first words), which the packet here does not carry.
    if (proto === 'th' && !['tcp', 'udp', 'sctp'].includes(pkt.proto)) return one({ unread: `th ${field} of a ${pkt.proto} packet (the kernel reads bytes of its ${pkt.proto} header there)` });
    if (field === 'sport') return pkt.sport === undefined ? unknown(`${proto} sport (source port not known)`) : one(pkt.sport);
    if (field === 'dport') return pkt.dport === undefined ? unknown(`${proto} dport (destination port not given)`) : one(pkt.dport);
    if (field === 'flags' && pkt.proto === 'tcp') return one(0x02); // the first packet of a connection: SYN
    return unknown(`${proto} ${field}`);
  }
  if (proto === 'icmp' || proto === 'icmpv6') {
    if (pkt.proto !== proto) return one(null);
    return unknown(`${proto} ${field}`);
  }
  return unknown(`${proto} ${field}`);
}

function meta(key: string, pkt: Packet, ctx: EvalCtx): SelResult {
  switch (key) {
    case 'iifname':
    case 'iif':
      return one(pkt.iif ?? '');
    case 'oifname':
    case 'oif':
      return one(pkt.oif ?? '');
    case 'mark':
      return one(pkt.mark >>> 0);
    case 'l4proto':
      return one(nftProtoName(pkt.proto));
    case 'protocol':
      return one(pkt.family === 4 ? 'ip' : 'ip6');
    case 'nfproto':
      return one(pkt.family === 4 ? 'ipv4' : 'ipv6');
    case 'pkttype':
      return one('host');
    case 'physdev-in':
      return pkt.physIn === UNKNOWN_PORT ? unknown('physdev-in (the bridge port the pod uses is not in the neighbour/FDB dumps)') : one(pkt.physIn ?? '');
    case 'physdev-out':
      return one(ctx.physOut ?? '');
    case 'physdev-is-in':
      return one(pkt.physIn ? 1 : 0);
    case 'physdev-is-out':
      return one(ctx.physOut ? 1 : 0);
    case 'physdev-is-bridged':
      return one(pkt.physIn && ctx.physOut ? 1 : 0);
    default:
      return unknown(`meta ${key}`);
  }
}

function ct(key: string, dir: string | undefined, pkt: Packet, ctx: EvalCtx): SelResult {
  if (!ctx.ctKnown) {
    if (key === 'state') return one({ flags: [pkt.ct.state === 'untracked' ? 'untracked' : 'invalid'] });
    return one(null);
  }
  if (pkt.ct.state === 'untracked') return key === 'state' ? one({ flags: ['untracked'] }) : one(null);
  switch (key) {
    case 'state':
      return one({ flags: [pkt.ct.state] });
    case 'status':
      return one({ flags: ctStatus(pkt) });
    case 'mark':
      return one(pkt.ct.mark >>> 0);
    case 'direction':
      return one(pkt.ct.direction ?? 'original');
    case 'l3proto':
      return one(pkt.family === 4 ? 'ipv4' : 'ipv6');
    case 'protocol':
      return one(nftProtoName(pkt.proto));
    case 'zone':
      return one(0);
  }
  // `ct original ip daddr`, `ct reply proto-dst`, ...: the conntrack tuple fields.
  const f = key.replace(/^ip6? /, '');
  if (dir === 'reply') return unknown(`ct reply ${key}`);
  if (f === 'saddr' || f === 'ip saddr') return one(pkt.original.saddr);
  if (f === 'daddr') return one(pkt.original.daddr);
  if (f === 'proto-src') return pkt.original.sport === undefined ? unknown('ct original proto-src') : one(pkt.original.sport);
  if (f === 'proto-dst') return pkt.original.dport === undefined ? unknown('ct original proto-dst') : one(pkt.original.dport);
  return unknown(`ct ${key}`);
}

function ctStatus(pkt: Packet): string[] {
  const s = [...pkt.ct.status];
  if (pkt.nat.dnat && !s.includes('dnat')) s.push('dnat');
  if (pkt.nat.snat && !s.includes('snat')) s.push('snat');
  return s;
}

function fib(sel: Extract<Selector, { kind: 'fib' }>, pkt: Packet, ctx: EvalCtx): SelResult {
  const flags = sel.flags;
  const useIif = flags.includes('iif');
  if (sel.result === 'type') {
    const addr = flags.includes('saddr') ? pkt.saddr : pkt.daddr;
    const t = fibAddrType(ctx.node, addr, useIif ? pkt.iif : undefined);
    return t === undefined ? unknown(`fib ${flags.join(' . ')} type (no local routes or addresses in the dump)`) : one(t);
  }
  // oif/oifname: a route lookup (for `fib saddr . iif oif`, the reverse path), as nft_fib4_eval/nft_fib6_eval and
  // xt_rpfilter make it: a packet that came in on loopback answers its own device, and the lookup runs as for a
  // locally sent packet (iif lo).
  if (ctx.hook === 'prerouting' && pkt.iif === 'lo') return one('lo');
  const reverse = flags.includes('saddr');
  const r = lookupRoute(ctx.node, {
    family: pkt.family,
    daddr: reverse ? pkt.saddr : pkt.daddr,
    saddr: reverse ? pkt.daddr : pkt.saddr,
    mark: flags.includes('mark') ? pkt.mark : 0,
  });
  if (r.kind === 'unknown') return unknown(`fib ${flags.join(' . ')} ${sel.result}: the ${r.gap.dump} dump of ${ctx.node.name} was not read`);
  // A local destination, or no unicast route, gives no device: `missing`.
  if (r.kind !== 'unicast') return one('');
  // Asked with a device (iif, oif), the answer is that device when any next hop of the route uses it
  // (fib_info_nh_uses_dev), else none; without one, the first next hop's.
  const dev = flags.includes('oif') ? pkt.oif : useIif ? pkt.iif : undefined;
  if (dev !== undefined) return one(r.hops.some((h) => h.dev === dev) ? dev : '');
  return one(r.hops[0]?.dev ?? '');
}
