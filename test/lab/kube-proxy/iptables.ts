/**
 * iptables-mode kube-proxy rules for one node, as iptables-restore input.
 * Mirrors syncProxyRules() in kubernetes pkg/proxy/iptables/proxier.go (1.31–1.34 layout):
 * same chains, rule order, argument order and comment texts, so `iptables-save` after loading
 * looks like a real kube-proxy node. One family per call (`input.family`, default IPv4). See README.md for what is simplified.
 */
import {
  assemble, KUBE_FIREWALL, KUBE_FORWARD, KUBE_MARK_MASQ, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_SERVICES,
  KUBE_EXTERNAL_SERVICES, KUBE_PROXY_FIREWALL, LARGE_CLUSTER_ENDPOINTS, MASQUERADE_MARK, NFACCT_COUNTERS, quoted,
  Table, type Ctx,
} from './iptables-chains.js';
import { writeServicePort } from './iptables-service.js';
import { planServicePorts } from './plan.js';
import type { KubeProxyInput } from './types.js';

export { NFACCT_COUNTERS, probability } from './iptables-chains.js';

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

/** The iptables-restore input kube-proxy would load on `input.nodeName`. */
export function renderIptables(input: KubeProxyInput, options: IptablesRenderOptions = {}): string {
  const plans = planServicePorts(input);
  const totalEndpoints = plans.reduce((n, p) => n + p.service.endpoints.length, 0);
  const ctx: Ctx = {
    input,
    filter: new Table(),
    nat: new Table(),
    largeCluster: totalEndpoints > LARGE_CLUSTER_ENDPOINTS,
    // NewDualStackProxier passes localhostNodePorts=false to the IPv6 proxier.
    localhostNodePorts: input.family === 6 ? false : (input.localhostNodePorts ?? true),
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

function writeTail(ctx: Ctx): void {
  const { filter, nat } = ctx;
  // nodePortAddresses unset (iptables mode's default) means MatchAll.
  nat.rule(
    '-A', KUBE_SERVICES, '-m comment --comment', quoted('kubernetes service nodeports; NOTE: this must be the last rule in this chain'),
    // "For IPv6 they never work": the IPv6 proxier always excludes ::1.
    '-m addrtype --dst-type LOCAL', ctx.input.family === 6 ? '! -d ::1/128' : !ctx.localhostNodePorts && '! -d 127.0.0.0/8', '-j', KUBE_NODEPORTS,
  );
  // nf_conntrack_tcp_be_liberal is assumed off, as on a default node.
  filter.rule('-A', KUBE_FORWARD, '-m conntrack --ctstate INVALID', ctx.nfacct && `-m nfacct --nfacct-name ${NFACCT_COUNTERS[0]}`, '-j DROP');
  filter.rule('-A', KUBE_FORWARD, '-m comment --comment', quoted('kubernetes forwarding rules'), '-m mark --mark', `${MASQUERADE_MARK}/${MASQUERADE_MARK}`, '-j ACCEPT');
  filter.rule('-A', KUBE_FORWARD, '-m comment --comment', quoted('kubernetes forwarding conntrack rule'), '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
}
