/** Value helpers shared by the iptables and nft parsers: addresses, ports, marks, flag names. */
import { compactIPv6, maskLength, plainQuad } from '../../util/addr.js';
import type { Value } from '../../model/netfilter.js';

/** `rec[key]` for own keys only: input words like `constructor` must not reach Object.prototype. */
export function lookup<T>(rec: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}

/** Thrown by translators for input they cannot translate faithfully; callers keep the text as unknown. */
export { show } from '../show.js';

export class Unsupported extends Error {}

/** A single address in canonical text form, or undefined. IPv4 takes a fast path (dumps hold 100k of them). */
export function canonicalAddr(s: string): string | undefined {
  if (plainQuad(s) >= 0) return s;
  return compactIPv6(s);
}

/** `10.0.0.0/8`, `10.0.0.1/32` (an address), `10.0.0.0/255.0.0.0`, `fd00::/64` → addr or prefix value. */
export function addrValue(s: string): Value {
  const slash = s.indexOf('/');
  if (slash < 0) {
    const a = canonicalAddr(s);
    if (a === undefined) throw new Unsupported(`not an IP address: ${s}`);
    return { kind: 'addr', value: a };
  }
  const a = canonicalAddr(s.slice(0, slash));
  if (a === undefined) throw new Unsupported(`not an IP address: ${s}`);
  const full = a.includes(':') ? 128 : 32;
  const m = s.slice(slash + 1);
  let len: number;
  if (/^\d{1,3}$/.test(m)) len = Number(m);
  else if (plainQuad(m) >= 0 && !a.includes(':')) len = maskLength(m) ?? -1;
  else len = -1;
  if (len < 0 || len > full) throw new Unsupported(`bad prefix length in ${s}`);
  return len === full ? { kind: 'addr', value: a } : { kind: 'prefix', addr: a, len };
}

/** `80` → int, `1000:2000` / `1000-2000` → range, `:2000` → 0..2000, `1000:` → 1000..65535. */
export function portValue(s: string): Value {
  const m = /^(\d*)[:-](\d*)$/.exec(s);
  if (m) {
    const from = m[1] === '' ? 0 : port(m[1]!);
    const to = m[2] === '' ? 65535 : port(m[2]!);
    return { kind: 'range', from: { kind: 'int', value: from }, to: { kind: 'int', value: to } };
  }
  return { kind: 'int', value: port(s) };
}

function port(s: string): number {
  if (!/^\d{1,5}$/.test(s) || Number(s) > 65535) throw new Unsupported(`not a port number: ${s}`);
  return Number(s);
}

/** A 32-bit unsigned number written in hex (`0x4000`) or decimal. */
export function u32(s: string): number {
  if (!/^(0x[0-9a-fA-F]{1,8}|\d{1,10})$/.test(s)) throw new Unsupported(`not a 32-bit number: ${s}`);
  const n = Number(s);
  if (n > 0xffffffff) throw new Unsupported(`not a 32-bit number: ${s}`);
  return n >>> 0;
}

/** `v/m` or `v` (mask all ones). */
export function valueMask(s: string): { value: number; mask?: number } {
  const slash = s.indexOf('/');
  if (slash < 0) return { value: u32(s) };
  return { value: u32(s.slice(0, slash)), mask: u32(s.slice(slash + 1)) };
}

/** The TCP flag bits by nft/iptables name. */
export const TCP_FLAGS: Readonly<Record<string, number>> = {
  fin: 1,
  syn: 2,
  rst: 4,
  psh: 8,
  ack: 16,
  urg: 32,
  ecn: 64,
  cwr: 128,
};

/** `SYN,RST` / `ALL` / `NONE` → the flag bits. */
export function tcpFlagBits(s: string): number {
  if (s === 'ALL') return 0x3f; // iptables' ALL: FIN..URG
  if (s === 'NONE') return 0;
  let bits = 0;
  for (const f of s.split(',')) {
    const b = lookup(TCP_FLAGS, f.toLowerCase());
    if (b === undefined) throw new Unsupported(`unknown TCP flag ${f}`);
    bits |= b;
  }
  return bits;
}

/** IP protocol numbers iptables accepts for `-p`, by the names nft uses. */
const PROTO_BY_NUMBER: Readonly<Record<string, string>> = {
  '1': 'icmp',
  '6': 'tcp',
  '17': 'udp',
  '58': 'ipv6-icmp',
  '132': 'sctp',
  '4': 'ipencap',
  '41': 'ipv6',
  '47': 'gre',
  '50': 'esp',
  '51': 'ah',
  '136': 'udplite',
  '33': 'dccp',
};

/** iptables `-p` argument → nft protocol name (`icmpv6`/`58` → `ipv6-icmp`). */
export function protoName(p: string): string {
  const low = p.toLowerCase();
  if (low === 'icmpv6' || low === 'ipv6-icmp' || low === 'icmp6') return 'ipv6-icmp';
  if (low === 'ipv4') return 'ipencap'; // Calico's IPIP rules say `-p ipv4`; /etc/protocols calls 4 ipencap
  return lookup(PROTO_BY_NUMBER, low) ?? low;
}

/** An unsigned 32-bit complement. */
export const not32 = (n: number): number => ~n >>> 0;
