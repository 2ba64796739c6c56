/**
 * The walker: one node at a time in the kernel's order. A packet arrives on an interface (or is sent
 * by the node itself), meets conntrack and PREROUTING, is routed, goes to INPUT or FORWARD and
 * POSTROUTING, and leaves (egress.ts), possibly onto the next node's model.
 */
import type { IpvsRealServer, IpvsService } from '../model/ipvs.js';
import type { NodeModel } from '../model/node.js';
import type { Branch, BranchCause, Step } from './trace.js';
import type { StateGap } from '../model/gaps.js';
import { conntrackUnread, gapOn, ipvsUnread, unreadEnd } from './gaps.js';
import { portPhrase, viewOf, type Packet } from './packet.js';
import type { World } from './world.js';
import type { WalkCtx, WalkEntries } from './walk-ctx.js';
import { addSteps, end, endOfVerdict, fork, newFlow, note, takeRun, type Flow } from './flow.js';
import { runHook, type HookOptions } from './hook.js';
import { IPVS_LOCAL_IN_PRIORITY, IPVS_LOCAL_OUT_PRIORITY, describeReal, describeVirtual, hasIpvs, ipvsStep, noRealServerStep, schedule, toReal, virtualServer } from './ipvs.js';
import { describeRoute, lookupRoute, tableName, type ResolvedHop, type RouteResult } from './route.js';
import { describeEntry, findEntry, joinEntry } from './ct.js';
import { bridgeNfCallIptables, forwarding, rpFilter } from './sysctl.js';
import { selectSourceAddr } from './local.js';
import { egress } from './egress.js';
import { bridgeForward, bridgedFrame } from './bridge.js';
import { decap } from './vxlan.js';
import { allow, limitReason, newBudget, type Budget } from './budget.js';

/** Where the packet enters the simulated world. */
export type Start =
  /** Arrives on `iif` of `node`; `physIn` is the bridge port when iif is a bridge; `bridged` when the frame is switched to another port. */
  | { kind: 'interface'; node: string; iif: string; physIn?: string; bridged?: boolean; note?: string }
  /** Sent by the node itself (a hostNetwork pod, a node process). */
  | { kind: 'local'; node: string; note?: string };

export interface SimulateOptions {
  /** The bound on paths (default: newBudget(), MAX_BRANCHES); read it afterwards for the work done. */
  budget?: Budget;
}

/** Walks `pkt` from `start` and returns every branch with its odds (they sum to 1). */
export function simulate(world: World, pkt: Packet, start: Start, opts: SimulateOptions = {}): Branch[] {
  const ctx: WalkCtx = { world, shared: { budget: opts.budget ?? newBudget(), memo: new Map() }, walk: ENTRIES };
  const flow = newFlow();
  if (start.note) note(flow, start.note);
  if (start.kind === 'local') return originate(ctx, start.node, flow, pkt);
  const p: Packet = { ...pkt, iif: start.iif };
  if (start.physIn) p.physIn = start.physIn;
  return arrive(ctx, start.node, flow, p, start.bridged === true);
}

function model(ctx: WalkCtx, name: string): NodeModel | undefined {
  return ctx.world.nodes.get(name);
}

