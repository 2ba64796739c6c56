/** ipBlock: an address is in `cidr` and in none of `except` (same address family only). */
import { inPrefix, isCidr, isIp, unmapIPv4 } from '../../util/addr.js';

export interface IpBlock {
  cidr: string;
  except?: string[];
}

export type IpBlockResult = { kind: 'in' } | { kind: 'out' } | { kind: 'excepted'; by: string } | { kind: 'invalid'; why: string };

export function matchIpBlock(block: IpBlock, ip: string): IpBlockResult {
  if (!isIp(ip)) return { kind: 'invalid', why: `${ip} is not an IP address` };
  if (!isCidr(block.cidr)) return { kind: 'invalid', why: `ipBlock cidr ${JSON.stringify(block.cidr)} is not a CIDR` };
  // An IPv4-mapped IPv6 address is the IPv4 address on the wire.
  const addr = unmapIPv4(ip);
  if (!inPrefix(addr, block.cidr)) return { kind: 'out' };
  for (const e of block.except ?? []) {
    if (!isCidr(e)) return { kind: 'invalid', why: `ipBlock except ${JSON.stringify(e)} is not a CIDR` };
    if (inPrefix(addr, e)) return { kind: 'excepted', by: e };
  }
  return { kind: 'in' };
}
