/**
 * ipvs-mode kube-proxy state for one node: the iptables-restore input (nat and filter), the ipsets (`ipset restore`
 * input, as `ipset save` prints it), the virtual servers (`ipvsadm -Sn` form) and the addresses it binds to its dummy
 * link kube-ipvs0. Mirrors pkg/proxy/ipvs/proxier.go (1.31–1.34): syncService/syncEndpoint (a ClusterIP virtual server
 * per service port, with the cluster endpoints, or the node's own with internalTrafficPolicy Local; NodePort,
 * externalIP and LoadBalancer virtual servers with the external policy's endpoints), the ipsets of ipsetInfo,
 * writeIptablesRules (rules only for sets that have entries, acceptIPVSTraffic last in KUBE-SERVICES) and the jumps of
 * iptablesJumpChain (prepended: the last listed ends up first). Simplified: NodePort virtual servers on `nodeIPs`
 * only (kube-proxy binds every local address unless nodePortAddresses is set), no loadBalancerSourceRanges, no SCTP.
 */
import { MASQUERADE_MARK, quoted, Table } from './iptables-chains.js';
import { externalIPs, loadBalancerIPs, planServicePorts, type PlannedEndpoint, type ServicePortPlan } from './plan.js';
import type { KubeProxyInput } from './types.js';

export interface IpvsModeState {
  /** iptables-restore input for the nat and filter tables, with the builtin chains' jumps. */
  iptables: string;
  /** `ipset restore` input (create/add lines). */
  ipset: string;
  /** `ipvsadm -Sn` output. */
  ipvsadm: string;
  /** Addresses kube-proxy binds to kube-ipvs0 (every service address). */
  dummyAddresses: string[];
}

/** ipsetInfo: name, type and comment, in upstream's order. */
const SETS = [
  ['KUBE-LOOP-BACK', 'hash:ip,port,ip', 'Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose'],
  ['KUBE-CLUSTER-IP', 'hash:ip,port', 'Kubernetes service cluster ip + port for masquerade purpose'],
  ['KUBE-EXTERNAL-IP', 'hash:ip,port', 'Kubernetes service external ip + port for masquerade and filter purpose'],
  ['KUBE-EXTERNAL-IP-LOCAL', 'hash:ip,port', 'Kubernetes service external ip + port with externalTrafficPolicy=local'],
  ['KUBE-LOAD-BALANCER', 'hash:ip,port', 'Kubernetes service lb portal'],
  ['KUBE-LOAD-BALANCER-LOCAL', 'hash:ip,port', 'Kubernetes service load balancer ip + port with externalTrafficPolicy=local'],
  ['KUBE-NODE-PORT-TCP', 'bitmap:port', 'Kubernetes nodeport TCP port for masquerade purpose'],
  ['KUBE-NODE-PORT-LOCAL-TCP', 'bitmap:port', 'Kubernetes nodeport TCP port with externalTrafficPolicy=local'],
  ['KUBE-NODE-PORT-UDP', 'bitmap:port', 'Kubernetes nodeport UDP port for masquerade purpose'],
  ['KUBE-NODE-PORT-LOCAL-UDP', 'bitmap:port', 'Kubernetes nodeport UDP port with externalTrafficPolicy=local'],
  ['KUBE-HEALTH-CHECK-NODE-PORT', 'bitmap:port', 'Kubernetes health check node port'],
  ['KUBE-IPVS-IPS', 'hash:ip', 'Kubernetes IPVS IPs'],
] as const;
type SetName = (typeof SETS)[number][0];

const CLUSTER_PORT_SETS: readonly SetName[] = ['KUBE-NODE-PORT-LOCAL-TCP', 'KUBE-NODE-PORT-TCP', 'KUBE-NODE-PORT-LOCAL-UDP', 'KUBE-NODE-PORT-UDP'];

