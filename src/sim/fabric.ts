/**
 * Past the node's own interfaces, towards a router or segment no dump shows: a cloud VPC's subnet gateway (AWS VPC
 * CNI, Azure CNI, GKE VPC-native) or any routed underlay. Where the packet goes there is not in the snapshot, but who
 * owns its destination is:
 * - a node, or a pod of a node, of the snapshot: the network is taken to deliver it there (a VPC knows every ENI's
 *   addresses, a routed underlay the nodes' ranges) and the walk goes on at that node, on the interface whose subnet
 *   holds the address (else the uplink of its default route). The hop says it is an assumption and names the gateway.
 *   Not for a pod when the nodes route pod addresses themselves (a tunnel, or routes via other nodes: overlay,
 *   host-gw, BGP to the nodes): there the network between nodes does not know pod addresses, and a missing route on
 *   the node is what sent the packet this way (insufficient-info, as before).
 * - nothing of the snapshot, and outside every range the cluster claims: the packet leaves the cluster (`egress`),
 *   with the tuple it has on the wire (SNAT applied) and the interface.
 * - an address of a range the cluster claims (a podCIDR, a ClusterIP) that nobody owns, or pods not collected:
 *   what happens is not known (insufficient-info).
 */
import type { NodeModel } from '../model/node.js';
import type { Branch, Endpoint, Step } from './trace.js';
import { describePacket, onTheWire, viewOf, type Packet } from './packet.js';
import { addSteps, end, type Flow } from './flow.js';
import type { ResolvedHop } from './route.js';
import type { PodInfo, World } from './world.js';
import { familyOf, inPrefix, sameAddr } from '../util/addr.js';
import { narrowestClaim } from './claims.js';
import type { WalkCtx } from './walk-ctx.js';

/** Links through which a node reaches other nodes' pods without the underlay knowing pod addresses. */
const TUNNELS: ReadonlySet<string> = new Set(['vxlan', 'ipip', 'gre', 'geneve', 'wireguard']);
/** Links a packet from the network between nodes does not arrive on. */
const NOT_UPLINK: ReadonlySet<string> = new Set([...TUNNELS, 'bridge', 'loopback', 'tun', 'dummy']);

type Owner = { kind: 'node'; node: string } | { kind: 'pod'; node?: string; pod: PodInfo };

function ownerOf(world: World, addr: string): Owner | undefined {
  const pod = world.podByIp.get(addr);
  if (pod) return { kind: 'pod', pod, ...(pod.node ? { node: pod.node } : {}) };
  const node = world.nodeByAddr.get(addr);
  return node ? { kind: 'node', node } : undefined;
}

interface PodRouting {
  node: string;
  route: string;
}

const routingCache = new WeakMap<World, PodRouting | null>();

/** The first route on a probed node to another node's pod through a tunnel or via another node's address. */
function podRoutingOf(world: World): PodRouting | undefined {
  const hit = routingCache.get(world);
  if (hit !== undefined) return hit ?? undefined;
  const pods = [...new Set(world.podByIp.values())].filter((p) => p.node !== undefined);
  let found: PodRouting | undefined;
  for (const n of world.nodes.values()) {
    const tunnels = new Set(n.links.filter((l) => TUNNELS.has(l.kind)).map((l) => l.name));
    for (const r of n.routes) {
      if (found || r.type !== 'unicast' || r.dst === 'default' || r.table === 255) continue;
      const hops = r.nexthops?.length ? r.nexthops : [{ gateway: r.gateway, dev: r.dev }];
      const viaNodes = hops.some((h) => (h.dev !== undefined && tunnels.has(h.dev)) || (h.gateway !== undefined && (world.nodeByAddr.get(h.gateway) ?? n.name) !== n.name));
      if (!viaNodes) continue;
      const pod = pods.find((p) => p.node !== n.name && p.ips.some((ip) => inPrefix(ip, r.dst)));
      if (pod) found = { node: n.name, route: `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}, to ${pod.name} on ${pod.node}` };
    }
  }
  routingCache.set(world, found ?? null);
  return found;
}

/** The packet leaves `node` by `hop` towards something no dump of the snapshot shows. */
export function beyondNode(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, hop: ResolvedHop): Branch[] {
  const world = ctx.world;
  const dev = hop.dev ?? '?';
  const towards = hop.gateway ? `towards ${hop.gateway}, which is not a node in the snapshot` : `onto ${dev}'s network segment`;
  const leaves = `leaves ${node.name} by ${dev} ${towards}`;
  const owner = ownerOf(world, pkt.daddr);
  if (owner) {
    const routing = owner.kind === 'pod' ? podRoutingOf(world) : undefined;
    if (routing) return [end(flow, 'insufficient-info', `${leaves}; ${pkt.daddr} belongs to pod ${ownerName(owner)}, but the nodes route pod addresses themselves (on ${routing.node}: ${routing.route}), so the network beyond is not taken to know it: ${node.name} lacks a route to it`, pkt)];
    if (!owner.node) return [end(flow, 'insufficient-info', `${leaves}; ${pkt.daddr} belongs to pod ${ownerName(owner)}, whose node is not known`, pkt)];
    return deliverAcross(ctx, node, flow, pkt, hop, owner, owner.node);
  }
  const range = narrowestClaim(world, pkt.daddr);
  if (range) return [end(flow, 'insufficient-info', `${leaves}; ${pkt.daddr} is in ${range.what} (${range.cidr}) but nothing in the snapshot owns it: what the network beyond does with it is not known`, pkt)];
  if (!world.podsKnown) return [end(flow, 'insufficient-info', `${leaves}; pods were not collected, so whether ${pkt.daddr} is a pod's is unknown`, pkt)];
  return [leaveCluster(node, flow, pkt, hop)];
}

