/**
 * iptables-mode kube-proxy rules for one node, as iptables-restore input.
 * Mirrors syncProxyRules() in kubernetes pkg/proxy/iptables/proxier.go (1.31–1.34 layout):
 * same chains, rule order, argument order and comment texts, so `iptables-save` after loading
 * looks like a real kube-proxy node. IPv4 only. See README.md for what is simplified.
 */
import { iptablesEndpointChain, iptablesServiceChain } from './hash.js';
import { cidrContains, externalIPs, loadBalancerIPs, planServicePorts, type PlannedEndpoint, type ServicePortPlan } from './plan.js';
import type { KubeProxyInput } from './types.js';

/** nfacct objects the rules reference (metrics.IPTablesCTStateInvalidDroppedNFAcctCounter, LocalhostNodePortAcceptedNFAcctCounter). */
export const NFACCT_COUNTERS = ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts'] as const;

/** kube-proxy's default --masquerade-bit 14, printed with %#08x. */
export const MASQUERADE_MARK = '0x4000';

/** Upstream switches to "large cluster mode" (fewer comments) above this many endpoints. */
const LARGE_CLUSTER_ENDPOINTS = 1000;

export interface IptablesRenderOptions {
  /**
   * Also write what kube-proxy (and kubelet) add outside the restore: builtin-chain declarations, the
   * jumps from INPUT/FORWARD/OUTPUT/PREROUTING/POSTROUTING (EnsureRule, in the order a node ends up
   * with) and the KUBE-PROXY-CANARY chains (mangle, nat, filter). Default true: then a plain
   * `iptables-restore` (which flushes the tables) yields a node's full kube-proxy state. With false the
   * output is exactly kube-proxy's own restore input, to be loaded with `--noflush`.
   */
  baseChains?: boolean;
  /** `MASQUERADE --random-fully` (HasRandomFully(); true on any current kernel). Default true. */
  randomFully?: boolean;
}

const KUBE_SERVICES = 'KUBE-SERVICES';
const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
const KUBE_FORWARD = 'KUBE-FORWARD';
const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
const KUBE_FIREWALL = 'KUBE-FIREWALL';
const KUBE_PROXY_CANARY = 'KUBE-PROXY-CANARY';

/**
 * Rules (without `-A CHAIN`) kube-proxy and kubelet put in builtin chains, per table, in the order a node
 * lists them; for `--noflush` loading append them with `-A` (or `iptables -t T -A CHAIN …`).
 */
export const FILTER_JUMPS: ReadonlyArray<readonly [chain: string, rule: string]> = [
  // iptablesJumpChains are prepended one by one, so a node lists them in reverse; kubelet's KUBE-FIREWALL
  // jumps predate kube-proxy and stay last (compare corpus real-eks-aws-vpc-cni-node-iptables-S-filter.txt).
  ['INPUT', `-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j ${KUBE_PROXY_FIREWALL}`],
  ['INPUT', `-m comment --comment "kubernetes health check service ports" -j ${KUBE_NODEPORTS}`],
  ['INPUT', `-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j ${KUBE_EXTERNAL_SERVICES}`],
  ['INPUT', `-j ${KUBE_FIREWALL}`],
  ['FORWARD', `-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j ${KUBE_PROXY_FIREWALL}`],
  ['FORWARD', `-m comment --comment "kubernetes forwarding rules" -j ${KUBE_FORWARD}`],
  ['FORWARD', `-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j ${KUBE_SERVICES}`],
  ['FORWARD', `-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j ${KUBE_EXTERNAL_SERVICES}`],
  ['OUTPUT', `-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j ${KUBE_PROXY_FIREWALL}`],
  ['OUTPUT', `-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j ${KUBE_SERVICES}`],
  ['OUTPUT', `-j ${KUBE_FIREWALL}`],
];
export const NAT_JUMPS: ReadonlyArray<readonly [chain: string, rule: string]> = [
  ['PREROUTING', `-m comment --comment "kubernetes service portals" -j ${KUBE_SERVICES}`],
  ['OUTPUT', `-m comment --comment "kubernetes service portals" -j ${KUBE_SERVICES}`],
  ['POSTROUTING', `-m comment --comment "kubernetes postrouting rules" -j ${KUBE_POSTROUTING}`],
];

/** Accumulates lines like upstream's LineBuffers: chain declarations and rules kept apart. */
class Table {
  readonly chains: string[] = [];
  readonly rules: string[] = [];
  chain(name: string): void {
    this.chains.push(`:${name} - [0:0]`);
  }
  rule(...parts: Array<string | false | undefined>): void {
    this.rules.push(parts.filter((p): p is string => typeof p === 'string' && p !== '').join(' '));
  }
}

interface Ctx {
  input: KubeProxyInput;
  filter: Table;
  nat: Table;
  largeCluster: boolean;
  localhostNodePorts: boolean;
  nfacct: boolean;
  randomFully: boolean;
}

/** `1/n` with 10 decimals (computeProbability). */
export const probability = (n: number): string => (1 / n).toFixed(10);

