/**
 * Findings with evidence: what is wrong (or worth knowing) about this path, each naming the object,
 * node, rule or sysctl that shows it.
 */
import type { Snapshot } from '../../snapshot/types.js';
import type { Branch, Finding, Trace } from '../../sim/trace.js';
import type { Destination, Source } from './resolve.js';
import type { Target } from './index.js';
import type { TraceWorld } from './world.js';
import { endpointsFor, type SliceEndpoint } from './endpoints.js';
import { inPrefix, sameAddr } from '../../sim/addr.js';
import { objectsOf } from './views.js';
import { bridgeNfCallIptables } from '../../sim/sysctl.js';
import { describeEntry } from '../../sim/ct.js';

export interface FindingCtx {
  source: Source;
  dest: Destination;
  target: Target;
  srcNode: string;
}

export function findingsFor(snapshot: Snapshot, tw: TraceWorld, trace: Trace, ctx: FindingCtx): Finding[] {
  const out: Finding[] = [];
  if (ctx.dest.kind === 'service' && ctx.target.servicePort) {
    const eps = endpointsFor(snapshot, ctx.dest.service, ctx.target.servicePort);
    out.push(...serviceFindings(snapshot, tw, trace, ctx, eps));
  }
  // targetPort-mismatch already says it for a service; otherwise judge each delivered pod port.
  if (!out.some((f) => f.code === 'target-port-mismatch')) out.push(...undeclaredPorts(snapshot, trace.branches));
  out.push(...branchFindings(trace));
  out.push(...podCidrRoutes(snapshot, trace));
  out.push(...masquerade(trace, ctx));
  out.push(...brNetfilter(tw, trace));
  out.push(...mtu(tw, trace, ctx));
  return out;
}

function rejectingRule(trace: Trace): string | undefined {
  for (const b of trace.branches) {
    if (b.disposition !== 'rejected' && b.disposition !== 'dropped') continue;
    for (const h of b.hops) {
      const s = [...h.steps].reverse().find((x) => x.verdict?.startsWith('reject') || x.verdict === 'drop');
      if (s) return `${h.node}: ${s.table} ${s.chain}${s.line ? ` line ${s.line}` : s.handle !== undefined ? ` handle ${s.handle}` : ''}: ${s.rule}`;
    }
  }
  return undefined;
}

function serviceFindings(snapshot: Snapshot, tw: TraceWorld, trace: Trace, ctx: FindingCtx, eps: SliceEndpoint[]): Finding[] {
  const out: Finding[] = [];
  const svc = destName(ctx.dest);
  const portLabel = `${ctx.target.port}/${ctx.target.proto.toUpperCase()}`;
  const ready = eps.filter((e) => e.ready);
  const notReady = eps.filter((e) => !e.ready);
  const slices = [...new Set(eps.map((e) => e.slice))];
  if (ready.length === 0) {
    const rule = rejectingRule(trace);
    out.push({
      code: 'no-ready-endpoints',
      severity: 'error',
      message: `service ${svc} port ${portLabel} has no ready endpoints${eps.length > 0 ? ` (${eps.length} listed, none ready)` : ''}`,
      evidence: [slices.length > 0 ? `EndpointSlice ${slices.join(', ')}` : 'no EndpointSlice for this port', ...(rule ? [`rule: ${rule}`] : [])],
    });
  } else {
    out.push({ code: 'endpoints', severity: 'info', message: `${ready.length} ready endpoint(s) in EndpointSlice ${slices.join(', ')}` });
  }
  for (const e of notReady) {
    out.push({
      code: e.terminating ? 'endpoint-terminating' : 'endpoint-not-ready',
      severity: 'warning',
      message: `endpoint ${e.ip}${e.pod ? ` (${e.pod})` : ''} is ${e.terminating ? 'terminating' : 'not ready'}: kube-proxy sends no new connections to it`,
      evidence: [`EndpointSlice ${e.slice}`],
      ...(e.pod ? { hint: `kubectl -n ${e.pod.split('/')[0]} describe pod ${e.pod.split('/')[1]}` } : {}),
    });
  }
  out.push(...targetPort(snapshot, ctx, ready));
  out.push(...proxySync(tw, trace, ctx, ready));
  out.push(...staleConntrack(tw, ctx, eps));
  return out;
}

