/**
 * Leaving a node: into a pod's veth, out of a bridge port (FDB), into a VXLAN or IPIP tunnel, or onto the
 * underlay to the next node's model, or past the snapshot's edge (fabric.ts). Bridges: bridge.ts; VXLAN: vxlan.ts.
 */
import type { Link, NodeModel } from '../model/node.js';
import type { Branch, Endpoint } from './trace.js';
import { onTheWire, viewOf, type Packet } from './packet.js';
import { addSteps, end, note, type Flow } from './flow.js';
import type { WalkCtx } from './walk-ctx.js';
import type { ResolvedHop } from './route.js';
import { inPrefix, sameAddr } from '../util/addr.js';
import { portFor } from './bridge-port.js';
import { encap } from './vxlan.js';
import { encapIpip } from './ipip.js';
import { beyondNode } from './fabric.js';
import { gapOn, unreadEnd } from './gaps.js';

/** Devices whose next hop being a node address does not make them the underlay: the packet is wrapped or stays local. */
const TUNNEL_OR_LOCAL: ReadonlySet<string> = new Set(['vxlan', 'ipip', 'bridge', 'loopback']);

export const linkOf = (node: NodeModel, name?: string): Link | undefined => (name ? node.links.find((l) => l.name === name) : undefined);

export function egress(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, hop: ResolvedHop): Branch[] {
  const dev = hop.dev;
  const link = linkOf(node, dev);
  if (!dev) return [end(flow, 'uncertain', `route on ${node.name} has no device`, pkt)];
  // Without the link dump a device's kind (veth, bridge, vxlan …) is unknown, and it decides how the packet leaves.
  const linkGap = link?.kind === 'loopback' ? undefined : gapOn(node, 'links');
  if (linkGap) return [unreadEnd(flow, node, linkGap, `how the packet leaves by ${dev}`, pkt)];
  if (!link) {
    if (node.links.length > 0) return [end(flow, 'uncertain', `device ${dev} of the route is not in ${node.name}'s link dump`, pkt)];
    note(flow, `links of ${node.name} not collected: ${dev} treated as the underlay`);
    return underlay(ctx, node, flow, pkt, hop);
  }
  if (link.mtu) addSteps(flow, node.name, [{ kind: 'forward', summary: `leaves by ${dev} (${link.kind}, mtu ${link.mtu})${hop.gateway ? ` via ${hop.gateway}` : ''}`, detail: { dev, kind: String(link.kind), mtu: link.mtu }, packetAfter: viewOf(pkt) }]);
  // A veth or plain device whose next hop is another node's address is the underlay (lab nodes, veth-attached VMs).
  const nexthop = hop.gateway ?? pkt.daddr;
  if (!TUNNEL_OR_LOCAL.has(link.kind) && ctx.world.nodeByAddr.has(nexthop) && !ctx.world.podByIp.has(nexthop)) {
    return underlay(ctx, node, flow, pkt, hop);
  }
  switch (link.kind) {
    case 'loopback':
      return ctx.walk.arrive(ctx, node.name, flow, { ...pkt, iif: 'lo', oif: undefined });
    case 'veth': {
      // A pod's veth is reached by a direct route and carries no address of the pod's subnet; a gateway
      // behind it, or an address whose subnet holds the next hop, makes it an uplink to a network segment.
      const addrGap = hop.gateway ? undefined : gapOn(node, 'addresses');
      if (addrGap) return [unreadEnd(flow, node, addrGap, `whether ${dev} leads to a pod or to a network segment`, pkt)];
      return hop.gateway || onSegment(node, dev, nexthop) ? underlay(ctx, node, flow, pkt, hop) : deliverPod(ctx, node, flow, pkt, dev);
    }
    case 'bridge':
      return bridgeOut(ctx, node, flow, pkt, link, hop);
    case 'vxlan':
      return encap(ctx, node, flow, pkt, link, hop);
    case 'ipip':
      return encapIpip(ctx, node, flow, pkt, link, hop);
    case 'gre':
    case 'geneve':
    case 'wireguard':
    case 'tun':
      return [end(flow, 'uncertain', `${link.kind} tunnel ${dev} on ${node.name} is not modelled`, pkt)];
    default:
      return underlay(ctx, node, flow, pkt, hop);
  }
}

