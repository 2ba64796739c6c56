/**
 * nftables-mode kube-proxy rules for one node, as `nft -f` input (the knftables transaction text).
 * Mirrors setupNFTables() and syncProxyRules() in kubernetes pkg/proxy/nftables/proxier.go (1.33/1.34
 * layout: filter chains at dstnat-10, filter-output-post-dnat, cluster-ips-check, nodeport-ips from
 * the node's primary IPs). One family per call: `table ip kube-proxy`, or `table ip6 kube-proxy` with
 * `input.family` 6 (upstream's ipX/ipvX_addr). See README.md for what is simplified.
 */
import { setup, Tx, type NftablesLayout } from './nftables-setup.js';
import { writeServicePort } from './nftables-service.js';
import { planServicePorts } from './plan.js';
import type { KubeProxyInput } from './types.js';

export interface NftablesRenderOptions {
  /**
   * Start with `add table` + `delete table` so the file replaces an earlier load (kube-proxy achieves
   * the same with add+delete of its base chains and flushes). Default true.
   */
  replace?: boolean;
  /** The upstream proxier whose layout to write (see NftablesLayout). Default 'v1.33'. */
  layout?: NftablesLayout;
}

/** The `nft -f` input kube-proxy's transaction amounts to on `input.nodeName`. */
export function renderNftables(input: KubeProxyInput, options: NftablesRenderOptions = {}): string {
  const tx = new Tx(input.family, options.layout);
  if (options.replace ?? true) {
    tx.raw(`add table ${tx.f.table}`);
    tx.raw(`delete table ${tx.f.table}`);
  }
  setup(tx, input);
  for (const plan of planServicePorts(input)) writeServicePort(tx, input, plan);
  return `${tx.lines.join('\n')}\n`;
}
