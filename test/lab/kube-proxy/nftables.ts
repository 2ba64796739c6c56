/**
 * nftables-mode kube-proxy rules for one node, as `nft -f` input (the knftables transaction text).
 * Mirrors setupNFTables() and syncProxyRules() in kubernetes pkg/proxy/nftables/proxier.go (1.33/1.34
 * layout: filter chains at dstnat-10, filter-output-post-dnat, cluster-ips-check, nodeport-ips from
 * the node's primary IPs). IPv4 only (`table ip kube-proxy`). See README.md for what is simplified.
 */
import { nftEndpointChainBase, nftServiceChainBase } from './hash.js';
import { cidrContains, externalIPs, loadBalancerIPs, planServicePorts, type PlannedEndpoint, type ServicePortPlan } from './plan.js';
import { MASQUERADE_MARK } from './iptables.js';
import type { KubeProxyInput } from './types.js';
import ipaddr from 'ipaddr.js';

export interface NftablesRenderOptions {
  /**
   * Start with `add table` + `delete table` so the file replaces an earlier load (kube-proxy achieves
   * the same with add+delete of its base chains and flushes). Default true.
   */
  replace?: boolean;
}

const T = 'ip kube-proxy';

/**
 * Base chains. Upstream writes priorities as `dstnat-10` / `dstnat+10`; nft 1.0.6 (Debian 12) rejects
 * that spelling and rejects `dstnat` on the input/forward/output hooks, so the numeric values are
 * written (dstnat = -100, srcnat = 100); the loaded chains are identical.
 */
const BASE_CHAINS: ReadonlyArray<readonly [name: string, type: string, hook: string, priority: number]> = [
  ['filter-prerouting', 'filter', 'prerouting', -110],
  ['filter-input', 'filter', 'input', -110],
  ['filter-forward', 'filter', 'forward', -110],
  ['filter-output', 'filter', 'output', -110],
  ['filter-output-post-dnat', 'filter', 'output', -90],
  ['nat-prerouting', 'nat', 'prerouting', -100],
  ['nat-output', 'nat', 'output', -100],
  ['nat-postrouting', 'nat', 'postrouting', 100],
];

/** nftablesJumpChains: [destination, source, match]. */
const JUMP_CHAINS: ReadonlyArray<readonly [string, string, string]> = [
  ['nodeport-endpoints-check', 'filter-input', 'ct state new'],
  ['service-endpoints-check', 'filter-input', 'ct state new'],
  ['service-endpoints-check', 'filter-forward', 'ct state new'],
  ['service-endpoints-check', 'filter-output', 'ct state new'],
  ['firewall-check', 'filter-prerouting', 'ct state new'],
  ['firewall-check', 'filter-output', 'ct state new'],
  ['services', 'nat-output', ''],
  ['services', 'nat-prerouting', ''],
  ['masquerading', 'nat-postrouting', ''],
  ['cluster-ips-check', 'filter-forward', 'ct state new'],
  ['cluster-ips-check', 'filter-output-post-dnat', 'ct state new'],
];

const quoted = (text: string): string => `"${text}"`;

/** Writes a transaction; chains are declared once (ensureChain). */
class Tx {
  readonly lines: string[] = [];
  private readonly chains = new Set<string>();
  ensureChain(name: string): void {
    if (this.chains.has(name)) return;
    this.chains.add(name);
    this.lines.push(`add chain ${T} ${name}`);
  }
  rule(chain: string, rule: string, comment?: string): void {
    this.lines.push(`add rule ${T} ${chain} ${rule}${comment ? ` comment ${quoted(comment)}` : ''}`);
  }
  element(container: string, key: string, value?: string, comment?: string): void {
    const c = comment ? ` comment ${quoted(comment)}` : '';
    this.lines.push(`add element ${T} ${container} { ${key}${c}${value ? ` : ${value}` : ''} }`);
  }
  raw(line: string): void {
    this.lines.push(line);
  }
}

