/**
 * What the service's type and traffic policies mean for this path: externalTrafficPolicy (source
 * address kept or masqueraded, local endpoints only, the health-check node port), internalTrafficPolicy
 * Local, headless services (DNS only) and ExternalName (a CNAME, no proxying). The path itself comes
 * from the dumps (KUBE-NODEPORTS, KUBE-EXT-…, KUBE-SVL-…); these findings explain it.
 */
import type { Finding, Step, Trace } from '../../sim/trace.js';
import { sameAddr } from '../../util/addr.js';
import type { V1Service } from './views.js';
import type { SliceEndpoint } from './endpoints.js';

export interface TypeCtx {
  service: V1Service;
  eps: SliceEndpoint[];
  /** The node the packet starts on (source pod's node, or the entry node of an external client). */
  node: string;
  /** Set for a client outside the cluster. */
  external?: string;
  /** The zone of `node` (label topology.kubernetes.io/zone), when known. */
  zone?: string;
}

const svcName = (s: V1Service): string => `${s.metadata?.namespace}/${s.metadata?.name}`;

export function serviceTypeFindings(trace: Trace, ctx: TypeCtx): Finding[] {
  const spec = ctx.service.spec ?? {};
  const out: Finding[] = [];
  // externalTrafficPolicy applies to what comes from outside: node ports, load balancer IPs and spec.externalIPs (any type).
  const external = ctx.external !== undefined && (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (spec.externalIPs ?? []).length > 0);
  if (external) out.push(...externalPolicy(trace, ctx));
  else if (spec.internalTrafficPolicy === 'Local') out.push(localOnly(ctx, 'internalTrafficPolicy', 'internal-traffic-local'));
  const hints = topologyHints(trace, ctx);
  if (hints) out.push(hints);
  return out;
}

/**
 * Topology-aware routing: when every ready endpoint carries zone hints, kube-proxy on a node in a
 * zone uses the endpoints hinted for it. Whether these rules did is read from the walk (the dumps
 * are the oracle): the finding states the hinted set and what the node's rules reach.
 */
function topologyHints(trace: Trace, ctx: TypeCtx): Finding | undefined {
  const ready = ctx.eps.filter((e) => e.ready);
  if (!ready.some((e) => e.zones)) return undefined;
  const name = svcName(ctx.service);
  if (!ready.every((e) => e.zones)) {
    return { code: 'topology-hints', severity: 'info', message: `${name}: only some endpoints carry zone hints, so kube-proxy ignores the hints and uses all ${ready.length}`, evidence: ready.map((e) => `${e.pod ?? e.ip}: ${e.zones?.join(',') ?? 'no hint'}`) };
  }
  if (!ctx.zone) return { code: 'topology-hints', severity: 'info', message: `${name} has zone hints, but node ${ctx.node} has no topology.kubernetes.io/zone label: kube-proxy there uses all endpoints` };
  const hinted = ready.filter((e) => e.zones!.includes(ctx.zone!));
  const reached = new Set(trace.branches.map((b) => b.endpoint?.ip ?? b.final?.daddr).filter((x): x is string => !!x));
  const want = new Set(hinted.map((e) => e.ip));
  const agree = reached.size === want.size && [...want].every((ip) => reached.has(ip));
  const all = reached.size === ready.length && ready.every((e) => reached.has(e.ip));
  const verdict = agree ? 'the rules on the node reach exactly those' : all ? `the rules on the node reach all ${ready.length} (the hints are not applied there)` : `the rules on the node reach ${[...reached].join(', ') || 'none'}`;
  return {
    code: 'topology-hints',
    severity: agree || all ? 'info' : 'warning',
    ...(agree ? { passed: true as const } : {}),
    message: `topology-aware routing on ${name}: node ${ctx.node} is in zone ${ctx.zone}, and ${hinted.length} of ${ready.length} endpoints are hinted for it; ${verdict}`,
    evidence: ready.map((e) => `${e.pod ?? e.ip} (${e.node ?? '?'}): hinted for ${e.zones!.join(', ')}`),
  };
}

