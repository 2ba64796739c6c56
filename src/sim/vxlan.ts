/** VXLAN: encapsulation towards the remote VTEP (neighbour + FDB), decapsulation by the device with the same VNI. */
import type { Link, NodeModel } from '../model/node.js';
import type { Branch } from './trace.js';
import { newPacket, onTheWire, viewOf, type Packet } from './packet.js';
import { addSteps, end, type Flow } from './flow.js';
import type { WalkCtx } from './walk-ctx.js';
import type { ResolvedHop } from './route.js';
import { sameAddr } from '../util/addr.js';
import { selectSourceAddr } from './local.js';
import { decapIpip } from './ipip.js';
import { gapOn, unreadEnd } from './gaps.js';

/** VXLAN: the inner packet's next hop → neighbour MAC → FDB entry → remote VTEP; the outer UDP packet is sent by the node. */
export function encap(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, link: Link, hop: ResolvedHop): Branch[] {
  const vx = link.vxlan;
  if (!vx) return [end(flow, 'uncertain', `VXLAN details of ${link.name} on ${node.name} missing (ip -d link)`, pkt)];
  const nexthop = hop.gateway ?? pkt.daddr;
  let remote = vx.remote;
  let evidence = remote ? `remote ${remote} (point-to-point)` : '';
  if (!remote) {
    const n = node.neighbours.find((x) => x.dev === link.name && sameAddr(x.dst, nexthop) && x.lladdr);
    const mac = n?.lladdr?.toLowerCase();
    const f = mac ? node.fdb.find((e) => e.ifname === link.name && e.mac.toLowerCase() === mac && e.dst) : undefined;
    if (f?.dst) {
      remote = f.dst;
      evidence = `neighbour ${nexthop} → ${mac}; FDB ${mac} dst ${f.dst}`;
    } else {
      const flood = node.fdb.filter((e) => e.ifname === link.name && /^0{2}(:0{2}){5}$/.test(e.mac) && e.dst);
      if (flood.length === 1) {
        remote = flood[0]!.dst!;
        evidence = `default FDB entry 00:00:00:00:00:00 dst ${remote}`;
      } else if (flood.length > 1) {
        return [end(flow, 'uncertain', `VXLAN ${link.name} on ${node.name} floods to ${flood.length} VTEPs (no specific FDB entry for ${nexthop})`, pkt)];
      } else {
        // Without the neighbour or FDB dump, "no entry" only means "not read".
        const gap = !n ? gapOn(node, 'neighbours') : gapOn(node, 'fdb');
        if (gap) return [unreadEnd(flow, node, gap, `the VXLAN destination of ${nexthop} on ${link.name}`, pkt)];
        const why = !n ? `no neighbour entry for ${nexthop} on ${link.name}` : `no FDB entry for ${mac} on ${link.name}`;
        return [end(flow, 'dropped', `VXLAN ${link.name} on ${node.name} has no destination: ${why}`, pkt)];
      }
    }
  }
  const family = remote.includes(':') ? 6 : 4;
  const local = vx.local ?? selectSourceAddr(node, vx.dev, remote, family) ?? '';
  const outer = newPacket({ proto: 'udp', saddr: local, daddr: remote, dport: vx.port, ttl: pkt.ttl });
  const port = vx.port;
  outer.inner = { tunnel: 'vxlan', packet: pkt, vni: vx.id, dev: link.name, port };
  const owner = ctx.world.nodeByAddr.get(remote);
  addSteps(flow, node.name, [
    {
      kind: 'encap',
      summary: `VXLAN encapsulation on ${link.name}: VNI ${vx.id}, udp/${port}, ${local || '?'} → ${remote}${owner ? ` (${owner})` : ''}`,
      packetBefore: viewOf(pkt),
      packetAfter: viewOf(outer),
      detail: { vni: vx.id, port, outerSrc: local, outerDst: remote, evidence },
      tunnel: { type: 'vxlan', dev: link.name, vni: vx.id, port, outerSrc: local, outerDst: remote, ...(owner ? { remoteNode: owner } : {}) },
    },
  ]);
  return ctx.walk.originate(ctx, node.name, flow, outer);
}

/** On the receiving node: the UDP packet for a VXLAN port goes to the vxlan device with the same VNI. */
export function decap(ctx: WalkCtx, node: NodeModel, flow: Flow, outer: Packet): Branch[] {
  const inner = outer.inner!;
  if (inner.tunnel === 'ipip') return decapIpip(ctx, node, flow, outer);
  const dev = node.links.find((l) => l.kind === 'vxlan' && l.vxlan?.id === inner.vni && (l.vxlan.port === inner.port || !l.vxlan.port));
  const linkGap = dev ? undefined : gapOn(node, 'links');
  if (linkGap) return [unreadEnd(flow, node, linkGap, `the VXLAN device for VNI ${inner.vni}`, outer)];
  if (!dev) return [end(flow, 'dropped', `${node.name} has no VXLAN device with VNI ${inner.vni} on port ${inner.port}: the tunnel packet is dropped`, outer)];
  const pkt: Packet = { ...onTheWire(inner.packet), iif: dev.name };
  addSteps(flow, node.name, [{ kind: 'decap', summary: `VXLAN decapsulation on ${dev.name} (VNI ${inner.vni})`, packetBefore: viewOf(outer), packetAfter: viewOf(pkt), detail: { vni: inner.vni, dev: dev.name }, tunnel: { type: 'vxlan', dev: dev.name, vni: inner.vni, port: inner.port } }]);
  return ctx.walk.arrive(ctx, node.name, flow, pkt);
}

