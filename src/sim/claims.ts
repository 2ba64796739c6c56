/**
 * Which cluster claim (a node's podCIDR, the service range, a Service's own address) covers an address no dump owns:
 * what the walk names when a packet leaves for an address inside the cluster that nothing holds.
 */
import { addrKey, inPrefix, isDottedQuad, isIp, prefixLen } from '../util/addr.js';
import type { ClusterRange, World } from './world.js';

/** A claim's prefix length: a bare address is a host route. */
const claimLen = (cidr: string): number => (cidr.includes('/') ? prefixLen(cidr) : cidr.includes(':') ? 128 : 32);

/** Claims by address: one per Service address (a 10k-Service cluster has 10k), and the few ranges; `at` is list order. */
interface Claim {
  range: ClusterRange;
  at: number;
  len: number;
}

interface ClaimIndex {
  hosts: Map<string, Claim>;
  nets: Claim[];
}

const claimIndexes = new WeakMap<World, ClaimIndex>();

/** A bare address in one spelling only (IPv6 normalised by addrKey): text equality is address equality. */
const plainAddr = (s: string): boolean => (s.includes(':') ? isIp(s) : isDottedQuad(s));

const claimsOf = (world: World): Claim[] => world.ranges.map((range, at) => ({ range, at, len: claimLen(range.cidr) }));

function claimIndexOf(world: World): ClaimIndex {
  let idx = claimIndexes.get(world);
  if (idx) return idx;
  idx = { hosts: new Map(), nets: [] };
  for (const c of claimsOf(world)) {
    if (!plainAddr(c.range.cidr)) idx.nets.push(c);
    else if (!idx.hosts.has(addrKey(c.range.cidr))) idx.hosts.set(addrKey(c.range.cidr), c);
  }
  claimIndexes.set(world, idx);
  return idx;
}

/**
 * The narrowest claim on `addr` names it best (a Service's own address over the service range), whichever objects were
 * read; of equally narrow ones, the first listed.
 */
export function narrowestClaim(world: World, addr: string): ClusterRange | undefined {
  const idx = claimIndexOf(world);
  const plain = plainAddr(addr);
  let best = plain ? idx.hosts.get(addrKey(addr)) : undefined;
  for (const c of plain ? idx.nets : claimsOf(world)) {
    if (inPrefix(addr, c.range.cidr) && (!best || c.len > best.len || (c.len === best.len && c.at < best.at))) best = c;
  }
  return best?.range;
}