export function renderIpvsMode(input: KubeProxyInput): IpvsModeState {
  const plans = planServicePorts(input).filter((p) => p.protocol !== 'sctp');
  const entries = new Map<SetName, Set<string>>(SETS.map(([name]) => [name, new Set<string>()]));
  const add = (set: SetName, entry: string): void => void entries.get(set)!.add(entry);
  const vs: string[] = [];
  const dummy = new Set<string>();
  for (const plan of plans) {
    const { service, protocol: proto } = plan;
    const at = (ip: string): string => `${ip},${proto}:${plan.port.port}`;
    const internal = plan.internalPolicyLocal ? plan.localEndpoints : plan.clusterEndpoints;
    const external = plan.externalPolicyLocal ? plan.localEndpoints : plan.clusterEndpoints;
    add('KUBE-CLUSTER-IP', at(service.clusterIP));
    add('KUBE-IPVS-IPS', service.clusterIP);
    dummy.add(service.clusterIP);
    vs.push(...virtualServer(plan, `${service.clusterIP}:${plan.port.port}`, internal));
    for (const ip of externalIPs(service)) {
      add(plan.externalPolicyLocal ? 'KUBE-EXTERNAL-IP-LOCAL' : 'KUBE-EXTERNAL-IP', at(ip));
      add('KUBE-IPVS-IPS', ip);
      dummy.add(ip);
      vs.push(...virtualServer(plan, `${ip}:${plan.port.port}`, external));
    }
    for (const ip of loadBalancerIPs(service)) {
      add('KUBE-LOAD-BALANCER', at(ip));
      if (plan.externalPolicyLocal) add('KUBE-LOAD-BALANCER-LOCAL', at(ip));
      add('KUBE-IPVS-IPS', ip);
      dummy.add(ip);
      vs.push(...virtualServer(plan, `${ip}:${plan.port.port}`, external));
    }
    if (plan.nodePort > 0) {
      const p = proto.toUpperCase() as 'TCP' | 'UDP';
      add(`KUBE-NODE-PORT-${p}`, String(plan.nodePort));
      if (plan.externalPolicyLocal) add(`KUBE-NODE-PORT-LOCAL-${p}`, String(plan.nodePort));
      for (const ip of input.nodeIPs) vs.push(...virtualServer(plan, `${ip}:${plan.nodePort}`, external));
    }
    if (plan.externalPolicyLocal && service.healthCheckNodePort) add('KUBE-HEALTH-CHECK-NODE-PORT', String(service.healthCheckNodePort));
    for (const ep of plan.reachableEndpoints) add('KUBE-LOOP-BACK', `${ep.ip},${proto}:${ep.port},${ep.ip}`);
  }
  return { iptables: rules(input, entries), ipset: ipsetText(entries), ipvsadm: `${vs.join('\n')}\n`, dummyAddresses: [...dummy] };
}

/** `-A -t VIP -s rr [-p N]` and one `-a … -m -w 1` per endpoint (syncEndpoint: masquerading, weight 1). */
function virtualServer(plan: ServicePortPlan, vip: string, endpoints: PlannedEndpoint[]): string[] {
  const flag = plan.protocol === 'udp' ? '-u' : '-t';
  const affinity = plan.service.sessionAffinitySeconds;
  return [`-A ${flag} ${vip} -s rr${affinity ? ` -p ${affinity}` : ''}`, ...endpoints.map((ep) => `-a ${flag} ${vip} -r ${ep.hostPort} -m -w 1`)];
}

function ipsetText(entries: Map<SetName, Set<string>>): string {
  const lines: string[] = [];
  for (const [name, type, comment] of SETS) {
    const opts = type === 'bitmap:port' ? 'range 0-65535' : 'family inet hashsize 1024 maxelem 65536';
    lines.push(`create ${name} ${type} ${opts} comment`);
    for (const e of entries.get(name)!) lines.push(`add ${name} ${e} comment ${quoted(comment)}`);
  }
  return `${lines.join('\n')}\n`;
}

