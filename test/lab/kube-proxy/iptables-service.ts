/**
 * The per-service-port part of syncProxyRules() (pkg/proxy/iptables/proxier.go): entry rules in
 * KUBE-SERVICES / KUBE-NODEPORTS / KUBE-EXTERNAL-SERVICES / KUBE-PROXY-FIREWALL, then the
 * KUBE-SVC/SVL/EXT/FW/SEP chains.
 */
import { iptablesEndpointChain, iptablesServiceChain } from './hash.js';
import {
  KUBE_EXTERNAL_SERVICES, KUBE_MARK_MASQ, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL, KUBE_SERVICES, NFACCT_COUNTERS,
  probability, quoted, type Ctx,
} from './iptables-chains.js';
import { cidrContains, externalIPs, loadBalancerIPs, type PlannedEndpoint, type ServicePortPlan } from './plan.js';

/** `-m tcp -p tcp -d IP --dport PORT`, the match kube-proxy writes for a service address. */
const dest = (plan: ServicePortPlan, ip: string, port: number): string =>
  `-m ${plan.protocol} -p ${plan.protocol} -d ${ip} --dport ${port}`;

/** All rules and chains of one service port. */
export function writeServicePort(ctx: Ctx, plan: ServicePortPlan): void {
  writeEntryRules(ctx, plan);
  writeServiceChains(ctx, plan);
}

interface ServiceChains {
  svc: string;
  svl: string;
  ext: string;
  fw: string;
}
// Hashing dominates rendering at scale (10k services x 5 endpoints): name each plan/endpoint once.
const serviceChainCache = new WeakMap<ServicePortPlan, ServiceChains>();
const sepCache = new WeakMap<PlannedEndpoint, string>();

/** Chain names of one service port. */
function chainsOf(plan: ServicePortPlan): ServiceChains {
  let names = serviceChainCache.get(plan);
  if (!names) {
    names = {
      svc: iptablesServiceChain('SVC', plan.name, plan.protocol),
      svl: iptablesServiceChain('SVL', plan.name, plan.protocol),
      ext: iptablesServiceChain('EXT', plan.name, plan.protocol),
      fw: iptablesServiceChain('FW', plan.name, plan.protocol),
    };
    serviceChainCache.set(plan, names);
  }
  return names;
}

/** Verdicts for traffic that has no usable endpoints (REJECT: none at all, DROP: none local). */
function filterTargets(plan: ServicePortPlan): { internal: [string, string]; external: [string, string] } {
  if (!plan.hasEndpoints) {
    const c = quoted(`${plan.name} has no endpoints`);
    return { internal: ['REJECT', c], external: ['REJECT', c] };
  }
  const drop: [string, string] = ['DROP', quoted(`${plan.name} has no local endpoints`)];
  return { internal: drop, external: drop };
}

