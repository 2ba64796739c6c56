/**
 * The per-service-port part of kube-proxy's nftables sync (syncProxyRules in
 * pkg/proxy/nftables/proxier.go): map elements, service/local/external/firewall chains, affinity sets,
 * numgen dispatch and endpoint chains.
 */
import { nftEndpointChainBase, nftServiceChainBase } from './hash.js';
import type { Tx } from './nftables-setup.js';
import { cidrContains, externalIPs, loadBalancerIPs, type PlannedEndpoint, type ServicePortPlan } from './plan.js';
import type { KubeProxyInput } from './types.js';

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

/** Elements, chains and rules of one service port, in upstream order. */
export function writeServicePort(tx: Tx, input: KubeProxyInput, plan: ServicePortPlan): void {
  const names = namesOf(plan);
  const v137 = tx.layout === 'v1.37';
  // v1.37 writes endpoint chains only for ClientIP affinity, and lists local endpoints for hairpin masquerade.
  const endpointChains = !v137 || plan.service.sessionAffinitySeconds !== undefined;
  for (const ep of plan.reachableEndpoints) {
    if (endpointChains) tx.ensureChain(endpointChain(plan, ep));
    if (v137 && ep.local) tx.element('hairpin-connections', `${ep.ip} . ${ep.ip} . ${plan.protocol} . ${ep.port}`);
  }
  const usesCluster = plan.usesClusterEndpoints && plan.clusterEndpoints.length > 0;
  const usesLocal = plan.usesLocalEndpoints && plan.localEndpoints.length > 0;
  if (usesCluster) tx.ensureChain(names.cluster);
  if (usesLocal) tx.ensureChain(names.local);
  const usesExternal = plan.hasEndpoints && plan.externallyAccessible;
  if (usesExternal) tx.ensureChain(names.external);
  writeElements(tx, plan, names);
  writeChainRules(tx, input, plan, names, usesExternal);
  const toEndpoints = endpointChains ? writeServiceToEndpointRules : writeServiceToEndpointDNATs;
  if (usesCluster) toEndpoints(tx, plan, names.cluster, plan.clusterEndpoints);
  if (usesLocal) toEndpoints(tx, plan, names.local, plan.localEndpoints);
  if (endpointChains) for (const ep of plan.reachableEndpoints) writeEndpointChain(tx, plan, ep);
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
  // v1.37 marks off-cluster ClusterIP traffic once, in `services` (nftables-setup.ts).
  if (plan.hasInternalEndpoints && tx.layout !== 'v1.37') {
    const match = `${tx.f.ip} daddr ${service.clusterIP} ${protocol} dport ${port.port}`;
    if (input.masqueradeAll) tx.rule(internalChain, `${match} jump mark-for-masquerade`);
    else if (input.clusterCIDR) tx.rule(internalChain, `${match} ${tx.f.ip} saddr != ${input.clusterCIDR} jump mark-for-masquerade`);
  }
  if (usesExternal) {
    if (!plan.externalPolicyLocal) {
      tx.rule(names.external, tx.markMasq, tx.layout === 'v1.37' ? 'masquerade' : undefined);
    } else {
      if (input.clusterCIDR) tx.rule(names.external, `${tx.f.ip} saddr ${input.clusterCIDR} goto ${names.cluster}`, 'short-circuit pod traffic');
      tx.rule(names.external, `fib saddr type local ${tx.markMasq}`, 'masquerade local traffic');
      tx.rule(names.external, `fib saddr type local goto ${names.cluster}`, 'short-circuit local traffic');
    }
    if (plan.hasExternalEndpoints) tx.rule(names.external, `goto ${plan.externalPolicyLocal ? names.local : names.cluster}`);
  }
  writeFirewallRule(tx, input, plan, names);
  const affinity = service.sessionAffinitySeconds;
  if (affinity !== undefined) {
    for (const ep of plan.reachableEndpoints) {
      tx.raw(`add set ${tx.f.table} ${affinitySet(plan, ep)} { type ${tx.f.addr} ; flags dynamic,timeout ; timeout ${affinity}s ; }`);
    }
  }
}

function writeFirewallRule(tx: Tx, input: KubeProxyInput, plan: ServicePortPlan, names: Names): void {
  const lbIPs = loadBalancerIPs(plan.service);
  const ranges = plan.service.loadBalancerSourceRanges ?? [];
  if (lbIPs.length === 0 || ranges.length === 0) return;
  const fromNode = ranges.some((cidr) => input.nodeIPs.some((ip) => cidrContains(cidr, ip)));
  const sources = fromNode ? [...ranges, ...lbIPs] : ranges;
  tx.rule(names.firewall, `${tx.f.ip} saddr != { ${sources.join(' , ')} } drop`);
}

/** Affinity gotos, then `numgen random mod N vmap { … }` (always, even for N = 1). */
function writeServiceToEndpointRules(tx: Tx, plan: ServicePortPlan, chain: string, endpoints: PlannedEndpoint[]): void {
  if (plan.service.sessionAffinitySeconds !== undefined) {
    for (const ep of endpoints) tx.rule(chain, `${tx.f.ip} saddr @${affinitySet(plan, ep)} goto ${endpointChain(plan, ep)}`);
  }
  const elements = endpoints.map((ep, i) => `${i} : goto ${endpointChain(plan, ep)}`).join(' , ');
  tx.rule(chain, `numgen random mod ${endpoints.length} vmap { ${elements} }`);
}

/** v1.37 without affinity: DNAT in the service chain itself, through a `numgen` map when there is a choice. */
function writeServiceToEndpointDNATs(tx: Tx, plan: ServicePortPlan, chain: string, endpoints: PlannedEndpoint[]): void {
  const head = `meta l4proto ${plan.protocol} dnat`;
  const [only] = endpoints;
  if (endpoints.length === 1 && only) {
    tx.rule(chain, `${head} to ${only.hostPort}`);
    return;
  }
  const elements = endpoints.map((ep, i) => `${i} : ${ep.ip} . ${ep.port}`).join(' , ');
  tx.rule(chain, `${head} ${tx.f.ip} addr . port to numgen random mod ${endpoints.length} map { ${elements} }`);
}

function writeEndpointChain(tx: Tx, plan: ServicePortPlan, ep: PlannedEndpoint): void {
  const chain = endpointChain(plan, ep);
  // v1.37 leaves hairpin traffic to the hairpin-connections set.
  if (tx.layout !== 'v1.37') tx.rule(chain, `${tx.f.ip} saddr ${ep.ip} ${tx.markMasq}`);
  if (plan.service.sessionAffinitySeconds !== undefined) tx.rule(chain, `update @${affinitySet(plan, ep)} { ${tx.f.ip} saddr }`);
  tx.rule(chain, `meta l4proto ${plan.protocol} dnat to ${ep.hostPort}`);
}
