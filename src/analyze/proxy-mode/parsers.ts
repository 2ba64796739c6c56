/**
 * The parsers proxy-mode reads dumps and configs with, all from src/parse/ so that proxy-mode reads a dump
 * the way trace does. One place to see what is read how.
 */
export { parseIptablesSave } from '../../parse/netfilter/iptables-save.js';
export { parseNftJson } from '../../parse/netfilter/nft-json.js';
export { ruleCount } from '../../parse/netfilter/on-use-chain.js';
export { parseIpLink } from '../../parse/iproute/link.js';
export { parseIpvs } from '../../parse/ipvs.js';
export { parseKubeProxySource, parseKubeProxyConfigz } from '../../parse/kube-proxy-config.js';
export { parseKubeProxyArgs } from '../../parse/kube-proxy-flags.js';
export { detectIptablesOrigin } from '../../parse/iptables-origin.js';