const quoted = (text: string): string => `"${text}"`;

/** The iptables-restore input kube-proxy would load on `input.nodeName`. */
export function renderIptables(input: KubeProxyInput, options: IptablesRenderOptions = {}): string {
  const plans = planServicePorts(input);
  const totalEndpoints = plans.reduce((n, p) => n + p.service.endpoints.length, 0);
  const ctx: Ctx = {
    input,
    filter: new Table(),
    nat: new Table(),
    largeCluster: totalEndpoints > LARGE_CLUSTER_ENDPOINTS,
    localhostNodePorts: input.localhostNodePorts ?? true,
    nfacct: input.nfacct ?? true,
    randomFully: options.randomFully ?? true,
  };
  writeTopLevel(ctx);
  for (const plan of plans) writeServicePort(ctx, plan);
  writeTail(ctx);
  return assemble(ctx, options.baseChains ?? true);
}

function writeTopLevel(ctx: Ctx): void {
  const { filter, nat } = ctx;
  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL]) filter.chain(c);
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) nat.chain(c);
  nat.rule('-A', KUBE_POSTROUTING, '-m mark ! --mark', `${MASQUERADE_MARK}/${MASQUERADE_MARK}`, '-j RETURN');
  nat.rule('-A', KUBE_POSTROUTING, '-j MARK --xor-mark', MASQUERADE_MARK);
  nat.rule('-A', KUBE_POSTROUTING, '-m comment --comment', quoted('kubernetes service traffic requiring SNAT'), '-j MASQUERADE', ctx.randomFully && '--random-fully');
  nat.rule('-A', KUBE_MARK_MASQ, '-j MARK --or-mark', MASQUERADE_MARK);
  if (ctx.localhostNodePorts) {
    filter.chain(KUBE_FIREWALL);
    filter.rule(
      '-A', KUBE_FIREWALL, '-m comment --comment', quoted('block incoming localnet connections'),
      '-d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    );
  }
}

/** `-m tcp -p tcp -d IP --dport PORT`, the match kube-proxy writes for a service address. */
const dest = (plan: ServicePortPlan, ip: string, port: number): string =>
  `-m ${plan.protocol} -p ${plan.protocol} -d ${ip} --dport ${port}`;

function writeServicePort(ctx: Ctx, plan: ServicePortPlan): void {
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

function writeTail(ctx: Ctx): void {
  const { filter, nat } = ctx;
  // nodePortAddresses unset (iptables mode's default) means MatchAll.
  nat.rule(
    '-A', KUBE_SERVICES, '-m comment --comment', quoted('kubernetes service nodeports; NOTE: this must be the last rule in this chain'),
    '-m addrtype --dst-type LOCAL', !ctx.localhostNodePorts && '! -d 127.0.0.0/8', '-j', KUBE_NODEPORTS,
  );
  // nf_conntrack_tcp_be_liberal is assumed off, as on a default node.
  filter.rule('-A', KUBE_FORWARD, '-m conntrack --ctstate INVALID', ctx.nfacct && `-m nfacct --nfacct-name ${NFACCT_COUNTERS[0]}`, '-j DROP');
  filter.rule('-A', KUBE_FORWARD, '-m comment --comment', quoted('kubernetes forwarding rules'), '-m mark --mark', `${MASQUERADE_MARK}/${MASQUERADE_MARK}`, '-j ACCEPT');
  filter.rule('-A', KUBE_FORWARD, '-m comment --comment', quoted('kubernetes forwarding conntrack rule'), '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
}

function assemble(ctx: Ctx, baseChains: boolean): string {
  // Joined per part: spreading 250k-line arrays into push() would overflow the stack.
  const parts: string[] = [];
  const table = (name: string, t: Table, builtins: string[], jumps: ReadonlyArray<readonly [string, string]>): void => {
    const head = [`*${name}`];
    if (baseChains) head.push(...builtins.map((b) => `:${b} ACCEPT [0:0]`), `:${KUBE_PROXY_CANARY} - [0:0]`);
    parts.push(head.join('\n'), t.chains.join('\n'));
    if (baseChains) parts.push(jumps.map(([chain, rest]) => `-A ${chain} ${rest}`).join('\n'));
    parts.push(t.rules.join('\n'), 'COMMIT');
  };
  if (baseChains) {
    const builtins = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'].map((b) => `:${b} ACCEPT [0:0]`);
    parts.push(['*mangle', ...builtins, `:${KUBE_PROXY_CANARY} - [0:0]`, 'COMMIT'].join('\n'));
  }
  // kubelet's KUBE-FIREWALL exists (and is jumped to) even when kube-proxy leaves it empty.
  if (baseChains && !ctx.localhostNodePorts) ctx.filter.chain(KUBE_FIREWALL);
  table('filter', ctx.filter, ['INPUT', 'FORWARD', 'OUTPUT'], FILTER_JUMPS);
  table('nat', ctx.nat, ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'], NAT_JUMPS);
  return `${parts.filter((p) => p !== '').join('\n')}\n`;
}