/** A packet arrives on `pkt.iif` of `nodeName`. */
function arrive(ctx: WalkCtx, nodeName: string, flow: Flow, pkt: Packet, bridged = false): Branch[] {
  const node = model(ctx, nodeName);
  if (!node) return [end(flow, 'insufficient-info', `node ${nodeName} not probed`, pkt)];
  if (pkt.ttl <= 0) return [end(flow, 'loop', `TTL exceeded at ${nodeName}: the packet circles`, pkt)];
  const key = `${nodeName}|${pkt.iif}|${pkt.proto}|${pkt.saddr}|${pkt.daddr}|${pkt.dport}|${pkt.inner ? 'outer' : ''}`;
  if (flow.visited.includes(key)) return [end(flow, 'loop', `routing loop: the packet came back to ${nodeName} on ${pkt.iif}`, pkt)];
  flow.visited.push(key);
  addSteps(flow, nodeName, [{ kind: 'ingress', summary: `arrives on ${pkt.iif}${pkt.physIn ? ` (${portPhrase(pkt.physIn)})` : ''}`, packetBefore: viewOf(pkt), detail: { iif: pkt.iif ?? '' } }]);
  const unreadCt = conntrackUnread(flow, node, pkt);
  if (unreadCt) return [unreadCt];
  pkt = conntrack(node, flow, pkt);
  if (bridged) return bridgedFrame(ctx, node, flow, pkt);
  if (pkt.physIn) {
    const brnf = bridgeNfCallIptables(node, pkt.iif ?? '', pkt.family);
    const sysctlGap = brnf.known ? undefined : gapOn(node, 'sysctl');
    if (sysctlGap) return [unreadEnd(flow, node, sysctlGap, `br_netfilter (bridge-nf-call-iptables) for ${pkt.iif}`, pkt)];
    if (brnf.known && !brnf.value) pkt = { ...pkt, physIn: undefined };
  }
  const runs = runHook(node, 'prerouting', pkt, { ...ctx.shared, layer: 'ip' });
  return runs.flatMap((r) => {
    const f = takeRun(flow, nodeName, r, runs.length > 1);
    if (r.verdict !== 'accept') return [endOfVerdict(f, r)];
    // br_nf_pre_routing_finish: after a DNAT, a destination routed out of the same bridge stays bridged.
    if (pkt.physIn && r.packet.daddr !== pkt.daddr) {
      const rr = lookupRoute(node, { family: r.packet.family, saddr: r.packet.saddr, daddr: r.packet.daddr, iif: pkt.iif, mark: r.packet.mark });
      if (rr.kind === 'unicast' && rr.hops.length === 1 && rr.hops[0]!.dev === pkt.iif) {
        addSteps(f, nodeName, [{ ...routeStep(r.packet, rr), summary: `${routeStep(r.packet, rr).summary} — same bridge: the frame stays bridged (br_netfilter DNAT)` }]);
        return bridgeForward(ctx, node, f, r.packet, pkt.iif ?? '');
      }
    }
    return routeInput(ctx, node, f, { ...r.packet, physIn: undefined });
  });
}

function conntrack(node: NodeModel, flow: Flow, pkt: Packet): Packet {
  const e = findEntry(node, pkt);
  if (!e) return pkt;
  const step: Step = { kind: 'conntrack', summary: `existing conntrack entry: ${describeEntry(e)}`, detail: { entry: describeEntry(e) } };
  if (e.line !== undefined) step.line = e.line;
  addSteps(flow, node.name, [step]);
  note(flow, 'an existing conntrack entry decides this flow: NAT is taken from it and the nat chains are skipped');
  return joinEntry(pkt, e);
}

/** ip_route_input: where a received packet goes. */
function routeInput(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet): Branch[] {
  const r = lookupRoute(node, { family: pkt.family, saddr: pkt.saddr, daddr: pkt.daddr, iif: pkt.iif, mark: pkt.mark, proto: pkt.proto, sport: pkt.sport, dport: pkt.dport });
  addSteps(flow, node.name, [routeStep(pkt, r)]);
  if (r.kind === 'unknown') return [routeFailure(flow, node, pkt, r)];
  const rp = checkRpFilter(node, pkt, r);
  if (rp?.kind === 'unknown') return [unreadEnd(flow, node, rp.gap, `rp_filter on ${pkt.iif}`, pkt)];
  if (rp) return [caused(end(flow, 'dropped', rp.reason, pkt), { code: 'rp-filter', node: node.name, iif: pkt.iif ?? '' })];
  switch (r.kind) {
    case 'local':
    case 'broadcast':
      return input(ctx, node, flow, pkt);
    case 'unicast': {
      const fw = forwarding(node, pkt.family, pkt.iif);
      if (fw.known && !fw.value) return [caused(end(flow, 'dropped', `forwarding is disabled on ${node.name} (net.ipv4.ip_forward / conf.${pkt.iif}.forwarding = 0): the packet is not routed on`, pkt), { code: 'forwarding-disabled', node: node.name, ...(pkt.iif ? { iif: pkt.iif } : {}) })];
      const sysctlGap = fw.known ? undefined : gapOn(node, 'sysctl');
      if (sysctlGap) return [unreadEnd(flow, node, sysctlGap, 'forwarding', pkt)];
      if (!fw.known) note(flow, `forwarding on ${node.name} not known (sysctls not collected): assumed enabled`);
      return eachHop(ctx, flow, r.hops, pkt, (f, hop) => forward(ctx, node, f, pkt, hop));
    }
    default:
      return [routeFailure(flow, node, pkt, r)];
  }
}