/** The `nft -f` input kube-proxy's transaction amounts to on `input.nodeName`. */
export function renderNftables(input: KubeProxyInput, options: NftablesRenderOptions = {}): string {
  const tx = new Tx();
  if (options.replace ?? true) {
    tx.raw(`add table ${T}`);
    tx.raw(`delete table ${T}`);
  }
  setup(tx, input);
  for (const plan of planServicePorts(input)) writeServicePort(tx, input, plan);
  return `${tx.lines.join('\n')}\n`;
}

function setup(tx: Tx, input: KubeProxyInput): void {
  tx.raw(`add table ${T} { comment ${quoted('rules for kube-proxy')} ; }`);
  for (const [name, type, hook, priority] of BASE_CHAINS) {
    tx.raw(`add chain ${T} ${name} { type ${type} hook ${hook} priority ${priority} ; }`);
  }
  for (const [dst, src, match] of JUMP_CHAINS) {
    tx.ensureChain(dst);
    tx.rule(src, `${match ? `${match} ` : ''}jump ${dst}`);
  }
  for (const c of ['services', 'cluster-ips-check', 'masquerading', 'mark-for-masquerade']) tx.ensureChain(c);
  tx.rule('mark-for-masquerade', `mark set mark or ${MASQUERADE_MARK}`);
  tx.rule('masquerading', `mark and ${MASQUERADE_MARK} == 0 return`);
  tx.rule('masquerading', `mark set mark xor ${MASQUERADE_MARK}`);
  tx.rule('masquerading', 'masquerade fully-random');

  tx.raw(`add set ${T} cluster-ips { type ipv4_addr ; comment ${quoted('Active ClusterIPs')} ; }`);
  tx.rule('cluster-ips-check', 'ip daddr @cluster-ips reject', 'Reject traffic to invalid ports of ClusterIPs');
  const serviceCIDRs = input.serviceCIDRs.filter((c) => ipaddr.parseCIDR(c)[0].kind() === 'ipv4');
  if (serviceCIDRs.length > 0) tx.rule('cluster-ips-check', `ip daddr { ${serviceCIDRs.join(',')} } drop`, 'Drop traffic to unallocated ClusterIPs');

  // --nodeport-addresses defaults to "primary" in nftables mode: the node's own IPs, never loopback.
  tx.raw(`add set ${T} nodeport-ips { type ipv4_addr ; comment ${quoted('IPs that accept NodePort traffic')} ; }`);
  for (const ip of input.nodeIPs) if (ipaddr.IPv4.isValid(ip) && !ip.startsWith('127.')) tx.element('nodeport-ips', ip);

  tx.raw(`add map ${T} no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment ${quoted('vmap to drop or reject packets to services with no endpoints')} ; }`);
  tx.raw(`add map ${T} no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment ${quoted('vmap to drop or reject packets to service nodeports with no endpoints')} ; }`);
  tx.raw(`add chain ${T} reject-chain { comment ${quoted('helper for @no-endpoint-services / @no-endpoint-nodeports')} ; }`);
  tx.rule('reject-chain', 'reject');
  tx.rule('service-endpoints-check', 'ip daddr . meta l4proto . th dport vmap @no-endpoint-services');
  tx.rule('nodeport-endpoints-check', 'ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports');

  tx.raw(`add map ${T} firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment ${quoted('destinations that are subject to LoadBalancerSourceRanges')} ; }`);
  tx.ensureChain('firewall-check');
  tx.rule('firewall-check', 'ip daddr . meta l4proto . th dport vmap @firewall-ips');

  tx.raw(`add map ${T} service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment ${quoted('ClusterIP, ExternalIP and LoadBalancer IP traffic')} ; }`);
  tx.raw(`add map ${T} service-nodeports { type inet_proto . inet_service : verdict ; comment ${quoted('NodePort traffic')} ; }`);
  tx.rule('services', 'ip daddr . meta l4proto . th dport vmap @service-ips');
  tx.rule('services', 'ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports');
}

interface Names {
  cluster: string;
  local: string;
  external: string;
  firewall: string;
}