function externalPolicy(trace: Trace, ctx: TypeCtx): Finding[] {
  const spec = ctx.service.spec ?? {};
  const name = svcName(ctx.service);
  if (spec.externalTrafficPolicy === 'Local') {
    const f = localOnly(ctx, 'externalTrafficPolicy', 'external-traffic-local');
    const hc = spec.healthCheckNodePort;
    f.message += `; the client address ${ctx.external} is kept${hc ? `; load balancers probe health-check node port ${hc} (kube-proxy answers 200 only on nodes with a local endpoint)` : ''}`;
    return [f];
  }
  const masq = trace.branches
    .filter((b) => b.final && ctx.external && !sameAddr(b.final.saddr, ctx.external))
    .map((b) => ({ b, step: b.hops.flatMap((h) => h.steps.map((s) => ({ h: h.node, s }))).find((x) => isSourceNat(x.s)) }));
  if (masq.length === 0) return [];
  const seen = [...new Set(masq.map((m) => m.b.final!.saddr))];
  return [
    {
      code: 'source-ip-masqueraded',
      severity: 'info',
      message: `externalTrafficPolicy Cluster on ${name}: the client address ${ctx.external} is masqueraded to ${seen.join(', ')}, so the pod sees the node, not the client (use Local to keep it)`,
      evidence: [...new Set(masq.filter((m) => m.step).map((m) => `${m.step!.h}: ${m.step!.s.table} ${m.step!.s.chain}: ${m.step!.s.rule ?? m.step!.s.verdict}`))],
    },
  ];
}

const isSourceNat = (s: Step): boolean => s.kind === 'nat' && (s.action === 'masquerade' || s.action === 'snat');

/** A Local traffic-policy finding that says the node has no local endpoint (its warning form, see localOnly). */
export const isNoLocalEndpoint = (f: Finding): boolean =>
  (f.code === 'external-traffic-local' || f.code === 'internal-traffic-local') && f.severity === 'warning';

/** Only endpoints on `ctx.node` serve: list them, or warn that there are none there (severity warning: isNoLocalEndpoint). */
function localOnly(ctx: TypeCtx, field: string, code: 'external-traffic-local' | 'internal-traffic-local'): Finding {
  const ready = ctx.eps.filter((e) => e.ready || e.serving);
  const local = ready.filter((e) => e.node === ctx.node);
  if (local.length === 0) {
    return {
      code,
      severity: 'warning',
      message: `${field} Local on ${svcName(ctx.service)}: no ready endpoint on node ${ctx.node} (${ready.length} elsewhere), so kube-proxy drops the packet there`,
      evidence: ready.map((e) => `${e.pod ?? e.ip} on ${e.node ?? 'unknown node'}`),
    };
  }
  return {
    code,
    severity: 'info',
    message: `${field} Local on ${svcName(ctx.service)}: only the ${local.length} endpoint(s) on node ${ctx.node} serve (${ready.length - local.length} elsewhere are not used)`,
    evidence: local.map((e) => `${e.pod ?? e.ip} on ${ctx.node}`),
  };
}

/** A headless service: DNS answers the pod addresses; no VIP, no kube-proxy rules. */
export function headlessFinding(service: V1Service, eps: SliceEndpoint[]): Finding {
  const ready = eps.filter((e) => e.ready);
  return {
    code: 'headless-service',
    severity: 'info',
    message: `${svcName(service)} is headless (clusterIP None): DNS only, no service IP and no kube-proxy rules; clients connect to the pod addresses DNS returns (${ready.length} ready)`,
    evidence: ready.map((e) => `${e.ip}${e.pod ? ` ${e.pod}` : ''}`),
  };
}

/** An ExternalName service: a CNAME in cluster DNS; nothing on the nodes proxies it. */
export function externalNameFinding(service: V1Service, src: string): Finding {
  const target = service.spec?.externalName ?? '(empty)';
  return {
    code: 'external-name',
    severity: 'info',
    message: `${svcName(service)} is ExternalName: cluster DNS answers a CNAME to ${target}; kube-proxy installs no rules, so there is no dataplane path to the service itself`,
    hint: `kubectl netx trace ${src} <address of ${target}>:PORT`,
  };
}
