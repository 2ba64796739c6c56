/**
 * The packet the simulator walks: what the kernel would see in the skb and its conntrack entry.
 * Values only; every stage returns a new packet (see `withPacket`), so a step can show before/after.
 */
/** `ipencap` is IP-in-IP (protocol 4): only tunnel packets carry it. */
export type L4Proto = 'tcp' | 'udp' | 'sctp' | 'icmp' | 'icmpv6' | 'ipencap';

/** Conntrack state as netfilter's `ct state` sees it. */
type CtState = 'new' | 'established' | 'related' | 'invalid' | 'untracked';

interface Tuple {
  saddr: string;
  daddr: string;
  sport?: number;
  dport?: number;
}

export interface Packet {
  family: 4 | 6;
  proto: L4Proto;
  saddr: string;
  daddr: string;
  sport?: number;
  dport?: number;
  /** Interface the packet arrived on (the logical device: a bridge for bridged frames); absent for local origin. */
  iif?: string;
  /** Bridge port the frame came in on (br_netfilter `physdev`), when bridged. */
  physIn?: string;
  /** Chosen output interface once routed. */
  oif?: string;
  /** skb->mark (`meta mark`, iptables MARK). */
  mark: number;
  /** Connection tracking view. */
  ct: { state: CtState; mark: number; status: string[]; direction?: 'original' | 'reply' };
  /** The tuple of the connection as first seen (conntrack ORIGINAL direction). */
  original: Tuple;
  /** NAT the connection has been given so far (nf_nat_initialized per manip type). */
  nat: { dnat?: Tuple; snat?: Tuple };
  /** Hops left before we call it a loop (IP TTL). */
  ttl: number;
  /** NAT recorded in an existing conntrack entry for this flow, applied at the NAT hooks instead of the nat chains. */
  ctEntry?: { dnat?: Tuple; snat?: Tuple; line?: number };
  /** For a tunnel's outer packet: what it carries, and through which kind of tunnel. */
  inner?: { tunnel: 'vxlan'; packet: Packet; vni: number; dev: string; port: number } | { tunnel: 'ipip'; packet: Packet; dev: string };
}

/** physIn of a frame known to come from a bridge port whose name the dumps do not show. */
export const UNKNOWN_PORT = '(unknown bridge port)';

/** How a step names the bridge port a frame came in by: its name, or that the dumps do not say which port it is. */
export function portPhrase(physIn: string): string {
  return physIn === UNKNOWN_PORT ? 'a bridge port the dumps do not name' : `bridge port ${physIn}`;
}

/** What a packet looks like on arrival at another node: the skb mark and conntrack do not cross the wire. */
export function onTheWire(p: Packet): Packet {
  const t = { saddr: p.saddr, daddr: p.daddr, sport: p.sport, dport: p.dport };
  const { ctEntry: _e, physIn: _p, oif: _o, ...rest } = p;
  return { ...rest, mark: 0, ct: { state: 'new', mark: 0, status: [] }, original: t, nat: {}, ttl: p.ttl - 1 };
}

/** Builds a fresh packet of a new connection. */
export function newPacket(p: {
  family?: 4 | 6;
  proto: L4Proto;
  saddr: string;
  daddr: string;
  sport?: number;
  dport?: number;
  iif?: string;
  mark?: number;
  ttl?: number;
}): Packet {
  const family = p.family ?? (p.daddr.includes(':') ? 6 : 4);
  return {
    family,
    proto: p.proto,
    saddr: p.saddr,
    daddr: p.daddr,
    sport: p.sport,
    dport: p.dport,
    iif: p.iif,
    mark: p.mark ?? 0,
    ct: { state: 'new', mark: 0, status: [] },
    original: { saddr: p.saddr, daddr: p.daddr, sport: p.sport, dport: p.dport },
    nat: {},
    ttl: p.ttl ?? 64,
  };
}

/** Human form: `tcp 10.244.0.5:40000 → 10.96.0.10:80`. */
export function describePacket(p: Pick<Packet, 'proto' | 'saddr' | 'daddr' | 'sport' | 'dport'>): string {
  return `${p.proto} ${hostPort(p.saddr, p.sport)} → ${hostPort(p.daddr, p.dport)}`;
}

export function hostPort(addr: string, port?: number): string {
  if (port === undefined) return addr;
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** The fields a step shows before/after: the 5-tuple, interfaces and marks. */
export interface PacketView {
  proto: L4Proto;
  saddr: string;
  daddr: string;
  sport?: number;
  dport?: number;
  iif?: string;
  oif?: string;
  mark: number;
  ctState: CtState;
  ctMark: number;
}

export function viewOf(p: Packet): PacketView {
  const v: PacketView = { proto: p.proto, saddr: p.saddr, daddr: p.daddr, mark: p.mark, ctState: p.ct.state, ctMark: p.ct.mark };
  if (p.sport !== undefined) v.sport = p.sport;
  if (p.dport !== undefined) v.dport = p.dport;
  if (p.iif !== undefined) v.iif = p.iif;
  if (p.oif !== undefined) v.oif = p.oif;
  return v;
}

export const PROTO_NUMBERS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, sctp: 132, icmpv6: 58, ipencap: 4 };

/** Other names of those protocols: nft's, and /etc/protocols' old and new ones (4 is ipencap, IP-ENCAP, ipv4; nft says ipip). */
const PROTO_ALIASES: Readonly<Record<string, string>> = { 'ipv6-icmp': 'icmpv6', ipip: 'ipencap', ipv4: 'ipencap', 'ip-encap': 'ipencap' };

/** The protocol number of a name, in any spelling the dumps use; undefined for anything else. */
export function protoNumber(name: string): number | undefined {
  const low = name.toLowerCase();
  return PROTO_NUMBERS[PROTO_ALIASES[low] ?? low];
}