/** Each next hop of a route (ECMP: weighted branches) continued by `next`. */
function eachHop(ctx: WalkCtx, flow: Flow, hops: ResolvedHop[], pkt: Packet, next: (f: Flow, hop: ResolvedHop) => Branch[]): Branch[] {
  if (hops.length <= 1) return hops.flatMap((hop) => next(flow, hop));
  const total = hops.reduce((s, h) => s + h.weight, 0);
  const { follow, cut } = boundedFork(ctx, flow, hops.map((hop) => ({ item: hop, probability: hop.weight / total })), `the ECMP route to ${pkt.daddr}`, pkt);
  return [
    ...follow.flatMap(({ f, item: hop }) => {
      note(f, `ECMP: next hop ${hop.gateway ?? hop.dev} (weight ${hop.weight} of ${total}); the kernel picks per flow by hash`);
      return next(f, hop);
    }),
    ...cut,
  ];
}

/**
 * A fork of the walk itself (ECMP next hops, IPVS real servers): each alternative followed gets a copy of the flow
 * with its odds; past the path limit, the rest end as one `uncertain` branch (`cut`).
 */
function boundedFork<T>(ctx: WalkCtx, flow: Flow, alts: { item: T; probability: number }[], where: string, pkt: Packet): { follow: { f: Flow; item: T }[]; cut: Branch[] } {
  const n = alts.length > 1 ? allow(ctx.shared.budget, alts.length) : alts.length;
  const follow = alts.slice(0, n).map(({ item, probability }) => {
    const f = alts.length > 1 ? fork(flow) : flow;
    f.probability *= probability;
    return { f, item };
  });
  if (n === alts.length) return { follow, cut: [] };
  const rest = fork(flow);
  rest.probability *= alts.slice(n).reduce((sum, a) => sum + a.probability, 0);
  ctx.shared.budget.branches++;
  const cut = end(rest, 'uncertain', limitReason(ctx.shared.budget, where), pkt);
  cut.cause = { code: 'path-limit', limit: ctx.shared.budget.limit };
  return { follow, cut: [cut] };
}

function routeFailure(flow: Flow, node: NodeModel, pkt: Packet, r: RouteResult): Branch {
  switch (r.kind) {
    case 'blackhole':
      return end(flow, 'dropped', `blackhole route on ${node.name}${r.route ? `: ${describeRoute(r.route)}` : r.rule ? ` (ip rule ${r.rule.priority})` : ''}`, pkt);
    case 'prohibit':
      return end(flow, 'rejected', `prohibit route on ${node.name} (ICMP administratively prohibited)`, pkt);
    case 'unreachable':
      return end(flow, 'no-route', `unreachable route on ${node.name}${r.route ? `: ${describeRoute(r.route)}` : ''}`, pkt);
    case 'none':
      return end(flow, 'no-route', `no route to ${pkt.daddr} on ${node.name} (tables tried: ${r.tried.map(tableName).join(', ') || 'none'})`, pkt);
    case 'unknown':
      return unreadEnd(flow, node, r.gap, `the route to ${pkt.daddr}`, pkt);
    default:
      return end(flow, 'uncertain', `unexpected route result ${r.kind}`, pkt);
  }
}