function rules(input: KubeProxyInput, entries: Map<SetName, Set<string>>): string {
  const nat = new Table();
  const filter = new Table();
  const has = (s: SetName): boolean => entries.get(s)!.size > 0;
  const comment = (s: SetName): string => quoted(SETS.find(([n]) => n === s)![2]);
  for (const c of ['KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-NODE-PORT', 'KUBE-LOAD-BALANCER', 'KUBE-MARK-MASQ']) nat.chain(c);
  for (const c of ['KUBE-FORWARD', 'KUBE-NODE-PORT', 'KUBE-PROXY-FIREWALL', 'KUBE-SOURCE-RANGES-FIREWALL', 'KUBE-IPVS-FILTER', 'KUBE-IPVS-OUT-FILTER']) filter.chain(c);

  nat.rule('-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN');
  // ipsetWithIptablesChain, in its order, for sets with entries.
  if (has('KUBE-LOOP-BACK')) nat.rule('-A KUBE-POSTROUTING -m comment --comment', comment('KUBE-LOOP-BACK'), '-m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE');
  if (has('KUBE-LOAD-BALANCER')) nat.rule('-A KUBE-SERVICES -m comment --comment', comment('KUBE-LOAD-BALANCER'), '-m set --match-set KUBE-LOAD-BALANCER dst,dst -j KUBE-LOAD-BALANCER');
  if (has('KUBE-LOAD-BALANCER-LOCAL')) nat.rule('-A KUBE-LOAD-BALANCER -m comment --comment', comment('KUBE-LOAD-BALANCER-LOCAL'), '-m set --match-set KUBE-LOAD-BALANCER-LOCAL dst,dst -j RETURN');
  for (const s of CLUSTER_PORT_SETS) {
    if (!has(s)) continue;
    const proto = s.endsWith('UDP') ? 'udp' : 'tcp';
    nat.rule('-A KUBE-NODE-PORT -p', proto, '-m comment --comment', comment(s), '-m set --match-set', s, 'dst -j', s.includes('LOCAL') ? 'RETURN' : 'KUBE-MARK-MASQ');
  }
  if (has('KUBE-CLUSTER-IP')) {
    // masqueradeAll marks every service packet; else only sources outside the cluster CIDR (localDetector.IfNotLocal).
    const notLocal = input.masqueradeAll ? undefined : `! -s ${input.clusterCIDR}`;
    nat.rule('-A KUBE-SERVICES -m comment --comment', comment('KUBE-CLUSTER-IP'), '-m set --match-set KUBE-CLUSTER-IP dst,dst', notLocal, '-j KUBE-MARK-MASQ');
  }
  for (const s of ['KUBE-EXTERNAL-IP', 'KUBE-EXTERNAL-IP-LOCAL'] as const) {
    if (!has(s)) continue;
    const base = ['-A KUBE-SERVICES -m comment --comment', comment(s), '-m set --match-set', s, 'dst,dst'];
    if (s === 'KUBE-EXTERNAL-IP') nat.rule(...base, '-j KUBE-MARK-MASQ');
    nat.rule(...base, '-m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT');
    nat.rule(...base, '-m addrtype --dst-type LOCAL -j ACCEPT');
  }
  nat.rule('-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT');
  nat.rule('-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ');
  filter.rule('-A KUBE-SOURCE-RANGES-FIREWALL -j DROP');
  // acceptIPVSTraffic: last in KUBE-SERVICES.
  for (const s of ['KUBE-CLUSTER-IP', 'KUBE-LOAD-BALANCER'] as const) if (has(s)) nat.rule('-A KUBE-SERVICES -m set --match-set', s, 'dst,dst -j ACCEPT');
  filter.rule('-A KUBE-FORWARD -m comment --comment', quoted('kubernetes forwarding rules'), '-m mark --mark', `${MASQUERADE_MARK}/${MASQUERADE_MARK}`, '-j ACCEPT');
  filter.rule('-A KUBE-FORWARD -m comment --comment', quoted('kubernetes forwarding conntrack rule'), '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  filter.rule('-A KUBE-NODE-PORT -m comment --comment', comment('KUBE-HEALTH-CHECK-NODE-PORT'), '-m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j ACCEPT');
  for (const s of ['KUBE-LOAD-BALANCER', 'KUBE-CLUSTER-IP', 'KUBE-EXTERNAL-IP', 'KUBE-EXTERNAL-IP-LOCAL'] as const) filter.rule('-A KUBE-IPVS-FILTER -m set --match-set', s, 'dst,dst -j RETURN');
  filter.rule('-A KUBE-IPVS-FILTER -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j RETURN');
  filter.rule('-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT');
  nat.rule('-A KUBE-POSTROUTING -m mark ! --mark', `${MASQUERADE_MARK}/${MASQUERADE_MARK}`, '-j RETURN');
  nat.rule('-A KUBE-POSTROUTING -j MARK --xor-mark', MASQUERADE_MARK);
  nat.rule('-A KUBE-POSTROUTING -m comment --comment', quoted('kubernetes service traffic requiring SNAT'), '-j MASQUERADE --random-fully');
  nat.rule('-A KUBE-MARK-MASQ -j MARK --or-mark', MASQUERADE_MARK);

  const jumps = (t: string): string[] =>
    JUMPS.filter((j) => j[0] === t)
      .reverse()
      .map(([, from, to, text]) => `-A ${from} -m comment --comment ${quoted(text)} -j ${to}`);
  const table = (name: string, t: Table, builtins: string[]): string =>
    [`*${name}`, ...builtins.map((b) => `:${b} ACCEPT [0:0]`), ...t.chains, ...jumps(name), ...t.rules, 'COMMIT'].join('\n');
  return `${table('nat', nat, ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'])}\n${table('filter', filter, ['INPUT', 'FORWARD', 'OUTPUT'])}\n`;
}

/** iptablesJumpChain, in upstream's order (EnsureRule Prepend: the last one for a chain ends up first). */
const JUMPS: ReadonlyArray<readonly [table: string, from: string, to: string, comment: string]> = [
  ['nat', 'OUTPUT', 'KUBE-SERVICES', 'kubernetes service portals'],
  ['nat', 'PREROUTING', 'KUBE-SERVICES', 'kubernetes service portals'],
  ['nat', 'POSTROUTING', 'KUBE-POSTROUTING', 'kubernetes postrouting rules'],
  ['filter', 'FORWARD', 'KUBE-FORWARD', 'kubernetes forwarding rules'],
  ['filter', 'INPUT', 'KUBE-NODE-PORT', 'kubernetes health check rules'],
  ['filter', 'INPUT', 'KUBE-PROXY-FIREWALL', 'kube-proxy firewall rules'],
  ['filter', 'FORWARD', 'KUBE-PROXY-FIREWALL', 'kube-proxy firewall rules'],
  ['filter', 'INPUT', 'KUBE-IPVS-FILTER', 'kubernetes ipvs access filter'],
  ['filter', 'OUTPUT', 'KUBE-IPVS-OUT-FILTER', 'kubernetes ipvs access filter'],
];
