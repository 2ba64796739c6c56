/**
 * The fixed part of kube-proxy's nftables transaction (setupNFTables in pkg/proxy/nftables/proxier.go):
 * table, base chains, jump chains, masquerading, the service/no-endpoint/firewall maps and sets.
 */
import { MASQUERADE_MARK } from './iptables-chains.js';
import type { KubeProxyInput } from './types.js';
import ipaddr from 'ipaddr.js';

/** Family and name of kube-proxy's (IPv4) table, as written in every command. */
const T = 'ip kube-proxy';

/** Upstream's ipX / ipvX_addr / noLocalhost per proxier family (setupNFTables). */
export interface FamilyWords {
  table: string;
  ip: 'ip' | 'ip6';
  addr: 'ipv4_addr' | 'ipv6_addr';
}
const familyWords = (family: 4 | 6 = 4): FamilyWords =>
  family === 6 ? { table: 'ip6 kube-proxy', ip: 'ip6', addr: 'ipv6_addr' } : { table: T, ip: 'ip', addr: 'ipv4_addr' };

/**
 * Base chains. Upstream writes priorities as `dstnat-10` / `dstnat+10`; nft 1.0.6 (Debian 12) rejects
 * that spelling and rejects `dstnat` on the input/forward/output hooks, so the numeric values are
 * written (dstnat = -100, srcnat = 100); the loaded chains are identical.
 */
type BaseChain = readonly [name: string, type: string, hook: string, priority: number];
const BASE_CHAINS: ReadonlyArray<BaseChain> = [
  ['filter-prerouting', 'filter', 'prerouting', -110],
  ['filter-input', 'filter', 'input', -110],
  ['filter-forward', 'filter', 'forward', -110],
  ['filter-output', 'filter', 'output', -110],
  ['filter-output-post-dnat', 'filter', 'output', -90],
  ['nat-prerouting', 'nat', 'prerouting', -100],
  ['nat-output', 'nat', 'output', -100],
  ['nat-postrouting', 'nat', 'postrouting', 100],
];

/**
 * The v1.37 proxier's base chains: load-balancer source ranges filtered before DNAT
 * (`filter-*-pre-dnat` at dstnat-10), the endpoint and ClusterIP checks at filter priority.
 */
const BASE_CHAINS_V137: ReadonlyArray<BaseChain> = [
  ['filter-prerouting-pre-dnat', 'filter', 'prerouting', -110],
  ['filter-output-pre-dnat', 'filter', 'output', -110],
  ['filter-input', 'filter', 'input', 0],
  ['filter-forward', 'filter', 'forward', 0],
  ['filter-output', 'filter', 'output', 0],
  ['nat-prerouting', 'nat', 'prerouting', -100],
  ['nat-output', 'nat', 'output', -100],
  ['nat-postrouting', 'nat', 'postrouting', 100],
];

