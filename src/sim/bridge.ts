/**
 * Bridges: a frame switched between ports (br_netfilter runs the IP hooks on it), a DNAT that keeps a
 * frame on its bridge, hairpin, and the FDB/neighbour lookups that find a port.
 */
import type { NodeModel } from '../model/node.js';
import type { Branch, Step } from './trace.js';
import { UNKNOWN_PORT, portPhrase, type Packet } from './packet.js';
import { addSteps, end, endOfVerdict, note, takeRun, type Flow } from './flow.js';
import type { WalkCtx } from './walk-ctx.js';
import { lookupRoute } from './route.js';
import { runHook } from './hook.js';
import { sameAddr } from '../util/addr.js';
import { portFor, type PortLookup } from './bridge-port.js';
import { bridgeNfCallIptables } from './sysctl.js';
import { deliverPod, linkOf } from './egress.js';
import { gapOn, unreadEnd } from './gaps.js';

/**
 * A frame switched between two ports of a bridge. With br_netfilter (bridge-nf-call-iptables=1) the IP
 * hooks PREROUTING, FORWARD and POSTROUTING see it (iif and oif are the bridge, physdev the ports);
 * a DNAT in PREROUTING turns it into a routed packet.
 */
export function bridgedFrame(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet): Branch[] {
  const bridge = pkt.iif ?? '';
  const brnf = bridgeNfCallIptables(node, bridge, pkt.family);
  const l2 = runHook(node, 'prerouting', pkt, { ...ctx.shared, layer: 'bridge' });
  return l2.flatMap((b) => {
    const f0 = takeRun(flow, node.name, b, l2.length > 1);
    if (b.verdict !== 'accept') return [endOfVerdict(f0, b)];
    if (brnf.known && !brnf.value) {
      note(f0, `br_netfilter off on ${node.name}: iptables/nft ip tables do not see frames bridged on ${bridge}`);
      const port = portFor(node, bridge, pkt.daddr);
      addSteps(f0, node.name, [bridgeStep(bridge, pkt, port)]);
      return deliverBridged(ctx, node, f0, b.packet, port.kind === 'found' ? port.port : bridge);
    }
    const sysctlGap = brnf.known ? undefined : gapOn(node, 'sysctl');
    if (sysctlGap) return [unreadEnd(f0, node, sysctlGap, `br_netfilter (bridge-nf-call-iptables) for ${bridge}`, b.packet)];
    if (!brnf.known) note(f0, `bridge-nf-call-iptables on ${node.name} unknown (sysctls not collected): assumed 1, as Kubernetes requires`);
    const pre = runHook(node, 'prerouting', b.packet, { ...ctx.shared, layer: 'ip' });
    return pre.flatMap((r) => {
      const f = takeRun(f0, node.name, r, pre.length > 1);
      if (r.verdict !== 'accept') return [endOfVerdict(f, r)];
      if (!sameAddr(r.packet.daddr, pkt.daddr)) {
        // A DNAT: routed again; still bridged if the route leaves by this bridge.
        const rr = lookupRoute(node, { family: r.packet.family, saddr: r.packet.saddr, daddr: r.packet.daddr, iif: bridge, mark: r.packet.mark });
        if (!(rr.kind === 'unicast' && rr.hops.length === 1 && rr.hops[0]!.dev === bridge)) return ctx.walk.routeInput(ctx, node, f, { ...r.packet, physIn: undefined });
      }
      return bridgeForward(ctx, node, f, r.packet, bridge);
    });
  });
}

function bridgeStep(bridge: string, pkt: Packet, port: PortLookup): Step {
  return { kind: 'bridge', summary: `bridged on ${bridge} from ${pkt.physIn ? portPhrase(pkt.physIn) : 'an unknown port'}${port.kind === 'found' ? ` to port ${port.port} (${port.mac})` : ` (${port.why}; learned on ARP)`}`, detail: { bridge } };
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
  // The new destination MAC comes from the neighbour table before the frame is switched (and before
  // FORWARD): an address nobody answers ARP for ends here.
  if (port.kind === 'missing' && ctx.world.podsKnown && !ctx.world.podByIp.has(pkt.daddr) && !ctx.world.nodeByAddr.has(pkt.daddr)) {
    return [end(flow, 'dropped', `no host answers ARP for ${pkt.daddr} on ${node.name}:${bridge} (no pod owns it: a deleted pod or stale NAT)`, pkt)];
  }
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
    const runs = runHook(node, st.hook, { ...p, oif: bridge }, { ...ctx.shared, layer: st.layer, physOut, nexthop: pkt.daddr });
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