/** targetPort naming a port no backend container declares. */
function targetPort(snapshot: Snapshot, ctx: FindingCtx, ready: SliceEndpoint[]): Finding[] {
  if (ctx.dest.kind !== 'service') return [];
  const tp = ctx.target.servicePort?.targetPort;
  if (tp === undefined) return [];
  const pods = objectsOf(snapshot, 'pods').filter((p) => ready.some((e) => e.pod === `${p.metadata?.namespace}/${p.metadata?.name}`));
  const bad: string[] = [];
  for (const p of pods) {
    const ports = (p.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
    if (ports.length === 0) continue; // containerPorts are optional: nothing to compare with
    const ok = typeof tp === 'number' || /^\d+$/.test(String(tp)) ? ports.some((x) => x.containerPort === Number(tp)) : ports.some((x) => x.name === tp);
    if (!ok) bad.push(`${p.metadata?.namespace}/${p.metadata?.name} (ports ${ports.map((x) => `${x.name ? `${x.name}=` : ''}${x.containerPort}`).join(', ')})`);
  }
  if (bad.length === 0) return [];
  return [{ code: 'target-port-mismatch', severity: 'warning', message: `targetPort ${String(tp)} of ${ctx.dest.name} matches no containerPort of ${bad.length} backend(s)`, evidence: bad }];
}

/** Endpoints the source node's rules send to vs the ready endpoints of the EndpointSlices. */
function proxySync(tw: TraceWorld, trace: Trace, ctx: FindingCtx, ready: SliceEndpoint[]): Finding[] {
  const model = tw.models.get(ctx.srcNode);
  if (!model) return [];
  const hasKubeProxy = model.ruleset.tables.some((t) => t.name === 'kube-proxy' || t.chains.some((c) => c.name === 'KUBE-SERVICES'));
  if (!hasKubeProxy) return [];
  const dnatTargets = new Set<string>();
  for (const b of trace.branches) {
    const hop = b.hops.find((h) => h.node === ctx.srcNode);
    const s = hop?.steps.find((x) => x.kind === 'nat' && x.verdict === 'dnat');
    if (s?.packetAfter) dnatTargets.add(`${s.packetAfter.daddr}:${s.packetAfter.dport}`);
  }
  const out: Finding[] = [];
  const want = new Set(ready.map((e) => `${e.ip}:${e.port}`));
  const rejected = trace.branches.some((b) => b.disposition === 'rejected');
  if (dnatTargets.size === 0 && ready.length > 0 && !rejected) {
    out.push({ code: 'proxy-unaware-service', severity: 'error', message: `kube-proxy rules on ${ctx.srcNode} do not know service ${destName(ctx.dest)} port ${ctx.target.port}: no DNAT happened (out of sync with the API)`, evidence: [`${ready.length} ready endpoint(s) in the EndpointSlices`] });
    return out;
  }
  if (dnatTargets.size === 0) return out;
  const missing = [...want].filter((w) => !dnatTargets.has(w));
  const extra = [...dnatTargets].filter((d) => !want.has(d));
  if (missing.length > 0) out.push({ code: 'proxy-missing-endpoint', severity: 'warning', message: `kube-proxy rules on ${ctx.srcNode} never send to ${missing.join(', ')}, a ready endpoint (rules out of sync with EndpointSlices)`, evidence: [`rules reach: ${[...dnatTargets].join(', ')}`] });
  if (extra.length > 0) out.push({ code: 'proxy-stale-endpoint', severity: 'error', message: `kube-proxy rules on ${ctx.srcNode} still send to ${extra.join(', ')}, which is not a ready endpoint`, evidence: [`ready endpoints: ${[...want].join(', ') || 'none'}`] });
  return out;
}

/** Conntrack entries on the source node for the service tuple whose endpoint no longer exists. */
function staleConntrack(tw: TraceWorld, ctx: FindingCtx, eps: SliceEndpoint[]): Finding[] {
  const model = tw.models.get(ctx.srcNode);
  if (!model) return [];
  const stale = model.conntrack.filter(
    (e) => e.protocol === ctx.target.proto && sameAddr(e.original.dst, ctx.target.ip) && e.original.dport === ctx.target.port && !sameAddr(e.reply.src, ctx.target.ip) && !eps.some((x) => sameAddr(x.ip, e.reply.src)),
  );
  if (stale.length === 0) return [];
  const targets = [...new Set(stale.map((e) => e.reply.src))];
  return [
    {
      code: 'stale-conntrack',
      severity: 'warning',
      message: `conntrack on ${ctx.srcNode} holds ${stale.length} entr${stale.length === 1 ? 'y' : 'ies'} for ${ctx.target.ip}:${ctx.target.port} → ${targets.join(', ')}, an endpoint that no longer exists; flows reusing the tuple${ctx.target.proto === 'udp' ? ' (UDP)' : ''} are blackholed`,
      evidence: stale.slice(0, 3).map((e) => `${e.line ? `line ${e.line}: ` : ''}${describeEntry(e)}`),
      hint: targets.map((t) => `conntrack -D -d ${ctx.target.ip} -r ${t}`).join('; '),
    },
  ];
}

function branchFindings(trace: Trace): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const b of trace.branches) {
    if (b.disposition === 'delivered') continue;
    const key = `${b.disposition}|${b.reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const pct = `${Math.round(b.probability * 1000) / 10}%`;
    if (/forwarding is disabled/.test(b.reason)) out.push({ code: 'forwarding-disabled', severity: 'error', message: b.reason, hint: 'sysctl -w net.ipv4.ip_forward=1 on that node' });
    else if (/rp_filter/.test(b.reason)) out.push({ code: 'rp-filter', severity: 'error', message: b.reason, hint: 'set net.ipv4.conf.<if>.rp_filter=2 (loose) or fix the asymmetric route' });
    else if (b.disposition === 'no-route') out.push({ code: 'no-route', severity: 'error', message: `${b.reason} (${pct} of paths)` });
    else if (b.disposition === 'uncertain') out.push({ code: 'uncertain', severity: 'warning', message: `cannot predict ${pct} of paths: ${b.reason}` });
    else if (b.disposition === 'insufficient-info') out.push({ code: 'insufficient-info', severity: 'info', message: `${pct} of paths: ${b.reason}` });
    else if (b.disposition === 'loop') out.push({ code: 'loop', severity: 'error', message: b.reason });
  }
  return out;
}

/** Pod-to-pod traffic that arrives with another source address: the Kubernetes model says it should not. */
function masquerade(trace: Trace, ctx: FindingCtx): Finding[] {
  if (ctx.source.kind !== 'pod' || ctx.source.hostNetwork) return [];
  // Only pod-to-pod (directly or through a ClusterIP): traffic to node addresses is masqueraded by design.
  if (ctx.dest.kind !== 'pod' && ctx.dest.kind !== 'service') return [];
  const out: Finding[] = [];
  for (const b of trace.branches) {
    if (b.disposition !== 'delivered' || !b.final || b.endpoint?.owner !== 'pod' || sameAddr(b.final.saddr, ctx.source.ip)) continue;
    const step = b.hops
      .flatMap((h) => h.steps.map((s) => ({ h, s })))
      .filter(({ s }) => s.kind === 'nat' && (s.verdict === 'masquerade' || s.verdict === 'snat'))
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

function brNetfilter(tw: TraceWorld, trace: Trace): Finding[] {
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
function mtu(tw: TraceWorld, trace: Trace, ctx: FindingCtx): Finding[] {
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
  const pods = objectsOf(snapshot, 'pods');
  const seen = new Set<string>();
  for (const b of branches) {
    const ep = b.endpoint;
    if (b.disposition !== 'delivered' || !ep?.pod || ep.port === undefined || seen.has(`${ep.pod}:${ep.port}`)) continue;
    seen.add(`${ep.pod}:${ep.port}`);
    const pod = pods.find((p) => `${p.metadata?.namespace}/${p.metadata?.name}` === ep.pod);
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
function podCidrRoutes(snapshot: Snapshot, trace: Trace): Finding[] {
  const cidrs = objectsOf(snapshot, 'nodes').flatMap((n) => (n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])).map((c) => ({ node: n.metadata?.name ?? '', cidr: c })));
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const b of trace.branches) {
    for (const h of b.hops) {
      for (const s of h.steps) {
        if (s.kind !== 'route' || !s.rule || !/^(0\.0\.0\.0\/0|::\/0|default)\b/.test(s.rule) || !s.packetBefore) continue;
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

const destName = (d: Destination): string => (d.kind === 'ip' ? d.ip : d.name);