type RpCheck = { kind: 'drop'; reason: string } | { kind: 'unknown'; gap: StateGap } | undefined;

/** fib_validate_source: strict mode wants the reverse route to leave by the interface the packet came in on. */
function checkRpFilter(node: NodeModel, pkt: Packet, r: RouteResult): RpCheck {
  if (!pkt.iif || pkt.iif === 'lo' || pkt.family !== 4) return undefined;
  const mode = rpFilter(node, pkt.iif);
  if (!mode.known) {
    const gap = gapOn(node, 'sysctl');
    return gap ? { kind: 'unknown', gap } : undefined;
  }
  if (mode.value === 0) return undefined;
  if (r.kind === 'local' && node.addresses.some((a) => a.local === pkt.saddr)) return undefined;
  const rev = lookupRoute(node, { family: 4, saddr: pkt.daddr, daddr: pkt.saddr, iif: pkt.iif, mark: pkt.mark });
  if (rev.kind === 'unknown') return rev;
  const revDev = rev.kind === 'unicast' ? rev.hops.map((h) => h.dev) : rev.kind === 'local' ? [rev.route.dev] : [];
  if (revDev.length === 0) return { kind: 'drop', reason: `rp_filter on ${node.name}:${pkt.iif} drops it: no route back to ${pkt.saddr}` };
  if (mode.value === 1 && !revDev.includes(pkt.iif)) return { kind: 'drop', reason: `rp_filter=1 (strict) on ${node.name}:${pkt.iif} drops it: the route back to ${pkt.saddr} leaves by ${revDev.join(',')}` };
  return undefined;
}

function caused(b: Branch, cause: BranchCause): Branch {
  b.cause = cause;
  return b;
}

function input(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet): Branch[] {
  const unreadIpvs = ipvsUnread(flow, node, pkt);
  if (unreadIpvs) return [unreadIpvs];
  if (!hasIpvs(node)) return inputFrom(ctx, node, flow, pkt, {});
  // IPVS takes packets for its virtual servers between the filter and nat INPUT chains.
  const runs = runHook(node, 'input', pkt, { ...ctx.shared, layer: 'ip', range: { below: IPVS_LOCAL_IN_PRIORITY } });
  return runs.flatMap((r) => {
    const f = takeRun(flow, node.name, r, runs.length > 1);
    if (r.verdict !== 'accept') return [endOfVerdict(f, r)];
    const vs = r.packet.inner ? undefined : virtualServer(node, r.packet);
    if (vs) return ipvs(ctx, node, f, r.packet, vs, 'input');
    return inputFrom(ctx, node, f, r.packet, { from: IPVS_LOCAL_IN_PRIORITY });
  });
}

/** The INPUT chains in `range`, then local delivery (or a tunnel's decapsulation). */
function inputFrom(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, range: HookOptions['range']): Branch[] {
  const runs = runHook(node, 'input', pkt, { ...ctx.shared, layer: 'ip', range });
  return runs.flatMap((r) => {
    const f = takeRun(flow, node.name, r, runs.length > 1);
    if (r.verdict !== 'accept') return [endOfVerdict(f, r)];
    if (r.packet.inner) return decap(ctx, node, f, r.packet);
    addSteps(f, node.name, [{ kind: 'deliver', summary: `delivered locally on ${node.name} (${r.packet.daddr} is the node's own address)`, packetAfter: viewOf(r.packet) }]);
    const ep = { ip: r.packet.daddr, node: node.name, owner: 'node' } as const;
    return [end(f, 'delivered', `delivered to ${node.name}`, r.packet, r.packet.dport !== undefined ? { ...ep, port: r.packet.dport } : ep)];
  });
}

