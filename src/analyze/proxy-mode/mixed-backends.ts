/**
 * kube-proxy's rules in both iptables backends on one node: iptables-legacy and iptables-nft tables hook at the same
 * priorities, so both run, and for each hook the one hooked last runs first (src/sim/hook-order.ts). After a backend
 * switch the stale set can keep sending service traffic to endpoints that are gone. Shared by `proxy-mode` (from the
 * node's signals) and `trace` (from the node model), so both say the same.
 */
export interface MixedBackends {
  node: string;
  /** KUBE-SERVICES rules per backend. */
  legacyRules: number;
  nftRules: number;
  /** The backend kubelet uses (its canary chains), when known. */
  inUse?: 'legacy' | 'nf_tables';
}

const name = (b: 'legacy' | 'nf_tables'): string => (b === 'legacy' ? 'iptables-legacy' : 'iptables-nft');

export function mixedBackendsMessage(m: MixedBackends): string {
  const stale = m.inUse ? `; kubelet uses ${name(m.inUse)}, so the ${name(m.inUse === 'legacy' ? 'nf_tables' : 'legacy')} rules are likely left from before a switch` : '';
  return `${m.node} holds kube-proxy rules in both iptables backends (KUBE-SERVICES: ${m.legacyRules} rules in iptables-legacy, ${m.nftRules} in iptables-nft): the kernel runs both at the same hooks, the one hooked last first, and the first DNAT wins${stale}`;
}

export function mixedBackendsSteps(node: string): string[] {
  return [
    `on node ${node}: iptables-legacy-save -c -t nat | grep KUBE-SEP; iptables-nft-save -c -t nat | grep KUBE-SEP (the counters show which set sees the traffic)`,
    'remove the stale set (kube-proxy --cleanup run with that backend, or iptables-legacy -t nat -F / -X), or drain and reboot the node',
  ];
}
