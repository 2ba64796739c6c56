/** ipBlock: an address is in `cidr` and in none of `except` (same address family only). */
import ipaddr from 'ipaddr.js';

export interface IpBlock {
  cidr: string;
  except?: string[];
}

export type IpBlockResult = { kind: 'in' } | { kind: 'out' } | { kind: 'excepted'; by: string } | { kind: 'invalid'; why: string };

export function matchIpBlock(block: IpBlock, ip: string): IpBlockResult {
  const addr = parse(ip);
  const cidr = parseCidr(block.cidr);
  if (!addr) return { kind: 'invalid', why: `${ip} is not an IP address` };
  if (!cidr) return { kind: 'invalid', why: `ipBlock cidr ${JSON.stringify(block.cidr)} is not a CIDR` };
  if (!inside(addr, cidr)) return { kind: 'out' };
  for (const e of block.except ?? []) {
    const ex = parseCidr(e);
    if (!ex) return { kind: 'invalid', why: `ipBlock except ${JSON.stringify(e)} is not a CIDR` };
    if (inside(addr, ex)) return { kind: 'excepted', by: e };
  }
  return { kind: 'in' };
}

function parse(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  try {
    const a = ipaddr.parse(ip);
    // An IPv4-mapped IPv6 address is the IPv4 address on the wire.
    return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a;
  } catch {
    return undefined;
  }
}

function parseCidr(c: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  try {
    return ipaddr.parseCIDR(c);
  } catch {
    return undefined;
  }
}

function inside(a: ipaddr.IPv4 | ipaddr.IPv6, [net, len]: [ipaddr.IPv4 | ipaddr.IPv6, number]): boolean {
  return a.kind() === net.kind() && a.match(net, len);
}