/**
 * IPVS gives a new connection to one real server (each a branch with its odds) and, in masquerading mode, sends the
 * rewritten packet on: from LOCAL_IN through the whole OUTPUT hook (ip_vs_nat_send_or_cont re-enters LOCAL_OUT),
 * from LOCAL_OUT through the rest of it; to a real server on this node it stays local.
 */
function ipvs(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, vs: IpvsService, hook: 'input' | 'output'): Branch[] {
  const plan = schedule(vs);
  if (plan.choices.length === 0) {
    addSteps(flow, node.name, [noRealServerStep(vs, pkt, hook, plan.note)]);
    return [end(flow, 'rejected', `IPVS virtual server ${describeVirtual(vs)} on ${node.name} has no real server to send to: ICMP port unreachable`, pkt)];
  }
  const { follow, cut } = boundedFork(ctx, flow, plan.choices.map(({ real, probability }) => ({ item: real, probability })), `IPVS ${describeVirtual(vs)} on ${node.name}`, pkt);
  return [...follow.flatMap(({ f, item: real }) => ipvsTo(ctx, node, f, pkt, vs, real, hook, plan.note)), ...cut];
}

function ipvsTo(ctx: WalkCtx, node: NodeModel, f: Flow, pkt: Packet, vs: IpvsService, real: IpvsRealServer, hook: 'input' | 'output', planNote: string): Branch[] {
  note(f, `IPVS ${planNote}`);
  if (vs.persistent !== undefined) {
    note(f, `IPVS persistence ${vs.persistent} s: later connections from this client go to the same real server (session affinity)`);
    f.affinity = `IPVS persistence ${vs.persistent} s`;
  }
  if (real.forward !== 'masq' && real.forward !== 'local') {
    addSteps(f, node.name, [{ kind: 'note', summary: `IPVS ${describeVirtual(vs)} ${describeReal(real)}: ${real.forward} forwarding is not modelled`, table: 'ipvs', chain: describeVirtual(vs), rule: describeReal(real) }]);
    return [end(f, 'uncertain', `IPVS ${real.forward} forwarding (direct routing or tunnelling) to ${real.address} is not modelled`, pkt)];
  }
  const q = toReal(pkt, real);
  addSteps(f, node.name, [ipvsStep(vs, real, pkt, q, hook)]);
  return ipvsSend(ctx, node, f, q, hook);
}

function ipvsSend(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, hook: 'input' | 'output'): Branch[] {
  const r = lookupRoute(node, { family: pkt.family, saddr: pkt.saddr, daddr: pkt.daddr, mark: pkt.mark, proto: pkt.proto, sport: pkt.sport, dport: pkt.dport });
  addSteps(flow, node.name, [{ ...routeStep(pkt, r), summary: `IPVS routes to the real server: ${routeStep(pkt, r).summary}` }]);
  const local = r.kind === 'local' || r.kind === 'broadcast';
  if (local && hook === 'input') return inputFrom(ctx, node, flow, pkt, { from: IPVS_LOCAL_IN_PRIORITY });
  if (!local && r.kind !== 'unicast') return [routeFailure(flow, node, pkt, r)];
  const hops: ResolvedHop[] = r.kind === 'unicast' ? r.hops : [{ dev: 'lo', weight: 1, onlink: false }];
  const range = hook === 'input' ? {} : { from: IPVS_LOCAL_OUT_PRIORITY };
  const { iif: _iif, physIn: _phys, ...sent } = pkt;
  return eachHop(ctx, flow, hops, pkt, (f, hop) => outputFrom(ctx, node, f, { ...sent, oif: hop.dev }, r, hop, range));
}

function forward(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt0: Packet, hop: ResolvedHop): Branch[] {
  const pkt: Packet = { ...pkt0, oif: hop.dev, ttl: pkt0.ttl - 1 };
  const runs = runHook(node, 'forward', pkt, { ...ctx.shared, layer: 'ip' });
  return runs.flatMap((r) => {
    const f = takeRun(flow, node.name, r, runs.length > 1);
    if (r.verdict !== 'accept') return [endOfVerdict(f, r)];
    return postrouting(ctx, node, f, r.packet, hop);
  });
}

