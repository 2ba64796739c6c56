/** Findings about the path: failed branches, NAT of pod traffic, br_netfilter, MTU, undeclared ports, missing pod routes. */
import type { Snapshot } from '../../snapshot/types.js';
import { isFailure, type Branch, type Finding, type Trace } from '../../sim/trace.js';
import type { TraceWorld } from './world.js';
import type { FindingCtx } from './finding-ctx.js';
import { objectsOf, podNamed } from './views.js';
import { inPrefix, isPrefix, prefixLen, sameAddr } from '../../util/addr.js';
import { bridgeNfCallIptables } from '../../sim/sysctl.js';
import { walkReply } from './reply.js';
import { oneOfEachWay } from '../../sim/index.js';

/** One finding per way the failing branches end (same disposition and reason), with the odds of all of them; decided by the branch's cause code, never by its text. */
export function branchFindings(trace: Trace): Finding[] {
  const ends = new Map<string, { b: Branch; mass: number }>();
  for (const b of trace.branches) {
    // Unread state and policy disagreements have findings of their own (unread-findings.ts, policy/disagreement.ts).
    if (!isFailure(b.disposition) || b.cause?.code === 'state-unread' || b.cause?.code === 'policy-dataplane-disagree') continue;
    const key = `${b.disposition}|${b.reason}`;
    const e = ends.get(key) ?? { b, mass: 0 };
    e.mass += b.probability;
    ends.set(key, e);
  }
  const out: Finding[] = [];
  for (const { b, mass } of ends.values()) {
    const pct = `${Math.round(mass * 1000) / 10}%`;
    if (b.cause?.code === 'forwarding-disabled') out.push({ code: 'forwarding-disabled', severity: 'error', message: b.reason, hint: `sysctl -w net.ipv4.ip_forward=1 on ${b.cause.node}` });
    else if (b.cause?.code === 'rp-filter') out.push({ code: 'rp-filter', severity: 'error', message: b.reason, hint: `set net.ipv4.conf.${b.cause.iif}.rp_filter=2 (loose) on ${b.cause.node} or fix the asymmetric route` });
    else if (b.disposition === 'no-route') out.push({ code: 'no-route', severity: 'error', message: `${b.reason} (${pct} of paths)` });
    else if (b.disposition === 'uncertain') out.push({ code: 'uncertain', severity: 'warning', message: `cannot predict ${pct} of paths: ${b.reason}` });
    else if (b.disposition === 'insufficient-info') out.push({ code: 'insufficient-info', severity: 'info', message: `${pct} of paths: ${b.reason}` });
    else if (b.disposition === 'loop') out.push({ code: 'loop', severity: 'error', message: b.reason });
  }
  return out;
}

/** Session affinity seen on the path: reported, since the odds shown are those of a first connection. */
export function affinity(trace: Trace): Finding[] {
  const seen = [...new Set(trace.branches.flatMap((b) => (b.affinity !== undefined ? [b.affinity] : [])))];
  if (seen.length === 0) return [];
  return [{ code: 'session-affinity', severity: 'info', message: `session affinity: the odds are those of a client's first connection; later ones stick to the endpoint it got`, evidence: seen }];
}

/** The way back: a reply that rp_filter (or a rule) would drop breaks the connection even though the request arrives. */
export function replyFindings(tw: TraceWorld, trace: Trace): Finding[] {
  const out: Finding[] = [];
  for (const b of oneOfEachWay(trace.branches)) {
    let replies: Branch[] | undefined;
    try {
      replies = walkReply(tw.world, b);
    } catch {
      replies = undefined; // a reply that cannot be planned is not a finding
    }
    const bad = replies?.find((r) => r.disposition === 'dropped' || r.disposition === 'rejected' || r.disposition === 'no-route');
    if (!bad) continue;
    const rp = bad.cause?.code === 'rp-filter';
    out.push({
      code: rp ? 'rp-filter-reply' : 'reply-dropped',
      severity: 'error',
      message: `the reply from ${b.endpoint?.pod ?? b.endpoint?.ip} would not come back: ${bad.reason}`,
      evidence: [`reply path: ${bad.hops.map((h) => h.node).join(' → ')}`],
      ...(rp ? { hint: 'set rp_filter=2 (loose) on that interface, or make the routes symmetric' } : {}),
    });
    break;
  }
  return out;
}

/** Pod-to-pod traffic that arrives with another source address: the Kubernetes model says it should not. */
export function masquerade(trace: Trace, ctx: FindingCtx): Finding[] {
  if (ctx.source.kind !== 'pod' || ctx.source.hostNetwork) return [];
  // Only pod-to-pod (directly or through a ClusterIP): traffic to node addresses is masqueraded by design.
  if (ctx.dest.kind !== 'pod' && ctx.dest.kind !== 'service') return [];
  const out: Finding[] = [];
  for (const b of trace.branches) {
    if (b.disposition !== 'delivered' || !b.final || b.endpoint?.owner !== 'pod' || sameAddr(b.final.saddr, ctx.source.ip)) continue;
    const step = b.hops
      .flatMap((h) => h.steps.map((s) => ({ h, s })))
      .filter(({ s }) => s.kind === 'nat' && (s.action === 'masquerade' || s.action === 'snat'))
      .pop();
    out.push({
      code: 'pod-masquerade',
      severity: 'warning',
      message: `traffic to ${b.endpoint.pod ?? b.endpoint.ip} arrives from ${b.final.saddr}, not from ${ctx.source.ip}: it is masqueraded (pod-to-pod NAT breaks the Kubernetes network model and NetworkPolicy by source)`,
      evidence: step ? [`${step.h.node}: ${step.s.table} ${step.s.chain}${step.s.line ? ` line ${step.s.line}` : ''}: ${step.s.rule}`] : [],
    });
    break;
  }
  return out;
}

