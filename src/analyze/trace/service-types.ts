/**
 * What the service's type and traffic policies mean for this path: externalTrafficPolicy (source
 * address kept or masqueraded, local endpoints only, the health-check node port), internalTrafficPolicy
 * Local, headless services (DNS only) and ExternalName (a CNAME, no proxying). The path itself comes
 * from the dumps (KUBE-NODEPORTS, KUBE-EXT-…, KUBE-SVL-…); these findings explain it.
 */
import type { Finding, Step, Trace } from '../../sim/trace.js';
import { sameAddr } from '../../sim/addr.js';
import type { V1Service } from './views.js';
import type { SliceEndpoint } from './endpoints.js';

export interface TypeCtx {
  service: V1Service;
  eps: SliceEndpoint[];
  /** The node the packet starts on (source pod's node, or the entry node of an external client). */
  node: string;
  /** Set for a client outside the cluster. */
  external?: string;
}

const svcName = (s: V1Service): string => `${s.metadata?.namespace}/${s.metadata?.name}`;

export function serviceTypeFindings(trace: Trace, ctx: TypeCtx): Finding[] {
  const spec = ctx.service.spec ?? {};
  const out: Finding[] = [];
  const external = ctx.external !== undefined && (spec.type === 'NodePort' || spec.type === 'LoadBalancer');
  if (external) out.push(...externalPolicy(trace, ctx));
  else if (spec.internalTrafficPolicy === 'Local') out.push(localOnly(ctx, 'internalTrafficPolicy', 'internal-traffic-local'));
  return out;
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

const isSourceNat = (s: Step): boolean => s.kind === 'nat' && /^(masquerade|snat)/.test(s.verdict ?? '');

/** Only endpoints on `ctx.node` serve: list them, or warn that there are none there. */
function localOnly(ctx: TypeCtx, field: string, code: string): Finding {
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