function postrouting(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, hop: ResolvedHop, physOut?: string): Branch[] {
  const nexthop = hop.gateway ?? pkt.daddr;
  const runs = runHook(node, 'postrouting', pkt, { ...ctx.shared, layer: 'ip', nexthop, physOut });
  return runs.flatMap((r) => {
    const f = takeRun(flow, node.name, r, runs.length > 1);
    if (r.verdict !== 'accept') return [endOfVerdict(f, r)];
    return egress(ctx, node, f, r.packet, hop);
  });
}

/** A packet the node sends itself: route, OUTPUT (re-route if NAT or a mark changed it), POSTROUTING. */
function originate(ctx: WalkCtx, nodeName: string, flow: Flow, pkt0: Packet): Branch[] {
  const node = model(ctx, nodeName);
  if (!node) return [end(flow, 'insufficient-info', `node ${nodeName} not probed`, pkt0)];
  const r = lookupRoute(node, { family: pkt0.family, saddr: pkt0.saddr || undefined, daddr: pkt0.daddr, mark: pkt0.mark, proto: pkt0.proto, sport: pkt0.sport, dport: pkt0.dport });
  let pkt = pkt0;
  if (!pkt.saddr) pkt = { ...pkt, saddr: sourceFor(node, r, pkt.daddr, pkt.family) ?? '' };
  if (pkt.original.saddr === '') pkt = { ...pkt, original: { ...pkt.original, saddr: pkt.saddr } };
  addSteps(flow, nodeName, [{ kind: 'ingress', summary: `sent by ${nodeName} itself (local process or hostNetwork pod)`, packetBefore: viewOf(pkt) }, routeStep(pkt, r)]);
  if (r.kind !== 'unicast' && r.kind !== 'local' && r.kind !== 'broadcast') return [routeFailure(flow, node, pkt, r)];
  const unreadCt = conntrackUnread(flow, node, pkt);
  if (unreadCt) return [unreadCt];
  const unreadIpvs = ipvsUnread(flow, node, pkt);
  if (unreadIpvs) return [unreadIpvs];
  pkt = conntrack(node, flow, pkt);
  const hops: ResolvedHop[] = r.kind === 'unicast' ? r.hops : [{ dev: 'lo', weight: 1, onlink: false }];
  return eachHop(ctx, flow, hops, pkt, (f, hop) => {
    const p: Packet = { ...pkt, oif: hop.dev };
    if (!hasIpvs(node)) return outputFrom(ctx, node, f, p, r, hop, {});
    // IPVS takes locally sent packets for its virtual servers right after the nat OUTPUT chains.
    const runs = runHook(node, 'output', p, { ...ctx.shared, layer: 'ip', range: { below: IPVS_LOCAL_OUT_PRIORITY } });
    return runs.flatMap((run) => {
      const g = takeRun(f, nodeName, run, runs.length > 1);
      if (run.verdict !== 'accept') return [endOfVerdict(g, run)];
      const vs = virtualServer(node, run.packet);
      if (vs) return ipvs(ctx, node, g, run.packet, vs, 'output');
      return outputFrom(ctx, node, g, run.packet, r, hop, { from: IPVS_LOCAL_OUT_PRIORITY }, p);
    });
  });
}

/**
 * The OUTPUT chains in `range` for a packet routed by `r` out of `hop`; when NAT or a mark changed it (compared with
 * `before`, the packet as routed) it is routed again (ip_route_me_harder); then POSTROUTING.
 */