/** The veth's other end is a pod: delivered if a pod on this node owns the address. */
export function deliverPod(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, dev: string): Branch[] {
  const pod = ctx.world.podByIp.get(pkt.daddr);
  const ep: Endpoint = { ip: pkt.daddr, node: node.name, owner: 'pod' };
  if (pkt.dport !== undefined) ep.port = pkt.dport;
  if (pod && (!pod.node || pod.node === node.name)) {
    ep.pod = pod.name;
    addSteps(flow, node.name, [{ kind: 'deliver', summary: `delivered to pod ${pod.name} through ${dev}`, packetAfter: viewOf(pkt) }]);
    return [end(flow, 'delivered', `delivered to pod ${pod.name}`, pkt, ep)];
  }
  if (pod) return [end(flow, 'dropped', `${dev} on ${node.name} leads to a pod, but ${pkt.daddr} belongs to ${pod.name} on ${pod.node}`, pkt)];
  if (!ctx.world.podsKnown) return [end(flow, 'insufficient-info', `${pkt.daddr} leaves ${node.name} by ${dev}; pods were not collected, so its owner is unknown`, pkt, ep)];
  return [end(flow, 'dropped', `no pod owns ${pkt.daddr} (route on ${node.name} sends it to ${dev}): stale route or deleted pod`, pkt)];
}

/** Routed out of a bridge device: the neighbour entry gives the MAC, the FDB the port. */
function bridgeOut(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, bridge: Link, hop: ResolvedHop): Branch[] {
  const nexthop = hop.gateway ?? pkt.daddr;
  const port = portFor(node, bridge.name, nexthop);
  if (port.kind === 'found') {
    addSteps(flow, node.name, [{ kind: 'bridge', summary: `bridge ${bridge.name}: ${nexthop} is ${port.mac} (neighbour) on port ${port.port} (FDB)`, detail: { bridge: bridge.name, mac: port.mac, port: port.port } }]);
    const pl = linkOf(node, port.port);
    if (pl?.kind === 'veth' || !pl) return deliverPod(ctx, node, flow, pkt, port.port);
    if (pl.kind === 'vxlan') return encap(ctx, node, flow, pkt, pl, hop);
    return underlay(ctx, node, flow, pkt, { ...hop, dev: port.port });
  }
  note(flow, `${nexthop} not in ${node.name}'s neighbour/FDB tables for ${bridge.name}: the kernel would ARP for it; the pod owning it answers`);
  addSteps(flow, node.name, [{ kind: 'bridge', summary: `bridge ${bridge.name}: ${port.why}`, detail: { bridge: bridge.name } }]);
  return deliverPod(ctx, node, flow, pkt, bridge.name);
}

/** Does `dev` carry an address whose subnet holds `ip` (a connected network segment)? */
function onSegment(node: NodeModel, dev: string, ip: string): boolean {
  return node.addresses.some((a) => a.ifname === dev && a.prefixlen < (a.family === 4 ? 32 : 128) && inPrefix(ip, `${a.local}/${a.prefixlen}`));
}

/**
 * Out of a plain device: the next hop is another node (by its addresses), or a router or segment outside the
 * snapshot (fabric.ts: the network delivers to the node owning the destination, or the packet leaves the cluster).
 */
function underlay(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, hop: ResolvedHop): Branch[] {
  const nexthop = hop.gateway ?? pkt.daddr;
  const next = ctx.world.nodeByAddr.get(nexthop);
  if (!next) return beyondNode(ctx, node, flow, pkt, hop);
  if (next === node.name) return [end(flow, 'loop', `${node.name} sends the packet to its own address ${nexthop}`, pkt)];
  const model = ctx.world.nodes.get(next);
  addSteps(flow, node.name, [{ kind: 'forward', summary: `sent over ${hop.dev} to ${next} (${nexthop})`, detail: { nextNode: next, nexthop } }]);
  if (!model) return [end(flow, 'insufficient-info', `node ${next} not probed`, pkt)];
  const iif = model.addresses.find((a) => sameAddr(a.local, nexthop))?.ifname;
  if (!iif) return [end(flow, 'insufficient-info', `${next} does not show address ${nexthop} on any interface`, pkt)];
  return ctx.walk.arrive(ctx, next, flow, { ...onTheWire(pkt), iif });
}

