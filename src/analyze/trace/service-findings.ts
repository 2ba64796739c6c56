/** Findings about the service: endpoints, targetPort, kube-proxy rules vs EndpointSlices, stale conntrack. */
import type { Snapshot } from '../../snapshot/types.js';
import type { Finding, Trace } from '../../sim/trace.js';
import type { TraceWorld } from './world.js';
import type { FindingCtx } from './finding-ctx.js';
import { podNamed } from './views.js';
import type { Destination } from './resolve.js';
import type { SliceEndpoint } from './endpoints.js';
import { sameAddr } from '../../util/addr.js';
import { describeEntry } from '../../sim/ct.js';

function rejectingRule(trace: Trace): string | undefined {
  for (const b of trace.branches) {
    if (b.disposition !== 'rejected' && b.disposition !== 'dropped') continue;
    for (const h of b.hops) {
      const s = [...h.steps].reverse().find((x) => x.action === 'reject' || x.action === 'drop');
      if (s) return `${h.node}: ${s.table} ${s.chain}${s.line ? ` line ${s.line}` : s.handle !== undefined ? ` handle ${s.handle}` : ''}: ${s.rule}`;
    }
  }
  return undefined;
}

export function serviceFindings(snapshot: Snapshot, tw: TraceWorld, trace: Trace, ctx: FindingCtx, eps: SliceEndpoint[]): Finding[] {
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
    out.push({ code: 'endpoints', severity: 'info', passed: true, message: `${ready.length} ready endpoint(s) in EndpointSlice ${slices.join(', ')}` });
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
  const pods = [...new Set(ready.map((e) => e.pod))].flatMap((name) => (name ? (podNamed(snapshot, name) ?? []) : []));
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
  // A branch that ended unpredicted before any DNAT (unread rules, an unmodelled match) may have reached any endpoint.
  let open = false;
  for (const b of trace.branches) {
    const hop = b.hops.find((h) => h.node === ctx.srcNode);
    const s = hop?.steps.find((x) => x.kind === 'nat' && x.action === 'dnat');
    if (s?.packetAfter) dnatTargets.add(`${s.packetAfter.daddr}:${s.packetAfter.dport}`);
    else if ((b.disposition === 'uncertain' || b.disposition === 'insufficient-info') && b.cause?.code !== 'policy-dataplane-disagree') open = true;
  }
  const out: Finding[] = [];
  const want = new Set(ready.map((e) => `${e.ip}:${e.port}`));
  const extraOnly = (): Finding[] => {
    const extra = [...dnatTargets].filter((d) => !want.has(d));
    return extra.length ? [{ code: 'proxy-stale-endpoint', severity: 'error', message: `kube-proxy rules on ${ctx.srcNode} still send to ${extra.join(', ')}, which is not a ready endpoint`, evidence: [`ready endpoints: ${[...want].join(', ') || 'none'}`] }] : [];
  };
  if (open) return extraOnly();
  const rejected = trace.branches.some((b) => b.disposition === 'rejected');
  if (dnatTargets.size === 0 && ready.length > 0 && !rejected) {
    out.push({ code: 'proxy-unaware-service', severity: 'error', message: `kube-proxy rules on ${ctx.srcNode} do not know service ${destName(ctx.dest)} port ${ctx.target.port}: no DNAT happened (out of sync with the API)`, evidence: [`${ready.length} ready endpoint(s) in the EndpointSlices`] });
    return out;
  }
  if (dnatTargets.size === 0) return out;
  const missing = [...want].filter((w) => !dnatTargets.has(w));
  if (missing.length > 0) out.push({ code: 'proxy-missing-endpoint', severity: 'warning', message: `kube-proxy rules on ${ctx.srcNode} never send to ${missing.join(', ')}, a ready endpoint (rules out of sync with EndpointSlices)`, evidence: [`rules reach: ${[...dnatTargets].join(', ')}`] });
  out.push(...extraOnly());
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

const destName = (d: Destination): string => (d.kind === 'ip' ? d.ip : d.name);