function outputFrom(ctx: WalkCtx, node: NodeModel, flow: Flow, p: Packet, r: RouteResult, hop: ResolvedHop, range: HookOptions['range'], before: Packet = p): Branch[] {
  const runs = runHook(node, 'output', p, { ...ctx.shared, layer: 'ip', range });
  return runs.flatMap((run) => {
    const g = takeRun(flow, node.name, run, runs.length > 1);
    if (run.verdict !== 'accept') return [endOfVerdict(g, run)];
    const q = run.packet;
    if (q.daddr === before.daddr && q.mark === before.mark) return afterOutput(ctx, node, g, q, r, hop);
    const r2 = lookupRoute(node, { family: q.family, saddr: q.saddr, daddr: q.daddr, mark: q.mark, proto: q.proto, sport: q.sport, dport: q.dport });
    addSteps(g, node.name, [{ ...routeStep(q, r2), summary: `re-routed after OUTPUT changed the packet: ${routeStep(q, r2).summary}` }]);
    if (r2.kind !== 'unicast' && r2.kind !== 'local' && r2.kind !== 'broadcast') return [routeFailure(g, node, q, r2)];
    const hop2: ResolvedHop = r2.kind === 'unicast' ? r2.hops[0]! : { dev: 'lo', weight: 1, onlink: false };
    if (r2.kind === 'unicast' && r2.hops.length > 1) note(g, 'ECMP after re-route: first next hop shown');
    return afterOutput(ctx, node, g, { ...q, oif: hop2.dev }, r2, hop2);
  });
}

function afterOutput(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet, r: RouteResult, hop: ResolvedHop): Branch[] {
  if (r.kind === 'local' || r.kind === 'broadcast') {
    // Local destination: POSTROUTING, then through loopback back into PREROUTING and INPUT.
    const runs = runHook(node, 'postrouting', { ...pkt, oif: 'lo' }, { ...ctx.shared, layer: 'ip' });
    return runs.flatMap((run) => {
      const f = takeRun(flow, node.name, run, runs.length > 1);
      if (run.verdict !== 'accept') return [endOfVerdict(f, run)];
      const back: Packet = { ...run.packet, iif: 'lo', oif: undefined };
      const pre = runHook(node, 'prerouting', back, { ...ctx.shared, layer: 'ip' });
      return pre.flatMap((p) => {
        const g = takeRun(f, node.name, p, pre.length > 1);
        if (p.verdict !== 'accept') return [endOfVerdict(g, p)];
        return input(ctx, node, g, p.packet);
      });
    });
  }
  return postrouting(ctx, node, flow, pkt, hop);
}

function sourceFor(node: NodeModel, r: RouteResult, daddr: string, family: 4 | 6): string | undefined {
  if (r.kind === 'unicast') return r.route.prefsrc ?? selectSourceAddr(node, r.hops[0]?.dev, r.hops[0]?.gateway ?? daddr, family);
  if (r.kind === 'local') return daddr;
  return undefined;
}

function routeStep(pkt: Packet, r: RouteResult): Step {
  const base: Step = { kind: 'route', summary: '', packetBefore: viewOf(pkt) };
  if (r.kind === 'none') return { ...base, summary: `route lookup ${pkt.daddr}: no route (tables ${r.tried.map(tableName).join(', ')})`, verdict: 'no route' };
  if (r.kind === 'unknown') return { ...base, summary: `route lookup ${pkt.daddr}: unknown (the ${r.gap.dump} dump was not read)`, verdict: 'unknown' };
  const via = r.rule ? ` (ip rule ${r.rule.priority} → table ${tableName(r.rule.table ?? 254)})` : '';
  if (!r.route) return { ...base, summary: `route lookup ${pkt.daddr}: ${r.kind}${via}`, verdict: r.kind };
  const s: Step = { ...base, summary: `route lookup ${pkt.daddr}: ${describeRoute(r.route)}${via}`, table: tableName(r.route.table), rule: describeRoute(r.route), dst: r.route.dst, verdict: r.kind };
  if (r.rule) s.detail = { ipRule: r.rule.priority };
  return s;
}

/** Where the stages (bridge, egress, tunnels, fabric) hand a packet back to the walker. */
const ENTRIES: WalkEntries = { arrive, originate, routeInput };