/** KUBE-SERVICES / KUBE-NODEPORTS / KUBE-EXTERNAL-SERVICES / KUBE-PROXY-FIREWALL rules of one port. */
function writeEntryRules(ctx: Ctx, plan: ServicePortPlan): void {
  const { filter, nat } = ctx;
  const { svc, svl, ext, fw } = chainsOf(plan);
  const { service, port, protocol } = plan;
  const internalChain = plan.internalPolicyLocal ? svl : svc;
  const targets = filterTargets(plan);
  const lbIPs = loadBalancerIPs(service);
  const usesFW = plan.hasEndpoints && lbIPs.length > 0 && (service.loadBalancerSourceRanges ?? []).length > 0;

  if (plan.hasInternalEndpoints) {
    nat.rule('-A', KUBE_SERVICES, '-m comment --comment', quoted(`${plan.name} cluster IP`), dest(plan, service.clusterIP, port.port), '-j', internalChain);
  } else {
    filter.rule('-A', KUBE_SERVICES, '-m comment --comment', targets.internal[1], dest(plan, service.clusterIP, port.port), '-j', targets.internal[0]);
  }
  for (const ip of externalIPs(service)) {
    if (plan.hasEndpoints) nat.rule('-A', KUBE_SERVICES, '-m comment --comment', quoted(`${plan.name} external IP`), dest(plan, ip, port.port), '-j', ext);
    if (!plan.hasExternalEndpoints) filter.rule('-A', KUBE_EXTERNAL_SERVICES, '-m comment --comment', targets.external[1], dest(plan, ip, port.port), '-j', targets.external[0]);
  }
  for (const ip of lbIPs) {
    if (plan.hasEndpoints) nat.rule('-A', KUBE_SERVICES, '-m comment --comment', quoted(`${plan.name} loadbalancer IP`), dest(plan, ip, port.port), '-j', usesFW ? fw : ext);
    if (usesFW) filter.rule('-A', KUBE_PROXY_FIREWALL, '-m comment --comment', quoted(`${plan.name} traffic not accepted by ${fw}`), dest(plan, ip, port.port), '-j DROP');
  }
  if (!plan.hasExternalEndpoints) {
    for (const ip of lbIPs) filter.rule('-A', KUBE_EXTERNAL_SERVICES, '-m comment --comment', targets.external[1], dest(plan, ip, port.port), '-j', targets.external[0]);
  }
  if (plan.nodePort > 0) {
    if (plan.hasEndpoints) {
      if (ctx.localhostNodePorts && ctx.nfacct) {
        nat.rule('-A', KUBE_NODEPORTS, '-m comment --comment', plan.name, `-m ${protocol} -p ${protocol} -d 127.0.0.0/8 --dport ${plan.nodePort}`, '-m nfacct --nfacct-name', NFACCT_COUNTERS[1], '-j', ext);
      }
      nat.rule('-A', KUBE_NODEPORTS, '-m comment --comment', plan.name, `-m ${protocol} -p ${protocol} --dport ${plan.nodePort}`, '-j', ext);
    }
    if (!plan.hasExternalEndpoints) {
      filter.rule('-A', KUBE_EXTERNAL_SERVICES, '-m comment --comment', targets.external[1], '-m addrtype --dst-type LOCAL', `-m ${protocol} -p ${protocol} --dport ${plan.nodePort}`, '-j', targets.external[0]);
    }
  }
  if (service.healthCheckNodePort) {
    filter.rule('-A', KUBE_NODEPORTS, '-m comment --comment', quoted(`${plan.name} health check node port`), `-m tcp -p tcp --dport ${service.healthCheckNodePort}`, '-j ACCEPT');
  }
}

/** KUBE-SVC/SVL/EXT/FW/SEP chains of one port, in upstream's order. */
function writeServiceChains(ctx: Ctx, plan: ServicePortPlan): void {
  const { nat, input } = ctx;
  const { svc, svl, ext, fw } = chainsOf(plan);
  const { service, port } = plan;
  const internalChain = plan.internalPolicyLocal ? svl : svc;
  const externalPolicyChain = plan.externalPolicyLocal ? svl : svc;
  const clusterIPArgs = `-m comment --comment ${quoted(`${plan.name} cluster IP`)} ${dest(plan, service.clusterIP, port.port)}`;

  if (plan.hasInternalEndpoints) {
    if (input.masqueradeAll) nat.rule('-A', internalChain, clusterIPArgs, '-j', KUBE_MARK_MASQ);
    else if (input.clusterCIDR) nat.rule('-A', internalChain, clusterIPArgs, '!', '-s', input.clusterCIDR, '-j', KUBE_MARK_MASQ);
  }
  if (plan.hasEndpoints && plan.externallyAccessible) {
    nat.chain(ext);
    if (!plan.externalPolicyLocal) {
      nat.rule('-A', ext, '-m comment --comment', quoted(`masquerade traffic for ${plan.name} external destinations`), '-j', KUBE_MARK_MASQ);
    } else {
      if (input.clusterCIDR) nat.rule('-A', ext, '-m comment --comment', quoted(`pod traffic for ${plan.name} external destinations`), '-s', input.clusterCIDR, '-j', svc);
      nat.rule('-A', ext, '-m comment --comment', quoted(`masquerade LOCAL traffic for ${plan.name} external destinations`), '-m addrtype --src-type LOCAL', '-j', KUBE_MARK_MASQ);
      nat.rule('-A', ext, '-m comment --comment', quoted(`route LOCAL traffic for ${plan.name} external destinations`), '-m addrtype --src-type LOCAL', '-j', svc);
    }
    if (plan.hasExternalEndpoints) nat.rule('-A', ext, '-j', externalPolicyChain);
  }
  writeFirewallChain(ctx, plan, fw, ext);
  if (plan.usesClusterEndpoints && plan.clusterEndpoints.length > 0) {
    nat.chain(svc);
    writeServiceToEndpointRules(ctx, plan, svc, plan.clusterEndpoints);
  }
  if (plan.usesLocalEndpoints && plan.localEndpoints.length > 0) {
    nat.chain(svl);
    writeServiceToEndpointRules(ctx, plan, svl, plan.localEndpoints);
  }
  for (const ep of plan.reachableEndpoints) writeEndpointChain(ctx, plan, ep);
}