type JumpChain = readonly [destination: string, source: string, match: string];
/** nftablesJumpChains: [destination, source, match]. */
const JUMP_CHAINS: ReadonlyArray<JumpChain> = [
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
const JUMP_CHAINS_V137: ReadonlyArray<JumpChain> = [
  ...JUMP_CHAINS.slice(0, 4),
  ['firewall-check', 'filter-prerouting-pre-dnat', 'ct state new'],
  ['firewall-check', 'filter-output-pre-dnat', 'ct state new'],
  ...JUMP_CHAINS.slice(6, 10),
  ['cluster-ips-check', 'filter-output', 'ct state new'],
];

/**
 * Which upstream proxier the rules follow. 'v1.33': the 1.33/1.34 layout (per-endpoint chains, a
 * `mark-for-masquerade` chain, `filter-output-post-dnat`), as in the corpus test vector and k3s dump.
 * 'v1.37': the layout the kube-lab's real v1.37.2 kube-proxy writes (DNAT through a `numgen` map
 * without endpoint chains unless the service has ClientIP affinity, inline masquerade marks, the
 * off-cluster ClusterIP masquerade in `services`, a `hairpin-connections` set of local endpoints,
 * `filter-*-pre-dnat` base chains).
 */
export type NftablesLayout = 'v1.33' | 'v1.37';

/** Quotes a comment for nft. */
const quoted = (text: string): string => `"${text}"`;

/** Writes a transaction; chains are declared once (ensureChain). */
export class Tx {
  readonly lines: string[] = [];
  private readonly chains = new Set<string>();
  /** The proxier's family: `table ip kube-proxy` (default) or `table ip6 kube-proxy`. */
  readonly f: FamilyWords;
  /** How a packet gets the masquerade mark: a jump (v1.33) or the statement itself (v1.37). */
  readonly markMasq: string;
  readonly layout: NftablesLayout;
  constructor(family: 4 | 6 = 4, layout: NftablesLayout = 'v1.33') {
    this.f = familyWords(family);
    this.layout = layout;
    this.markMasq = layout === 'v1.37' ? `mark set mark or ${MASQUERADE_MARK}` : 'jump mark-for-masquerade';
  }
  ensureChain(name: string): void {
    if (this.chains.has(name)) return;
    this.chains.add(name);
    this.lines.push(`add chain ${this.f.table} ${name}`);
  }
  rule(chain: string, rule: string, comment?: string): void {
    this.lines.push(`add rule ${this.f.table} ${chain} ${rule}${comment ? ` comment ${quoted(comment)}` : ''}`);
  }
  element(container: string, key: string, value?: string, comment?: string): void {
    const c = comment ? ` comment ${quoted(comment)}` : '';
    this.lines.push(`add element ${this.f.table} ${container} { ${key}${c}${value ? ` : ${value}` : ''} }`);
  }
  raw(line: string): void {
    this.lines.push(line);
  }
}

/** Table, base chains, jumps, helper chains and the empty maps/sets every sync starts from. */
export function setup(tx: Tx, input: KubeProxyInput): void {
  const { table, ip, addr } = tx.f;
  const v137 = tx.layout === 'v1.37';
  tx.raw(`add table ${table} { comment ${quoted('rules for kube-proxy')} ; }`);
  for (const [name, type, hook, priority] of v137 ? BASE_CHAINS_V137 : BASE_CHAINS) {
    tx.raw(`add chain ${table} ${name} { type ${type} hook ${hook} priority ${priority} ; }`);
  }
  for (const [dst, src, match] of v137 ? JUMP_CHAINS_V137 : JUMP_CHAINS) {
    tx.ensureChain(dst);
    tx.rule(src, `${match ? `${match} ` : ''}jump ${dst}`);
  }
  if (v137) {
    for (const c of ['services', 'cluster-ips-check', 'masquerading']) tx.ensureChain(c);
    tx.raw(`add set ${table} hairpin-connections { type ${addr} . ${addr} . inet_proto . inet_service ; comment ${quoted('service hairpin connections')} ; }`);
    tx.rule('masquerading', `mark and ${MASQUERADE_MARK} != 0 mark set mark xor ${MASQUERADE_MARK} masquerade fully-random`);
    tx.rule('masquerading', `ct status dnat ${ip} saddr . ${ip} daddr . meta l4proto . th dport @hairpin-connections masquerade fully-random`);
  } else {
    for (const c of ['services', 'cluster-ips-check', 'masquerading', 'mark-for-masquerade']) tx.ensureChain(c);
    tx.rule('mark-for-masquerade', `mark set mark or ${MASQUERADE_MARK}`);
    tx.rule('masquerading', `mark and ${MASQUERADE_MARK} == 0 return`);
    tx.rule('masquerading', `mark set mark xor ${MASQUERADE_MARK}`);
    tx.rule('masquerading', 'masquerade fully-random');
  }

  tx.raw(`add set ${table} cluster-ips { type ${addr} ; comment ${quoted('Active ClusterIPs')} ; }`);
  tx.rule('cluster-ips-check', `${ip} daddr @cluster-ips reject`, 'Reject traffic to invalid ports of ClusterIPs');
  const serviceCIDRs = input.serviceCIDRs.filter((c) => ipaddr.parseCIDR(c)[0].kind() === (ip === 'ip6' ? 'ipv6' : 'ipv4'));
  if (serviceCIDRs.length > 0) tx.rule('cluster-ips-check', `${ip} daddr { ${serviceCIDRs.join(',')} } drop`, 'Drop traffic to unallocated ClusterIPs');

  // --nodeport-addresses defaults to "primary" in nftables mode: the node's own IPs, never loopback.
  tx.raw(`add set ${table} nodeport-ips { type ${addr} ; comment ${quoted('IPs that accept NodePort traffic')} ; }`);
  for (const a of input.nodeIPs) if (ipaddr.isValid(a) && ipaddr.parse(a).kind() === (ip === 'ip6' ? 'ipv6' : 'ipv4') && ipaddr.parse(a).range() !== 'loopback') tx.element('nodeport-ips', a);

  tx.raw(`add map ${table} no-endpoint-services { type ${addr} . inet_proto . inet_service : verdict ; comment ${quoted('vmap to drop or reject packets to services with no endpoints')} ; }`);
  tx.raw(`add map ${table} no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment ${quoted('vmap to drop or reject packets to service nodeports with no endpoints')} ; }`);
  tx.raw(`add chain ${table} reject-chain { comment ${quoted('helper for @no-endpoint-services / @no-endpoint-nodeports')} ; }`);
  tx.rule('reject-chain', 'reject');
  tx.rule('service-endpoints-check', `${ip} daddr . meta l4proto . th dport vmap @no-endpoint-services`);
  tx.rule('nodeport-endpoints-check', `${ip} daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports`);

  tx.raw(`add map ${table} firewall-ips { type ${addr} . inet_proto . inet_service : verdict ; comment ${quoted('destinations that are subject to LoadBalancerSourceRanges')} ; }`);
  tx.ensureChain('firewall-check');
  tx.rule('firewall-check', `${ip} daddr . meta l4proto . th dport vmap @firewall-ips`);

  tx.raw(`add map ${table} service-ips { type ${addr} . inet_proto . inet_service : verdict ; comment ${quoted('ClusterIP, ExternalIP and LoadBalancer IP traffic')} ; }`);
  tx.raw(`add map ${table} service-nodeports { type inet_proto . inet_service : verdict ; comment ${quoted('NodePort traffic')} ; }`);
  if (v137 && input.masqueradeAll) tx.rule('services', `${ip} daddr @cluster-ips ${tx.markMasq}`, 'masquerade all clusterIP traffic');
  else if (v137 && input.clusterCIDR) tx.rule('services', `${ip} daddr @cluster-ips ${ip} saddr != ${input.clusterCIDR} ${tx.markMasq}`, 'masquerade clusterIP traffic from outside cluster');
  tx.rule('services', `${ip} daddr . meta l4proto . th dport vmap @service-ips`);
  tx.rule('services', `${ip} daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`);
}
