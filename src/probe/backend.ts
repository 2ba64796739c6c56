/**
 * Which iptables backend the node's kube-proxy uses, decided like iptables-wrappers (facts §8):
 * kubelet's canary chains in `iptables-nft-save -t mangle` first, then in `iptables-legacy-save
 * -t mangle`; neither → nf_tables (the wrapper's fallback, and the default of current distributions).
 */
import type { DumpResult } from '../snapshot/types.js';
import type { IptablesBackend } from './catalogue.js';

/** kubelet creates these chains in mangle with the backend it uses. */
const KUBELET_CANARY_CHAINS: readonly string[] = ['KUBE-IPTABLES-HINT', 'KUBE-KUBELET-CANARY'];

export interface BackendChoice {
  backend: IptablesBackend;
  /** Why, in words, for the snapshot and the report. */
  evidence: string;
  /** false: no canary anywhere, the fallback applied. */
  certain: boolean;
}

const canaryIn = (d: DumpResult | undefined): string | undefined => {
  if (!d || d.exitCode !== 0) return undefined;
  return KUBELET_CANARY_CHAINS.find((c) => new RegExp(`^:${c} `, 'm').test(d.stdout));
};

/** Decides from the two mangle dumps (either may have failed: a missing tool is no evidence). */
export function chooseIptablesBackend(nftMangle: DumpResult | undefined, legacyMangle: DumpResult | undefined): BackendChoice {
  const nft = canaryIn(nftMangle);
  if (nft) return { backend: 'nf_tables', evidence: `${nft} chain in iptables-nft-save -t mangle`, certain: true };
  const legacy = canaryIn(legacyMangle);
  if (legacy) return { backend: 'legacy', evidence: `${legacy} chain in iptables-legacy-save -t mangle`, certain: true };
  return { backend: 'nf_tables', evidence: 'no KUBE-IPTABLES-HINT or KUBE-KUBELET-CANARY chain in either backend: nf_tables assumed (iptables-wrappers fallback)', certain: false };
}
