/**
 * Leaving a node: into a pod's veth, out of a bridge port (FDB), into a VXLAN tunnel (outer
 * destination from the neighbour + FDB entries), or onto the underlay to the next node's model.
 * Also the two ways in from those: a bridged frame, and a tunnel packet decapsulated.
 */
import type { Link, NodeModel } from '../model/node.js';
import type { Branch, Endpoint, Step } from './trace.js';
import { newPacket, onTheWire, UNKNOWN_PORT, viewOf, type Packet } from './packet.js';
import { addSteps, end, endOfVerdict, note, takeRun, type Flow } from './flow.js';
import { arrive, originate, routeInput, type WalkCtx } from './walk.js';
import { lookupRoute, type ResolvedHop } from './route.js';
import { runHook } from './hook.js';
import { inPrefix, sameAddr } from './addr.js';
import { bridgeNfCallIptables } from './sysctl.js';
import { selectSourceAddr } from './local.js';

const linkOf = (node: NodeModel, name?: string): Link | undefined => (name ? node.links.find((l) => l.name === name) : undefined);

export function egress(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, hop: ResolvedHop): Branch[] {
  const dev = hop.dev;
  const link = linkOf(node, dev);
  if (!dev) return [end(flow, 'uncertain', `route on ${node.name} has no device`, pkt)];
  if (!link) {
    if (node.links.length > 0) return [end(flow, 'uncertain', `device ${dev} of the route is not in ${node.name}'s link dump`, pkt)];
    note(flow, `links of ${node.name} not collected: ${dev} treated as the underlay`);
    return underlay(ctx, node, flow, pkt, hop);
  }
  if (link.mtu) addSteps(flow, node.name, [{ kind: 'forward', summary: `leaves by ${dev} (${link.kind}, mtu ${link.mtu})${hop.gateway ? ` via ${hop.gateway}` : ''}`, detail: { dev, kind: String(link.kind), mtu: link.mtu }, packetAfter: viewOf(pkt) }]);
  // A veth or plain device whose next hop is another node's address is the underlay (lab nodes, veth-attached VMs).
  const nexthop = hop.gateway ?? pkt.daddr;
  if (link.kind !== 'vxlan' && link.kind !== 'bridge' && link.kind !== 'loopback' && ctx.world.nodeByAddr.has(nexthop) && !ctx.world.podByIp.has(nexthop)) {
    return underlay(ctx, node, flow, pkt, hop);
  }
  switch (link.kind) {
    case 'loopback':
      return arrive(ctx, node.name, flow, { ...pkt, iif: 'lo', oif: undefined });
    case 'veth':
      // A pod's veth is reached by a direct route and carries no address of the pod's subnet; a gateway
      // behind it, or an address whose subnet holds the next hop, makes it an uplink to a network segment.
      return hop.gateway || onSegment(node, dev, nexthop) ? underlay(ctx, node, flow, pkt, hop) : deliverPod(ctx, node, flow, pkt, dev);
    case 'bridge':
      return bridgeOut(ctx, node, flow, pkt, link, hop);
    case 'vxlan':
      return encap(ctx, node, flow, pkt, link, hop);
    case 'ipip':
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
function deliverPod(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, dev: string): Branch[] {
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

type PortLookup = { kind: 'found'; mac: string; port: string } | { kind: 'missing'; why: string };

function portFor(node: NodeModel, bridge: string, ip: string): PortLookup {
  const n = node.neighbours.find((x) => x.dev === bridge && sameAddr(x.dst, ip) && x.lladdr && !x.state.includes('FAILED') && !x.state.includes('INCOMPLETE'));
  if (!n?.lladdr) return { kind: 'missing', why: `no neighbour entry for ${ip}` };
  const mac = n.lladdr.toLowerCase();
  const f = node.fdb.find((e) => e.mac.toLowerCase() === mac && (e.master === bridge || e.ifname !== bridge) && e.ifname !== bridge);
  if (!f) return { kind: 'missing', why: `no FDB entry for ${mac} (${ip})` };
  return { kind: 'found', mac, port: f.ifname };
}

/**
 * A frame switched between two ports of a bridge. With br_netfilter (bridge-nf-call-iptables=1) the IP
 * hooks PREROUTING, FORWARD and POSTROUTING see it (iif and oif are the bridge, physdev the ports);
 * a DNAT in PREROUTING turns it into a routed packet.
 */
export function bridgedFrame(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet): Branch[] {
  const bridge = pkt.iif ?? '';
  const brnf = bridgeNfCallIptables(node, bridge, pkt.family);
  const l2 = runHook(node, 'prerouting', pkt, { layer: 'bridge' });
  return l2.flatMap((b) => {
    const f0 = takeRun(flow, node.name, b, l2.length > 1);
    if (b.verdict !== 'accept') return [endOfVerdict(f0, b)];
    if (brnf.known && !brnf.value) {
      note(f0, `br_netfilter off on ${node.name}: iptables/nft ip tables do not see frames bridged on ${bridge}`);
      const port = portFor(node, bridge, pkt.daddr);
      addSteps(f0, node.name, [bridgeStep(bridge, pkt, port)]);
      return deliverBridged(ctx, node, f0, b.packet, port.kind === 'found' ? port.port : bridge);
    }
    if (!brnf.known) note(f0, `bridge-nf-call-iptables on ${node.name} unknown (sysctls not collected): assumed 1, as Kubernetes requires`);
    const pre = runHook(node, 'prerouting', b.packet, { layer: 'ip' });
    return pre.flatMap((r) => {
      const f = takeRun(f0, node.name, r, pre.length > 1);
      if (r.verdict !== 'accept') return [endOfVerdict(f, r)];
      if (!sameAddr(r.packet.daddr, pkt.daddr)) {
        // A DNAT: routed again; still bridged if the route leaves by this bridge.
        const rr = lookupRoute(node, { family: r.packet.family, saddr: r.packet.saddr, daddr: r.packet.daddr, iif: bridge, mark: r.packet.mark });
        if (!(rr.kind === 'unicast' && rr.hops.length === 1 && rr.hops[0]!.dev === bridge)) return routeInput(ctx, node, f, { ...r.packet, physIn: undefined });
      }
      return bridgeForward(ctx, node, f, r.packet, bridge);
    });
  });
}

function bridgeStep(bridge: string, pkt: Packet, port: PortLookup): Step {
  return { kind: 'bridge', summary: `bridged on ${bridge} from ${pkt.physIn ?? '?'}${port.kind === 'found' ? ` to port ${port.port} (${port.mac})` : ` (${port.why}; learned on ARP)`}`, detail: { bridge } };
}

/**
 * A frame switched to another port of `bridge` with br_netfilter: FORWARD and POSTROUTING see it with
 * iif = oif = the bridge and physdev the ports. A bridge never sends a frame back out the port it came
 * in by, unless that port has hairpin mode.
 */
export function bridgeForward(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, bridge: string): Branch[] {
  const port = portFor(node, bridge, pkt.daddr);
  const physOut = port.kind === 'found' ? port.port : ctx.world.podByIp.has(pkt.daddr) && pkt.physIn && pkt.physIn !== UNKNOWN_PORT && podPort(ctx, node, pkt) ? pkt.physIn : undefined;
  addSteps(flow, node.name, [bridgeStep(bridge, pkt, port)]);
  const hairpin = hairpinCheck(node, pkt, physOut);
  if (hairpin) return [hairpin.kind === 'drop' ? end(flow, 'dropped', hairpin.reason, pkt) : end(flow, 'uncertain', hairpin.reason, pkt)];
  // Bridge-family chains run before br_netfilter's IP hooks (NF_BR_PRI_BRNF 0 on forward, last on postrouting).
  const stages: { hook: 'forward' | 'postrouting'; layer: 'bridge' | 'ip' }[] = [
    { hook: 'forward', layer: 'bridge' },
    { hook: 'forward', layer: 'ip' },
    { hook: 'postrouting', layer: 'bridge' },
    { hook: 'postrouting', layer: 'ip' },
  ];
  const walk = (f: Flow, p: Packet, i: number): Branch[] => {
    const st = stages[i];
    if (!st) return deliverBridged(ctx, node, f, { ...p, physIn: undefined }, physOut ?? bridge);
    const runs = runHook(node, st.hook, { ...p, oif: bridge }, { layer: st.layer, physOut, nexthop: pkt.daddr });
    return runs.flatMap((r) => {
      const g = takeRun(f, node.name, r, runs.length > 1);
      return r.verdict !== 'accept' ? [endOfVerdict(g, r)] : walk(g, r.packet, i + 1);
    });
  };
  return walk(flow, pkt, 0);
}

/** The destination pod is the sender itself (a pod reaching itself through its service). */
function podPort(ctx: WalkCtx, node: NodeModel, pkt: Packet): boolean {
  const dst = ctx.world.podByIp.get(pkt.daddr);
  const src = ctx.world.podByIp.get(pkt.original.saddr);
  return !!dst && dst === src && (!dst.node || dst.node === node.name);
}

function hairpinCheck(node: NodeModel, pkt: Packet, physOut: string | undefined): { kind: 'drop' | 'unknown'; reason: string } | undefined {
  if (!physOut || !pkt.physIn || physOut !== pkt.physIn) return undefined;
  const hp = linkOf(node, physOut)?.bridgePort?.hairpin;
  if (hp === true) return undefined;
  if (hp === false) return { kind: 'drop', reason: `hairpin: the bridge does not send the frame back out ${physOut}, the port it came in by (hairpin off on ${node.name}:${physOut})` };
  return { kind: 'unknown', reason: `hairpin: the frame must go back out ${physOut}, the port it came in by; hairpin mode of that port is not in the dump` };
}

function deliverBridged(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, port: string): Branch[] {
  const pl = linkOf(node, port);
  if (pl && pl.kind !== 'veth' && pl.kind !== 'bridge') return [end(flow, 'uncertain', `bridged out of ${port} (${pl.kind}) on ${node.name}: not modelled`, pkt)];
  return deliverPod(ctx, node, flow, pkt, port);
}

/** VXLAN: the inner packet's next hop → neighbour MAC → FDB entry → remote VTEP; the outer UDP packet is sent by the node. */
function encap(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, link: Link, hop: ResolvedHop): Branch[] {
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
        const why = !n ? `no neighbour entry for ${nexthop} on ${link.name}` : `no FDB entry for ${mac} on ${link.name}`;
        return [end(flow, 'dropped', `VXLAN ${link.name} on ${node.name} has no destination: ${why}`, pkt)];
      }
    }
  }
  const family = remote.includes(':') ? 6 : 4;
  const local = vx.local ?? selectSourceAddr(node, vx.dev, remote, family) ?? '';
  const outer = newPacket({ proto: 'udp', saddr: local, daddr: remote, dport: vx.port, ttl: pkt.ttl });
  const port = vx.port;
  outer.inner = { packet: pkt, vni: vx.id, dev: link.name, port };
  const owner = ctx.world.nodeByAddr.get(remote);
  addSteps(flow, node.name, [
    {
      kind: 'encap',
      summary: `VXLAN encapsulation on ${link.name}: VNI ${vx.id}, udp/${port}, ${local || '?'} → ${remote}${owner ? ` (${owner})` : ''}`,
      packetBefore: viewOf(pkt),
      packetAfter: viewOf(outer),
      detail: { vni: vx.id, port, outerSrc: local, outerDst: remote, evidence },
    },
  ]);
  return originate(ctx, node.name, flow, outer);
}