function namesOf(plan: ServicePortPlan): Names {
  const base = nftServiceChainBase(plan.service.namespace, plan.service.name, plan.protocol, plan.port.name);
  return { cluster: `service-${base}`, local: `local-${base}`, external: `external-${base}`, firewall: `firewall-${base}` };
}

// Hashing dominates rendering at scale: name each endpoint once per render.
const endpointBaseCache = new WeakMap<PlannedEndpoint, string>();

function endpointBase(plan: ServicePortPlan, ep: PlannedEndpoint): string {
  let base = endpointBaseCache.get(ep);
  if (base === undefined) {
    base = nftEndpointChainBase(plan.service.namespace, plan.service.name, plan.protocol, plan.port.name, ep.ip, ep.port);
    endpointBaseCache.set(ep, base);
  }
  return base;
}
const endpointChain = (plan: ServicePortPlan, ep: PlannedEndpoint): string => `endpoint-${endpointBase(plan, ep)}`;
const affinitySet = (plan: ServicePortPlan, ep: PlannedEndpoint): string => `affinity-${endpointBase(plan, ep)}`;

function writeServicePort(tx: Tx, input: KubeProxyInput, plan: ServicePortPlan): void {
  const names = namesOf(plan);
  for (const ep of plan.reachableEndpoints) tx.ensureChain(endpointChain(plan, ep));
  const usesCluster = plan.usesClusterEndpoints && plan.clusterEndpoints.length > 0;
  const usesLocal = plan.usesLocalEndpoints && plan.localEndpoints.length > 0;
  if (usesCluster) tx.ensureChain(names.cluster);
  if (usesLocal) tx.ensureChain(names.local);
  const usesExternal = plan.hasEndpoints && plan.externallyAccessible;
  if (usesExternal) tx.ensureChain(names.external);
  writeElements(tx, plan, names);
  writeChainRules(tx, input, plan, names, usesExternal);
  if (usesCluster) writeServiceToEndpointRules(tx, plan, names.cluster, plan.clusterEndpoints);
  if (usesLocal) writeServiceToEndpointRules(tx, plan, names.local, plan.localEndpoints);
  for (const ep of plan.reachableEndpoints) writeEndpointChain(tx, plan, ep);
}

/** Verdicts for traffic without usable endpoints: reject when none exist at all, drop when none is local. */
function noEndpointVerdicts(plan: ServicePortPlan): { internal: string; external: string } {
  return plan.hasEndpoints ? { internal: 'drop', external: 'drop' } : { internal: 'goto reject-chain', external: 'goto reject-chain' };
}

function writeElements(tx: Tx, plan: ServicePortPlan, names: Names): void {
  const { service, port, protocol } = plan;
  const key = (ip: string): string => `${ip} . ${protocol} . ${port.port}`;
  const verdicts = noEndpointVerdicts(plan);
  const internalChain = plan.internalPolicyLocal ? names.local : names.cluster;
  tx.element('cluster-ips', service.clusterIP);
  if (plan.hasInternalEndpoints) tx.element('service-ips', key(service.clusterIP), `goto ${internalChain}`);
  else tx.element('no-endpoint-services', key(service.clusterIP), verdicts.internal, plan.name);
  for (const ip of externalIPs(service)) {
    if (plan.hasEndpoints) tx.element('service-ips', key(ip), `goto ${names.external}`);
    if (!plan.hasExternalEndpoints) tx.element('no-endpoint-services', key(ip), verdicts.external, plan.name);
  }
  const lbIPs = loadBalancerIPs(service);
  const usesFW = lbIPs.length > 0 && (service.loadBalancerSourceRanges ?? []).length > 0;
  if (usesFW) tx.ensureChain(names.firewall);
  for (const ip of lbIPs) {
    if (plan.hasEndpoints) tx.element('service-ips', key(ip), `goto ${names.external}`);
    if (usesFW) tx.element('firewall-ips', key(ip), `goto ${names.firewall}`);
  }
  if (!plan.hasExternalEndpoints) for (const ip of lbIPs) tx.element('no-endpoint-services', key(ip), verdicts.external, plan.name);
  if (plan.nodePort > 0) {
    if (plan.hasEndpoints) tx.element('service-nodeports', `${protocol} . ${plan.nodePort}`, `goto ${names.external}`);
    if (!plan.hasExternalEndpoints) tx.element('no-endpoint-nodeports', `${protocol} . ${plan.nodePort}`, verdicts.external, plan.name);
  }
}

