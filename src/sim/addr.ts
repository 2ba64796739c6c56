/** Address math for the walker, on ipaddr.js. All inputs are strings as the dumps print them. */
import ipaddr from 'ipaddr.js';

/** Parses `a.b.c.d/len` (or a bare address as a host prefix). Undefined when malformed. */
export function parsePrefix(cidr: string): { addr: ipaddr.IPv4 | ipaddr.IPv6; len: number } | undefined {
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
  return ipaddr.isValid(s);
}

export function familyOf(s: string): 4 | 6 {
  return s.includes(':') ? 6 : 4;
}

/** True when `addr` lies inside `cidr` (same family). */
export function inPrefix(addr: string, cidr: string): boolean {
  const p = parsePrefix(cidr);
  if (!p) return false;
  try {
    const a = ipaddr.parse(addr);
    if (a.kind() !== p.addr.kind()) return false;
    return a.match(p.addr, p.len);
  } catch {
    return false;
  }
}

export function prefixLen(cidr: string): number {
  return parsePrefix(cidr)?.len ?? 0;
}

/** Same address, whatever the textual form. */
export function sameAddr(a: string, b: string): boolean {
  try {
    return ipaddr.parse(a).toNormalizedString() === ipaddr.parse(b).toNormalizedString();
  } catch {
    return a === b;
  }
}

/** Numeric compare for ranges of addresses (IPv4 and IPv6). */
export function addrToBigInt(a: string): bigint {
  const bytes = ipaddr.parse(a).toByteArray();
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}