/** On the receiving node: the UDP packet for a VXLAN port goes to the vxlan device with the same VNI. */
export function decap(ctx: WalkCtx, node: NodeModel, flow: Flow, outer: Packet): Branch[] {
  const inner = outer.inner!;
  const dev = node.links.find((l) => l.kind === 'vxlan' && l.vxlan?.id === inner.vni && (l.vxlan.port === inner.port || !l.vxlan.port));
  if (!dev) return [end(flow, 'dropped', `${node.name} has no VXLAN device with VNI ${inner.vni} on port ${inner.port}: the tunnel packet is dropped`, outer)];
  const pkt: Packet = { ...onTheWire(inner.packet), iif: dev.name };
  addSteps(flow, node.name, [{ kind: 'decap', summary: `VXLAN decapsulation on ${dev.name} (VNI ${inner.vni})`, packetBefore: viewOf(outer), packetAfter: viewOf(pkt), detail: { vni: inner.vni, dev: dev.name } }]);
  return arrive(ctx, node.name, flow, pkt);
}

/** Does `dev` carry an address whose subnet holds `ip` (a connected network segment)? */
function onSegment(node: NodeModel, dev: string, ip: string): boolean {
  return node.addresses.some((a) => a.ifname === dev && a.prefixlen < (a.family === 4 ? 32 : 128) && inPrefix(ip, `${a.local}/${a.prefixlen}`));
}