function writeFirewallChain(ctx: Ctx, plan: ServicePortPlan, fw: string, ext: string): void {
  const { service } = plan;
  const lbIPs = loadBalancerIPs(service);
  const ranges = service.loadBalancerSourceRanges ?? [];
  if (!(plan.hasEndpoints && lbIPs.length > 0 && ranges.length > 0)) return;
  const { nat } = ctx;
  nat.chain(fw);
  const head = `-A ${fw} -m comment --comment ${quoted(`${plan.name} loadbalancer IP`)}`;
  for (const cidr of ranges) nat.rule(head, '-s', cidr, '-j', ext);
  if (ranges.some((cidr) => ctx.input.nodeIPs.some((ip) => cidrContains(cidr, ip)))) {
    for (const ip of lbIPs) nat.rule(head, '-s', ip, '-j', ext);
  }
  nat.rule('-A', fw, '-m comment --comment', quoted(`other traffic to ${plan.name} will be dropped by KUBE-PROXY-FIREWALL`));
}

function sepChain(plan: ServicePortPlan, ep: PlannedEndpoint): string {
  let name = sepCache.get(ep);
  if (name === undefined) {
    name = iptablesEndpointChain(plan.name, plan.protocol, ep.hostPort);
    sepCache.set(ep, name);
  }
  return name;
}

/** Affinity checks, then the statistic cascade (writeServiceToEndpointRules). */
function writeServiceToEndpointRules(ctx: Ctx, plan: ServicePortPlan, chain: string, endpoints: PlannedEndpoint[]): void {
  const { nat } = ctx;
  const comment = (ep: PlannedEndpoint): string | false =>
    !ctx.largeCluster && `-m comment --comment ${quoted(`${plan.name} -> ${ep.hostPort}`)}`;
  const affinity = plan.service.sessionAffinitySeconds;
  if (affinity !== undefined) {
    for (const ep of endpoints) {
      const sep = sepChain(plan, ep);
      nat.rule('-A', chain, comment(ep), '-m recent --name', sep, '--rcheck --seconds', String(affinity), '--reap', '-j', sep);
    }
  }
  endpoints.forEach((ep, i) => {
    const last = i === endpoints.length - 1;
    nat.rule('-A', chain, comment(ep), !last && `-m statistic --mode random --probability ${probability(endpoints.length - i)}`, '-j', sepChain(plan, ep));
  });
}

/** KUBE-SEP-*: hairpin masquerade, affinity bookkeeping, DNAT. */
function writeEndpointChain(ctx: Ctx, plan: ServicePortPlan, ep: PlannedEndpoint): void {
  const { nat } = ctx;
  const sep = sepChain(plan, ep);
  nat.chain(sep);
  const head = ['-A', sep, !ctx.largeCluster && `-m comment --comment ${plan.name}`];
  nat.rule(...head, '-s', ep.ip, '-j', KUBE_MARK_MASQ);
  const affinity = plan.service.sessionAffinitySeconds !== undefined && `-m recent --name ${sep} --set`;
  nat.rule(...head, affinity, `-m ${plan.protocol} -p ${plan.protocol} -j DNAT --to-destination ${ep.hostPort}`);
}