function ownerName(o: Owner): string {
  return o.kind === 'pod' ? o.pod.name : o.node;
}

/** The network beyond is taken to carry the packet to the node that owns its destination; the walk goes on there. */
function deliverAcross(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, hop: ResolvedHop, owner: Owner, toNode: string): Branch[] {
  const dev = hop.dev ?? '?';
  const target = ctx.world.nodes.get(toNode);
  const what = owner.kind === 'pod' ? `pod ${owner.pod.name}'s address on ${toNode}` : `an address of node ${toNode}`;
  const via = hop.gateway ? `the gateway ${hop.gateway}` : `${dev}'s network segment`;
  const ingress = target ? ingressOf(target, pkt.daddr, owner.kind) : undefined;
  const basis = `no dump shows the network beyond ${node.name}'s ${dev}; ${pkt.daddr} is ${what}, so ${via} is taken to deliver it there (as a cloud VPC or a routed underlay does)${ingress ? `, arriving on ${ingress.dev} (${ingress.why})` : ''}`;
  const step: Step = {
    kind: 'forward',
    summary: `sent over ${dev}${hop.gateway ? ` to the gateway ${hop.gateway}` : ''}; assumed: the network beyond delivers ${pkt.daddr} to ${toNode}`,
    detail: { nextNode: toNode, underlay: true, ...(hop.gateway ? { gateway: hop.gateway } : {}) },
    packetAfter: viewOf(pkt),
    assumption: { kind: 'underlay', dev, ...(hop.gateway ? { gateway: hop.gateway } : {}), to: pkt.daddr, toNode, owner: owner.kind, basis },
  };
  addSteps(flow, node.name, [step]);
  if (!target) return [end(flow, 'insufficient-info', `node ${toNode} not probed`, pkt)];
  if (!ingress && owner.kind === 'node') return [end(flow, 'insufficient-info', `${pkt.daddr} is an address of node ${toNode} (its Node object) that none of its interfaces holds: something outside the node translates it (a cloud's public address)`, pkt)];
  if (!ingress) return [end(flow, 'insufficient-info', `${toNode} shows no interface for ${pkt.daddr} to arrive on (no subnet holding it, no default route)`, pkt)];
  return ctx.walk.arrive(ctx, toNode, flow, { ...onTheWire(pkt), iif: ingress.dev });
}

/** Where a packet from the network between nodes arrives: the address's interface, its subnet's, or the default route's. */
function ingressOf(m: NodeModel, addr: string, owner: Owner['kind']): { dev: string; why: string } | undefined {
  const kindOf = (dev: string): string => m.links.find((l) => l.name === dev)?.kind ?? 'device';
  if (owner === 'node') {
    const own = m.addresses.find((a) => sameAddr(a.local, addr) && a.ifname !== 'lo');
    return own ? { dev: own.ifname, why: `it holds ${addr}` } : undefined;
  }
  const fam = familyOf(addr);
  const seg = m.addresses.find((a) => a.family === fam && a.prefixlen < (fam === 4 ? 32 : 128) && !NOT_UPLINK.has(kindOf(a.ifname)) && inPrefix(addr, `${a.local}/${a.prefixlen}`));
  if (seg) return { dev: seg.ifname, why: `its subnet ${seg.local}/${seg.prefixlen} holds ${addr}` };
  const def = m.routes.find((r) => r.table === 254 && r.family === fam && (r.dst === 'default' || r.dst === (fam === 4 ? '0.0.0.0/0' : '::/0')) && r.dev);
  if (def?.dev) return { dev: def.dev, why: 'the uplink of its default route' };
  return undefined;
}

/** Nothing of the snapshot owns the destination: the packet leaves the cluster, as it is on the wire. */
function leaveCluster(node: NodeModel, flow: Flow, pkt: Packet, hop: ResolvedHop): Branch {
  const dev = hop.dev ?? '?';
  addSteps(flow, node.name, [{ kind: 'forward', summary: `leaves the cluster by ${dev}${hop.gateway ? ` via ${hop.gateway}` : ''} as ${describePacket(pkt)}`, detail: { dev, egress: true, ...(hop.gateway ? { gateway: hop.gateway } : {}) }, packetAfter: viewOf(pkt) }]);
  const ep: Endpoint = { ip: pkt.daddr, owner: 'external' };
  if (pkt.dport !== undefined) ep.port = pkt.dport;
  const b = end(flow, 'egress', `leaves the cluster: ${node.name} sends it by ${dev}${hop.gateway ? ` to the gateway ${hop.gateway}` : ` onto its segment`}; nothing in the snapshot owns ${pkt.daddr}`, pkt, ep);
  b.egress = { node: node.name, dev, ...(hop.gateway ? { gateway: hop.gateway } : {}) };
  return b;
}
