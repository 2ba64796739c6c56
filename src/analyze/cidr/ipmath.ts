/**
 * Address math for the cidr analysis: ipaddr.js parses and validates, ranges become bigint
 * intervals so containment, overlap and sizes are exact for IPv6 too.
 */
import ipaddr from 'ipaddr.js';

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

function toBigInt(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function fromBigInt(value: bigint, family: Family): string {
  const n = bitsOf(family) / 8;
  const bytes: number[] = new Array<number>(n);
  let v = value;
  for (let i = n - 1; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  const addr = ipaddr.fromByteArray(bytes);
  return addr.kind() === 'ipv6' ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
}

/** A plain dotted quad (no leading zeros) as a number, else -1. Hot path: 150,000 pod IPs. */
function dottedQuad(t: string): number {
  let value = 0;
  let octet = -1;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = -1;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1; // leading zero
      octet = (octet < 0 ? 0 : octet * 10) + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else return -1;
  }
  return dots === 3 && digits > 0 ? value * 256 + octet : -1;
}

/** Parses one address (strict dotted quad for IPv4, any valid IPv6); undefined when invalid. */
export function parseIp(text: string): Ip | undefined {
  const t = text.trim();
  const v4 = dottedQuad(t);
  if (v4 >= 0) return { text: t, family: 4, value: BigInt(v4) };
  if (ipaddr.IPv4.isValidFourPartDecimal(t)) {
    return { text: t, family: 4, value: toBigInt(ipaddr.IPv4.parse(t).toByteArray()) };
  }
  if (ipaddr.IPv6.isValid(t) && !t.includes('%')) {
    const a = ipaddr.IPv6.parse(t);
    // An IPv4-mapped IPv6 address is still an IPv6 address on the wire; keep it as such.
    return { text: a.toRFC5952String(), family: 6, value: toBigInt(a.toByteArray()) };
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
  return { text: `${fromBigInt(start, ip.family)}/${prefix}`, family: ip.family, prefix, start, end, hostBitsSet: start !== ip.value };
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
export const addressText = (value: bigint, family: Family): string => fromBigInt(value, family);

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
