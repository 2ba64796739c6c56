/**
 * Address math for the cidr analysis: util/addr parses and validates, ranges become bigint
 * intervals so containment, overlap and sizes are exact for IPv6 too.
 */
import { addrFromBigInt, addrToBigInt, compactIPv6, isDottedQuad, isIPv6, plainQuad } from '../../util/addr.js';

export type Family = 4 | 6;

/** A parsed CIDR as a closed interval [start, end] of addresses. */
export interface Cidr {
  /** Canonical text: network address / prefix (host bits cleared). */
  text: string;
  family: Family;
  prefix: number;
  start: bigint;
  end: bigint;
  /** The input had host bits set (e.g. 10.0.0.5/24); `text` is the network it names. */
  hostBitsSet: boolean;
}

export interface Ip {
  text: string;
  family: Family;
  value: bigint;
}

const bitsOf = (f: Family): number => (f === 4 ? 32 : 128);

/** Parses one address (strict dotted quad for IPv4, any valid IPv6); undefined when invalid. */
export function parseIp(text: string): Ip | undefined {
  const t = text.trim();
  const v4 = plainQuad(t);
  if (v4 >= 0) return { text: t, family: 4, value: BigInt(v4) };
  if (isDottedQuad(t)) return { text: t, family: 4, value: addrToBigInt(t) };
  if (isIPv6(t) && !t.includes('%')) {
    // An IPv4-mapped IPv6 address is still an IPv6 address on the wire; keep it as such.
    return { text: compactIPv6(t)!, family: 6, value: addrToBigInt(t) };
  }
  return undefined;
}

/** Parses `addr/prefix`; undefined when invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const t = text.trim();
  const slash = t.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(t.slice(0, slash));
  const p = t.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(p)) return undefined;
  const prefix = Number(p);
  const bits = bitsOf(ip.family);
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  const start = (ip.value >> hostBits) << hostBits;
  const end = start + (1n << hostBits) - 1n;
  return { text: `${addrFromBigInt(start, ip.family)}/${prefix}`, family: ip.family, prefix, start, end, hostBitsSet: start !== ip.value };
}

/** Splits a comma-separated list (flags, kube-proxy clusterCIDR) into CIDRs, keeping the invalid parts. */
export function parseCidrList(text: string): { cidrs: Cidr[]; invalid: string[] } {
  const cidrs: Cidr[] = [];
  const invalid: string[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const c = parseCidr(part);
    if (c) cidrs.push(c);
    else invalid.push(part);
  }
  return { cidrs, invalid };
}

export const contains = (c: Cidr, ip: Ip): boolean => c.family === ip.family && ip.value >= c.start && ip.value <= c.end;

export const overlaps = (a: Cidr, b: Cidr): boolean => a.family === b.family && a.start <= b.end && b.start <= a.end;

/** `inner` lies entirely inside `outer`. */
export const within = (inner: Cidr, outer: Cidr): boolean =>
  inner.family === outer.family && inner.start >= outer.start && inner.end <= outer.end;

export const size = (c: Cidr): bigint => c.end - c.start + 1n;

/**
 * Pod addresses host-local IPAM (kubelet/bridge, flannel, kindnet, kube-router, …) can hand out from a
 * node's podCIDR: every address except the network address, the gateway (first host, given to the
 * bridge such as cni0) and, for IPv4, the broadcast address. See docs/cidr.md.
 */
export function usableHostLocal(c: Cidr): bigint {
  const reserved = c.family === 4 ? 3n : 2n;
  const n = size(c) - reserved;
  return n > 0n ? n : 0n;
}

/** The address after `ip` (the `kubernetes` Service takes the first address after the network). */
export const addressText = (value: bigint, family: Family): string => addrFromBigInt(value, family);

/**
 * Which of many CIDRs contains an address, in O(log n): CIDRs are nested or disjoint, so a sorted
 * list with a running maximum end answers without scanning every range.
 */
export class CidrIndex<T> {
  private readonly items: { cidr: Cidr; value: T }[];
  private readonly maxEnd: bigint[];

  constructor(entries: { cidr: Cidr; value: T }[]) {
    this.items = [...entries].sort((a, b) => a.cidr.family - b.cidr.family || (a.cidr.start < b.cidr.start ? -1 : a.cidr.start > b.cidr.start ? 1 : 0));
    this.maxEnd = [];
    let max = -1n;
    let family = 0;
    for (const { cidr } of this.items) {
      if (cidr.family !== family) (max = -1n), (family = cidr.family);
      max = cidr.end > max ? cidr.end : max;
      this.maxEnd.push(max);
    }
  }

  /** The entry of a range containing `ip` (the innermost one when nested), or undefined. */
  find(ip: Ip): { cidr: Cidr; value: T } | undefined {
    let lo = 0;
    let hi = this.items.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this.items[mid]!.cidr;
      if (c.family < ip.family || (c.family === ip.family && c.start <= ip.value)) (at = mid), (lo = mid + 1);
      else hi = mid - 1;
    }
    for (let i = at; i >= 0; i--) {
      const e = this.items[i]!;
      if (e.cidr.family !== ip.family || this.maxEnd[i]! < ip.value) return undefined;
      if (ip.value <= e.cidr.end) return e;
    }
    return undefined;
  }
}