export function brNetfilter(tw: TraceWorld, trace: Trace): Finding[] {
  const out: Finding[] = [];
  const nodes = new Set(trace.branches.flatMap((b) => b.hops.map((h) => h.node)));
  for (const name of nodes) {
    const m = tw.models.get(name);
    if (!m) continue;
    for (const br of m.links.filter((l) => l.kind === 'bridge' && m.links.some((x) => x.master === l.name))) {
      const v = bridgeNfCallIptables(m, br.name, 4);
      if (v.known && !v.value) out.push({ code: 'br-netfilter-off', severity: 'warning', message: `br_netfilter is off on ${name} (bridge ${br.name}): iptables does not see traffic between pods on the same bridge, so service NAT and policies fail for it`, evidence: [`net.bridge.bridge-nf-call-iptables = ${m.sysctl['net.bridge.bridge-nf-call-iptables'] ?? '(module not loaded)'}`], hint: 'modprobe br_netfilter; sysctl -w net.bridge.bridge-nf-call-iptables=1' });
    }
  }
  return out;
}

/** A link on the path with a smaller MTU than the source's own interface. */
export function mtu(tw: TraceWorld, trace: Trace, ctx: FindingCtx): Finding[] {
  const src = tw.models.get(ctx.srcNode);
  const first = trace.branches[0]?.hops[0]?.steps.find((s) => s.kind === 'ingress');
  const iif = typeof first?.detail?.iif === 'string' ? first.detail.iif : undefined;
  const ingress = iif ? src?.links.find((l) => l.name === iif) : undefined;
  if (!ingress?.mtu || ingress.kind === 'loopback') return [];
  for (const b of trace.branches) {
    for (const h of b.hops) {
      for (const s of h.steps) {
        if (s.kind !== 'forward' || typeof s.detail?.mtu !== 'number' || s.packetAfter?.proto === undefined) continue;
        if (s.detail.mtu < ingress.mtu && !(s.packetAfter && b.hops.some((x) => x.steps.some((y) => y.kind === 'encap' && y.packetAfter?.daddr === s.packetAfter?.daddr)))) {
          return [{ code: 'mtu', severity: 'warning', message: `MTU ${s.detail.mtu} on ${h.node}:${String(s.detail.dev)} is smaller than ${ingress.mtu} on ${ctx.srcNode}:${ingress.name} where the packet starts: large packets need PMTU discovery or are dropped` }];
        }
      }
    }
  }
  return [];
}

/**
 * A packet delivered to a pod port no container declares: unless something listens undeclared, the pod
 * answers with a reset. (containerPorts are optional; pods that declare none are not judged.)
 */
export function undeclaredPorts(snapshot: Snapshot, branches: Branch[]): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const b of branches) {
    const ep = b.endpoint;
    if (b.disposition !== 'delivered' || !ep?.pod || ep.port === undefined || seen.has(`${ep.pod}:${ep.port}`)) continue;
    seen.add(`${ep.pod}:${ep.port}`);
    const pod = podNamed(snapshot, ep.pod);
    const ports = (pod?.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
    if (ports.length === 0 || ports.some((p) => p.containerPort === ep.port)) continue;
    out.push({
      code: 'port-not-declared',
      severity: 'warning',
      message: `${ep.pod} declares no container port ${ep.port}: unless something listens there undeclared, the connection is refused`,
      evidence: [`containerPorts: ${ports.map((p) => `${p.name ? `${p.name}=` : ''}${p.containerPort}`).join(', ')}`],
    });
  }
  return out;
}

/** A packet for a pod address that a node sends along its default route: that node has no route to the podCIDR. */
export function podCidrRoutes(snapshot: Snapshot, trace: Trace): Finding[] {
  const cidrs = objectsOf(snapshot, 'nodes').flatMap((n) => (n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])).map((c) => ({ node: n.metadata?.name ?? '', cidr: c })));
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const b of trace.branches) {
    for (const h of b.hops) {
      // The network beyond was taken to carry pod addresses (a VPC, a routed underlay): the default route is the design.
      if (h.steps.some((x) => x.assumption?.kind === 'underlay')) continue;
      for (const s of h.steps) {
        if (s.kind !== 'route' || s.dst === undefined || !isDefaultRoute(s.dst) || !s.packetBefore) continue;
        const owner = cidrs.find((c) => inPrefix(s.packetBefore!.daddr, c.cidr));
        if (!owner || owner.node === h.node || seen.has(`${h.node}|${owner.cidr}`)) continue;
        seen.add(`${h.node}|${owner.cidr}`);
        out.push({
          code: 'no-route-to-pod-cidr',
          severity: 'error',
          message: `${h.node} has no route to ${owner.cidr} (podCIDR of ${owner.node}): the packet for ${s.packetBefore.daddr} follows the default route instead`,
          evidence: [`${h.node}: ${s.summary}`],
          hint: `check the CNI agent on ${h.node} (flannel/calico/cilium logs) and ip route on ${h.node}`,
        });
      }
    }
  }
  return out;
}

/** `0.0.0.0/0` or `::/0` (the model normalises `default`): the route every address matches. */
const isDefaultRoute = (dst: string): boolean => isPrefix(dst) && prefixLen(dst) === 0;