/** Out of a plain device: the next hop is another node (by its addresses) or something outside the snapshot. */
function underlay(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, hop: ResolvedHop): Branch[] {
  const nexthop = hop.gateway ?? pkt.daddr;
  const next = ctx.world.nodeByAddr.get(nexthop);
  if (!next && !hop.gateway && hop.dev && onSegment(node, hop.dev, nexthop)) {
    // The destination sits on the node's own segment: the packet is handed to it. Whether it listens is outside the snapshot.
    addSteps(flow, node.name, [{ kind: 'deliver', summary: `handed to ${nexthop} on ${hop.dev}'s network segment (outside the cluster)`, packetAfter: viewOf(pkt) }]);
    const ep: Endpoint = { ip: pkt.daddr, owner: 'external' };
    if (pkt.dport !== undefined) ep.port = pkt.dport;
    return [end(flow, 'delivered', `handed to ${nexthop} on ${node.name}'s ${hop.dev} segment (a host outside the snapshot)`, pkt, ep)];
  }
  if (!next) return [end(flow, 'insufficient-info', `leaves ${node.name} by ${hop.dev} towards ${nexthop}, which is not a node in the snapshot`, pkt)];
  if (next === node.name) return [end(flow, 'loop', `${node.name} sends the packet to its own address ${nexthop}`, pkt)];
  const model = ctx.world.nodes.get(next);
  addSteps(flow, node.name, [{ kind: 'forward', summary: `sent over ${hop.dev} to ${next} (${nexthop})`, detail: { nextNode: next, nexthop } }]);
  if (!model) return [end(flow, 'insufficient-info', `node ${next} not probed`, pkt)];
  const iif = model.addresses.find((a) => sameAddr(a.local, nexthop))?.ifname;
  if (!iif) return [end(flow, 'insufficient-info', `${next} does not show address ${nexthop} on any interface`, pkt)];
  return arrive(ctx, next, flow, { ...onTheWire(pkt), iif });
}

