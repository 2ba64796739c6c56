/**
 * Loads the IPv6 half of a dual-stack lab into its nodes: kube-proxy's IPv6 proxier rules
 * (ip6tables-restore in iptables mode, `table ip6 kube-proxy` in nftables mode) and flanneld's IPv6
 * masquerade rules.
 */
import { flannelRules, type Lab } from './build.js';
import { inNs, run } from './exec.js';
import { kubeProxyInput6 } from './ipv6.js';
import { renderIptables } from './kube-proxy/iptables.js';
import { renderNftables } from './kube-proxy/nftables.js';
import { CLUSTER_CIDR6 } from './spec.js';

/** Renders and loads the IPv6 proxier's rules on every node: ip6tables (iptables mode) or `table ip6 kube-proxy` (nftables mode). */
export async function loadKubeProxy6(lab: Lab, deletedPods?: ReadonlySet<string>): Promise<void> {
  for (const node of lab.plan.nodes) {
    const ns = lab.nodeNs(node.name);
    const input = kubeProxyInput6(lab.plan, node, deletedPods);
    if (lab.spec.proxyMode === 'iptables') {
      // Full tables, like the IPv4 restore; the nfacct counters were created for the IPv4 rules (they are family-less).
      await run(inNs(ns, ['ip6tables-restore']), { input: renderIptables(input) });
    } else {
      // The rendered file starts with add + delete of its table, so a reload replaces it.
      await run(inNs(ns, ['nft', '-f', '-']), { input: renderNftables(input) });
    }
  }
}

/** flanneld's IPv6 masquerade rules (ip6tables): the IPv4 ones with the IPv6 CIDRs and ff00::/8 for multicast. */
const flannelRules6 = (clusterCidr6: string, podCIDR6: string): string =>
  flannelRules(clusterCidr6, podCIDR6).replace('! -d 224.0.0.0/4', '! -d ff00::/8');

export async function loadFlannelMasquerade6(lab: Lab): Promise<void> {
  if (lab.spec.podMasquerade === false) return;
  for (const n of lab.plan.nodes) {
    if (!n.podCIDR6) continue;
    await run(inNs(lab.nodeNs(n.name), ['ip6tables-restore', '--noflush']), { input: flannelRules6(CLUSTER_CIDR6, n.podCIDR6) });
  }
}
