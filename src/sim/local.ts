/** Which addresses are the node's own: the local routing table, else the interface addresses. */
import type { NodeModel, Route } from '../model/node.js';
import { inPrefix, sameAddr } from '../util/addr.js';

/**
 * The address type as `fib daddr type` / `-m addrtype` see it (inet_dev_addr_type): local, broadcast,
 * multicast or unicast. With `dev`, only addresses of that device count as local. Undefined when the
 * dump has neither local routes nor addresses (a zero or limited-broadcast IPv4 address is broadcast regardless).
 */
export function fibAddrType(node: NodeModel, addr: string, dev?: string): string | undefined {
  const family = addr.includes(':') ? 6 : 4;
  if (family === 4 && /^(22[4-9]|23\d)\./.test(addr)) return 'multicast';
  if (family === 6 && /^ff/i.test(addr)) return 'multicast';
  if (family === 4 && (addr === '255.255.255.255' || addr.startsWith('0.'))) return 'broadcast';
  const localRoutes = node.routes.filter((r) => r.table === 255 && r.family === family);
  if (localRoutes.length > 0) {
    // IPv4 (__inet_dev_addr_type): the longest prefix of the local table whatever its device; with `dev`, a route of
    // another device makes the address unicast. IPv6 asks whether `dev` holds the address, so only its routes count.
    let best: { route: Route; len: number } | undefined;
    for (const r of localRoutes) {
      if (family === 6 && dev && r.dev !== dev) continue;
      if (!inPrefix(addr, r.dst)) continue;
      const len = Number(r.dst.split('/')[1] ?? (family === 4 ? 32 : 128));
      if (!best || len > best.len) best = { route: r, len };
    }
    if (!best || (dev && best.route.dev !== dev)) return 'unicast';
    return best.route.type === 'local' || best.route.type === 'broadcast' ? best.route.type : 'unicast';
  }
  if (node.addresses.length === 0) return undefined;
  if (node.addresses.some((a) => (!dev || a.ifname === dev) && sameAddr(a.local, addr))) return 'local';
  if (family === 4 && /^127\./.test(addr)) return 'local';
  if (family === 6 && sameAddr(addr, '::1')) return 'local';
  return 'unicast';
}

/**
 * The source address the kernel picks on `dev` towards `nexthop` (inet_select_addr): a primary address
 * of the device in the same subnet as the next hop, else the device's first global address.
 */
export function selectSourceAddr(node: NodeModel, dev: string | undefined, nexthop: string, family: 4 | 6): string | undefined {
  const addrs = node.addresses.filter((a) => a.family === family && (!dev || a.ifname === dev) && a.scope !== 'host' && a.scope !== 'link');
  const same = addrs.find((a) => inPrefix(nexthop, `${a.local}/${a.prefixlen}`));
  if (same ?? addrs[0]) return (same ?? addrs[0])!.local;
  // No usable address on the device (a Calico-style veth): the first global address of any device, in ifindex order.
  const any = node.addresses
    .filter((a) => a.family === family && a.scope !== 'host' && a.scope !== 'link' && a.ifname !== 'lo')
    .sort((a, b) => a.ifindex - b.ifindex);
  return any[0]?.local;
}

/**
 * The address REDIRECT sends a packet to (nf_nat_redirect_ipv4/ipv6): the first address of the incoming device in the
 * kernel's list, which `ip addr` prints in order (primaries before secondaries; for IPv6, by scope), whatever its
 * subnet; for IPv6 not one still tentative.
 */
export function redirectAddr(node: NodeModel, dev: string, family: 4 | 6): string | undefined {
  return node.addresses.find((a) => a.ifname === dev && a.family === family && !a.flags?.includes('tentative'))?.local;
}
