/**
 * Addresses and prefixes as dumps, API objects and users write them: the one module that parses them (on ipaddr.js).
 * Inputs and outputs are strings; parsed forms stay inside, cached, because rule sets repeat the same few thousand
 * addresses and a 10k-service walk asks about each many times.
 */
import ipaddr from 'ipaddr.js';

export type IpFamily = 4 | 6;

type Parsed = ipaddr.IPv4 | ipaddr.IPv6;
interface Prefix {
  addr: Parsed;
  len: number;
}

const prefixCache = new Map<string, Prefix | null>();
const addrCache = new Map<string, Parsed | null>();
const CACHE_LIMIT = 200_000;

function remember<V>(m: Map<string, V>, k: string, v: V): V {
  if (m.size >= CACHE_LIMIT) m.clear();
  m.set(k, v);
  return v;
}

/** Any form ipaddr.js reads: dotted quads and the older short, octal and hex IPv4 forms, any IPv6 (zone ids too). */
function parse(s: string): Parsed | undefined {
  const hit = addrCache.get(s);
  if (hit !== undefined) return hit ?? undefined;
  let v: Parsed | null = null;
  try {
    v = ipaddr.parse(s);
  } catch {
    v = null;
  }
  return remember(addrCache, s, v) ?? undefined;
}

/** `addr/len`, or a bare address as its host prefix; undefined when malformed (`default` included). */
function parsePrefix(cidr: string): Prefix | undefined {
  const hit = prefixCache.get(cidr);
  if (hit !== undefined) return hit ?? undefined;
  return remember(prefixCache, cidr, parsePrefixUncached(cidr) ?? null) ?? undefined;
}

function parsePrefixUncached(cidr: string): Prefix | undefined {
  try {
    if (cidr === 'default') return undefined;
    if (cidr.includes('/')) {
      const [addr, len] = ipaddr.parseCIDR(cidr);
      return { addr, len };
    }
    const addr = ipaddr.parse(cidr);
    return { addr, len: addr.kind() === 'ipv4' ? 32 : 128 };
  } catch {
    return undefined;
  }
}

/** True for any address ipaddr.js reads (see `parse`): what iproute2 and the kernel print. */
export const isIp = (s: string): boolean => parse(s) !== undefined;

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const DOTTED_QUAD = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/**
 * An IPv4 address of four decimal parts without leading zeros, as users write one (`10` and `10.1` are names, not
 * 0.0.0.10): ipaddr.js's isValidFourPartDecimal, without the full parse it runs first (a walk asks about 10,000s).
 */
export const isDottedQuad = (s: string): boolean => DOTTED_QUAD.test(s);

/** Any valid IPv6 text (a zone id `%eth0` included). */
export const isIPv6 = (s: string): boolean => ipaddr.IPv6.isValid(s);

/** Family of a printed address (no validation). */
export const familyOf = (s: string): IpFamily => (s.includes(':') ? 6 : 4);

/** `addr/len` or a bare address (its host prefix). */
export const isPrefix = (cidr: string): boolean => parsePrefix(cidr) !== undefined;

/** `addr/len` only: a bare address is not a CIDR. */
export const isCidr = (cidr: string): boolean => cidr.includes('/') && parsePrefix(cidr) !== undefined;

/** The prefix length of a CIDR (a bare address: 32 or 128); 0 when malformed. */
export const prefixLen = (cidr: string): number => parsePrefix(cidr)?.len ?? 0;

/** True when `addr` lies inside `cidr` (a CIDR or a bare address) of the same family. */
export function inPrefix(addr: string, cidr: string): boolean {
  const p = parsePrefix(cidr);
  if (!p) return false;
  const a = parse(addr);
  if (!a || a.kind() !== p.addr.kind()) return false;
  return a.match(p.addr, p.len);
}

/** Same address, whatever the textual form. */
export function sameAddr(a: string, b: string): boolean {
  if (a === b) return true;
  // Dumps print IPv4 in canonical dotted form: textual equality decides (and keeps big rule walks fast).
  if (!a.includes(':') && !b.includes(':') && parse(a) && parse(b)) return false;
  const x = parse(a);
  const y = parse(b);
  if (!x || !y || x.kind() !== y.kind()) return false;
  return x.toNormalizedString() === y.toNormalizedString();
}

/** One spelling per address (IPv6 fully expanded), for use as a map key; the input itself when malformed. */
export function addrKey(a: string): string {
  if (!a.includes(':')) return a;
  return parse(a)?.toNormalizedString() ?? a;
}

/** RFC 5952 text of a valid IPv6 address (`2001:db8::1`); undefined for anything else. */
export function compactIPv6(s: string): string | undefined {
  if (!s.includes(':') || !ipaddr.IPv6.isValid(s)) return undefined;
  return ipaddr.IPv6.parse(s).toRFC5952String();
}

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as the IPv4 address it is on the wire; other text unchanged. */
export function unmapIPv4(s: string): string {
  const a = parse(s);
  return a instanceof ipaddr.IPv6 && a.isIPv4MappedAddress() ? a.toIPv4Address().toString() : s;
}

/** The prefix length a contiguous IPv4 netmask (`255.255.0.0`) stands for; undefined when it is not one. */
export function maskLength(mask: string): number | undefined {
  try {
    return ipaddr.IPv4.parse(mask).prefixLengthFromSubnetMask() ?? undefined;
  } catch {
    return undefined;
  }
}

/** The address as a number (IPv4 and IPv6 alike); throws on text that is not an address. */
export function addrToBigInt(a: string): bigint {
  const parsed = parse(a);
  if (!parsed) throw new Error(`not an IP address: ${a}`);
  let n = 0n;
  for (const b of parsed.toByteArray()) n = (n << 8n) | BigInt(b);
  return n;
}

/** The address a number stands for in a family: dotted quad, or RFC 5952 IPv6. */
export function addrFromBigInt(value: bigint, family: IpFamily): string {
  const n = family === 4 ? 4 : 16;
  const bytes: number[] = new Array<number>(n);
  let v = value;
  for (let i = n - 1; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  const addr = ipaddr.fromByteArray(bytes);
  return addr instanceof ipaddr.IPv6 ? addr.toRFC5952String() : addr.toString();
}

/** A plain dotted quad (no leading zeros) as a number, else -1: the fast path for lists of 150,000 pod IPs. */
export function plainQuad(t: string): number {
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

/**
 * A dotted-quad IPv4 address (four decimal octets of 1–3 digits, each at most 255; leading zeros allowed, as the API
 * server accepts them in objects created before Kubernetes 1.33) as an unsigned 32-bit number; undefined otherwise.
 */
export function ipv4Int(s: string): number | undefined {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return undefined;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
      if (part > 255) return undefined;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return n * 256 + part;
}
