/**
 * Building blocks of the iptables renderer: kube-proxy's chain names, the base-chain jumps, the line
 * buffers (upstream's LineBuffers) and the final iptables-restore assembly.
 */
import type { KubeProxyInput } from './types.js';

/** nfacct objects the rules reference (metrics.IPTablesCTStateInvalidDroppedNFAcctCounter, LocalhostNodePortAcceptedNFAcctCounter). */
export const NFACCT_COUNTERS = ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts'] as const;

/** kube-proxy's default --masquerade-bit 14, printed with %#08x. */
export const MASQUERADE_MARK = '0x4000';

/** Upstream switches to "large cluster mode" (fewer comments) above this many endpoints. */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

/** kube-proxy's fixed chain names (proxier.go constants). */
export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
export const KUBE_FIREWALL = 'KUBE-FIREWALL';
const KUBE_PROXY_CANARY = 'KUBE-PROXY-CANARY';

/**
 * Rules (without `-A CHAIN`) kube-proxy and kubelet put in builtin chains, per table, in the order a node
 * lists them; for `--noflush` loading append them with `-A` (or `iptables -t T -A CHAIN …`).
 */
const FILTER_JUMPS: ReadonlyArray<readonly [chain: string, rule: string]> = [
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
const NAT_JUMPS: ReadonlyArray<readonly [chain: string, rule: string]> = [
  ['PREROUTING', `-m comment --comment "kubernetes service portals" -j ${KUBE_SERVICES}`],
  ['OUTPUT', `-m comment --comment "kubernetes service portals" -j ${KUBE_SERVICES}`],
  ['POSTROUTING', `-m comment --comment "kubernetes postrouting rules" -j ${KUBE_POSTROUTING}`],
];

/** Accumulates lines like upstream's LineBuffers: chain declarations and rules kept apart. */
export class Table {
  readonly chains: string[] = [];
  readonly rules: string[] = [];
  chain(name: string): void {
    this.chains.push(`:${name} - [0:0]`);
  }
  rule(...parts: Array<string | false | undefined>): void {
    this.rules.push(parts.filter((p): p is string => typeof p === 'string' && p !== '').join(' '));
  }
}

/** Rendering state shared by the iptables writers. */
export interface Ctx {
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

/** Quotes a multi-word comment the way upstream's restore input does. */
export const quoted = (text: string): string => `"${text}"`;

/** The restore text: mangle canary (with base chains), then filter and nat as upstream orders them. */
export function assemble(ctx: Ctx, baseChains: boolean): string {
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
