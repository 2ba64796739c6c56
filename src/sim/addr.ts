/** Address math for the walker, on ipaddr.js. All inputs are strings as the dumps print them. */
import ipaddr from 'ipaddr.js';

type Parsed = { addr: ipaddr.IPv4 | ipaddr.IPv6; len: number };
// Rule sets repeat the same few thousand addresses; parsing them once keeps a 10k-service walk fast.
const prefixCache = new Map<string, Parsed | null>();
const addrCache = new Map<string, ipaddr.IPv4 | ipaddr.IPv6 | null>();
const CACHE_LIMIT = 200_000;

function remember<V>(m: Map<string, V>, k: string, v: V): V {
  if (m.size >= CACHE_LIMIT) m.clear();
  m.set(k, v);
  return v;
}

function parseAddr(s: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const hit = addrCache.get(s);
  if (hit !== undefined) return hit ?? undefined;
  let v: ipaddr.IPv4 | ipaddr.IPv6 | null = null;
  try {
    v = ipaddr.parse(s);
  } catch {
    v = null;
  }
  return remember(addrCache, s, v) ?? undefined;
}

/** Parses `a.b.c.d/len` (or a bare address as a host prefix). Undefined when malformed. */
export function parsePrefix(cidr: string): Parsed | undefined {
  const hit = prefixCache.get(cidr);
  if (hit !== undefined) return hit ?? undefined;
  return remember(prefixCache, cidr, parsePrefixUncached(cidr) ?? null) ?? undefined;
}

function parsePrefixUncached(cidr: string): Parsed | undefined {
  try {
    if (cidr === 'default') return undefined;
    if (cidr.includes('/')) {
      const [a, l] = ipaddr.parseCIDR(cidr);
      return { addr: a, len: l };
    }
    const a = ipaddr.parse(cidr);
    return { addr: a, len: a.kind() === 'ipv4' ? 32 : 128 };
  } catch {
    return undefined;
  }
}

export function isValidIp(s: string): boolean {
  return parseAddr(s) !== undefined;
}

export function familyOf(s: string): 4 | 6 {
  return s.includes(':') ? 6 : 4;
}

/** True when `addr` lies inside `cidr` (same family). */
export function inPrefix(addr: string, cidr: string): boolean {
  const p = parsePrefix(cidr);
  if (!p) return false;
  const a = parseAddr(addr);
  if (!a || a.kind() !== p.addr.kind()) return false;
  return a.match(p.addr, p.len);
}

export function prefixLen(cidr: string): number {
  return parsePrefix(cidr)?.len ?? 0;
}

/** Same address, whatever the textual form. */
export function sameAddr(a: string, b: string): boolean {
  if (a === b) return true;
  // Dumps print IPv4 in canonical dotted form: textual equality decides (and keeps big rule walks fast).
  if (!a.includes(':') && !b.includes(':') && parseAddr(a) && parseAddr(b)) return false;
  const x = parseAddr(a);
  const y = parseAddr(b);
  if (!x || !y || x.kind() !== y.kind()) return false;
  return x.toNormalizedString() === y.toNormalizedString();
}

/** One spelling per address (IPv6 normalised), for use as a map key; the input itself when malformed. */
export function canonicalAddr(a: string): string {
  if (!a.includes(':')) return a;
  return parseAddr(a)?.toNormalizedString() ?? a;
}

/** Numeric compare for ranges of addresses (IPv4 and IPv6). */
export function addrToBigInt(a: string): bigint {
  const bytes = ipaddr.parse(a).toByteArray();
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}
