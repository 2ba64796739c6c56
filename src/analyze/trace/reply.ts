/**
 * The reply: walked back from the endpoint with the connection's conntrack state on every node the
 * request crossed (established; NAT undone from the entries), so rp_filter and filter rules on the
 * way back are checked with the kernel's own logic.
 */
import type { ConntrackEntry } from '../../model/conntrack.js';
import type { NodeModel } from '../../model/node.js';
import type { Branch, Hop } from '../../sim/trace.js';
import type { PacketView } from '../../sim/packet.js';
import { newPacket, simulate } from '../../sim/index.js';
import type { World } from '../../sim/world.js';
import { podIngress } from './ingress.js';

/** Walks the reply of each delivered pod branch; undefined when the reply cannot be planned. */
export function walkReply(world: World, b: Branch): Branch[] | undefined {
  const ep = b.endpoint;
  const fin = b.final;
  if (b.disposition !== 'delivered' || ep?.owner !== 'pod' || !ep.node || !fin) return undefined;
  const epNode = world.nodes.get(ep.node);
  if (!epNode) return undefined;
  const nodes = new Map<string, NodeModel>();
  for (const [name, model] of world.nodes) nodes.set(name, model);
  for (const h of b.hops) {
    const model = nodes.get(h.node);
    const seen = tuplesOn(h, b);
    if (!model || !seen) continue;
    nodes.set(h.node, { ...model, conntrack: [entryFor(seen.arrived, seen.left), ...model.conntrack] });
  }
  const start = podIngress(epNode, fin.daddr, fin.saddr);
  if (!start.ok) return undefined;
  const reply = newPacket({ proto: fin.proto, saddr: fin.daddr, daddr: fin.saddr, sport: fin.dport, dport: fin.sport });
  return simulate({ ...world, nodes }, reply, start.start);
}

/** The inner packet as it reached a node and as it left it (tunnel outer packets excluded). */
function tuplesOn(h: Hop, b: Branch): { arrived: PacketView; left: PacketView } | undefined {
  let arrived: PacketView | undefined;
  let left: PacketView | undefined;
  let outer = false;
  for (const s of h.steps) {
    if (s.kind === 'decap') {
      outer = false;
      arrived = s.packetAfter;
      continue;
    }
    if (s.kind === 'encap') {
      left = s.packetBefore;
      outer = true;
      continue;
    }
    if (outer) continue;
    if (!arrived && s.packetBefore && (s.kind === 'ingress' || s.kind === 'netfilter')) arrived = s.packetBefore;
    if (s.packetAfter) left = s.packetAfter;
  }
  if (h === b.hops[b.hops.length - 1] && b.final) left = b.final;
  return arrived && left ? { arrived, left } : undefined;
}

/** A conntrack entry whose ORIGINAL direction is the reply: joining it undoes the request's NAT. */
function entryFor(arrived: PacketView, left: PacketView): ConntrackEntry {
  return {
    l3: arrived.daddr.includes(':') ? 'ipv6' : 'ipv4',
    protocol: arrived.proto,
    state: 'ESTABLISHED',
    original: { src: left.daddr, dst: left.saddr, sport: left.dport, dport: left.sport },
    reply: { src: arrived.saddr, dst: arrived.daddr, sport: arrived.sport, dport: arrived.dport },
    flags: ['ASSURED'],
  };
}