function writeChainRules(tx: Tx, input: KubeProxyInput, plan: ServicePortPlan, names: Names, usesExternal: boolean): void {
  const { service, port, protocol } = plan;
  const internalChain = plan.internalPolicyLocal ? names.local : names.cluster;
  if (plan.hasInternalEndpoints) {
    const match = `ip daddr ${service.clusterIP} ${protocol} dport ${port.port}`;
    if (input.masqueradeAll) tx.rule(internalChain, `${match} jump mark-for-masquerade`);
    else if (input.clusterCIDR) tx.rule(internalChain, `${match} ip saddr != ${input.clusterCIDR} jump mark-for-masquerade`);
  }
  if (usesExternal) {
    if (!plan.externalPolicyLocal) {
      tx.rule(names.external, 'jump mark-for-masquerade');
    } else {
      if (input.clusterCIDR) tx.rule(names.external, `ip saddr ${input.clusterCIDR} goto ${names.cluster}`, 'short-circuit pod traffic');
      tx.rule(names.external, 'fib saddr type local jump mark-for-masquerade', 'masquerade local traffic');
      tx.rule(names.external, `fib saddr type local goto ${names.cluster}`, 'short-circuit local traffic');
    }
    if (plan.hasExternalEndpoints) tx.rule(names.external, `goto ${plan.externalPolicyLocal ? names.local : names.cluster}`);
  }
  writeFirewallRule(tx, input, plan, names);
  const affinity = service.sessionAffinitySeconds;
  if (affinity !== undefined) {
    for (const ep of plan.reachableEndpoints) {
      tx.raw(`add set ${T} ${affinitySet(plan, ep)} { type ipv4_addr ; flags dynamic,timeout ; timeout ${affinity}s ; }`);
    }
  }
}

function writeFirewallRule(tx: Tx, input: KubeProxyInput, plan: ServicePortPlan, names: Names): void {
  const lbIPs = loadBalancerIPs(plan.service);
  const ranges = plan.service.loadBalancerSourceRanges ?? [];
  if (lbIPs.length === 0 || ranges.length === 0) return;
  const fromNode = ranges.some((cidr) => input.nodeIPs.some((ip) => cidrContains(cidr, ip)));
  const sources = fromNode ? [...ranges, ...lbIPs] : ranges;
  tx.rule(names.firewall, `ip saddr != { ${sources.join(' , ')} } drop`);
}

/** Affinity gotos, then `numgen random mod N vmap { … }` (always, even for N = 1). */
function writeServiceToEndpointRules(tx: Tx, plan: ServicePortPlan, chain: string, endpoints: PlannedEndpoint[]): void {
  if (plan.service.sessionAffinitySeconds !== undefined) {
    for (const ep of endpoints) tx.rule(chain, `ip saddr @${affinitySet(plan, ep)} goto ${endpointChain(plan, ep)}`);
  }
  const elements = endpoints.map((ep, i) => `${i} : goto ${endpointChain(plan, ep)}`).join(' , ');
  tx.rule(chain, `numgen random mod ${endpoints.length} vmap { ${elements} }`);
}

function writeEndpointChain(tx: Tx, plan: ServicePortPlan, ep: PlannedEndpoint): void {
  const chain = endpointChain(plan, ep);
  tx.rule(chain, `ip saddr ${ep.ip} jump mark-for-masquerade`);
  if (plan.service.sessionAffinitySeconds !== undefined) tx.rule(chain, `update @${affinitySet(plan, ep)} { ip saddr }`);
  tx.rule(chain, `meta l4proto ${plan.protocol} dnat to ${ep.hostPort}`);
}
