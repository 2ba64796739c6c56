/**
 * IP-in-IP (`ipip`, protocol 4: Calico's tunl0). Sending (ip_tunnel_xmit): the outer destination is the tunnel's
 * remote, or for a tunnel without one (tunl0: `remote any`) the next hop of the route that chose the device
 * (`via NODE dev tunl0 onlink`); the outer source is the tunnel's local, else what the route to the destination picks;
 * the node sends the outer packet (OUTPUT, POSTROUTING). Receiving (ipip_rcv → ip_tunnel_lookup): the up tunnel whose
 * local and remote match best (both, then remote, then local, then the catch-all `any`/`any` device) takes the inner
 * packet, which arrives on that device; no such tunnel and the packet is dropped (ICMP protocol unreachable).
 */
import type { Link, NodeModel } from '../model/node.js';
import type { Branch } from './trace.js';
import { newPacket, onTheWire, viewOf, type Packet } from './packet.js';
import { addSteps, end, type Flow } from './flow.js';
import type { WalkCtx } from './walk-ctx.js';
import type { ResolvedHop } from './route.js';
import { sameAddr } from '../util/addr.js';
import { gapOn, unreadEnd } from './gaps.js';

export function encapIpip(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, link: Link, hop: ResolvedHop): Branch[] {
  if (pkt.family !== 4) return [end(flow, 'dropped', `${link.name} on ${node.name} is an IPv4-in-IPv4 tunnel: it does not carry IPv6`, pkt)];
  const remote = link.ipip?.remote ?? hop.gateway ?? pkt.daddr;
  const why = link.ipip?.remote ? `the tunnel's remote ${remote}` : hop.gateway ? `the route's next hop ${remote} (the tunnel has remote any)` : `the inner destination ${remote} (no remote, no next hop)`;
  const outer = newPacket({ proto: 'ipencap', saddr: link.ipip?.local ?? '', daddr: remote, ttl: pkt.ttl });
  outer.inner = { tunnel: 'ipip', packet: pkt, dev: link.name };
  const owner = ctx.world.nodeByAddr.get(remote);
  addSteps(flow, node.name, [
    {
      kind: 'encap',
      summary: `IPIP encapsulation on ${link.name}: outer ${link.ipip?.local ?? '(source chosen by the route)'} → ${remote}${owner ? ` (${owner})` : ''}, protocol 4`,
      packetBefore: viewOf(pkt),
      packetAfter: viewOf(outer),
      detail: { tunnel: 'ipip', outerDst: remote, evidence: why },
      tunnel: { type: 'ipip', dev: link.name, outerDst: remote, ...(link.ipip?.local ? { outerSrc: link.ipip.local } : {}), ...(owner ? { remoteNode: owner } : {}) },
    },
  ]);
  return ctx.walk.originate(ctx, node.name, flow, outer);
}

/** ip_tunnel_lookup's order of preference for the receiving device. */
export function decapIpip(ctx: WalkCtx, node: NodeModel, flow: Flow, outer: Packet): Branch[] {
  const inner = outer.inner!;
  const up = node.links.filter((l) => l.kind === 'ipip' && (l.flags.includes('UP') || l.state === 'UP'));
  const is = (v: string | undefined, addr: string): boolean => v !== undefined && sameAddr(v, addr);
  const dev =
    up.find((l) => is(l.ipip?.local, outer.daddr) && is(l.ipip?.remote, outer.saddr)) ??
    up.find((l) => l.ipip?.local === undefined && is(l.ipip?.remote, outer.saddr)) ??
    up.find((l) => is(l.ipip?.local, outer.daddr) && l.ipip?.remote === undefined) ??
    up.find((l) => l.ipip?.local === undefined && l.ipip?.remote === undefined);
  const linkGap = dev ? undefined : gapOn(node, 'links');
  if (linkGap) return [unreadEnd(flow, node, linkGap, `the IPIP device for ${outer.saddr} → ${outer.daddr}`, outer)];
  if (!dev) return [end(flow, 'dropped', `${node.name} has no up IPIP tunnel for ${outer.saddr} → ${outer.daddr}: the tunnel packet is dropped (ICMP protocol unreachable)`, outer)];
  const pkt: Packet = { ...onTheWire(inner.packet), iif: dev.name };
  addSteps(flow, node.name, [{ kind: 'decap', summary: `IPIP decapsulation on ${dev.name}`, packetBefore: viewOf(outer), packetAfter: viewOf(pkt), detail: { tunnel: 'ipip', dev: dev.name }, tunnel: { type: 'ipip', dev: dev.name, outerSrc: outer.saddr, outerDst: outer.daddr } }]);
  return ctx.walk.arrive(ctx, node.name, flow, pkt);
}
