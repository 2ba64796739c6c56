/**
 * The parsers proxy-mode reads dumps and configs with. Some are stand-ins (./fallback/) until the
 * real parsers land; this file is the one place to swap them.
 */
export { parseIptablesSave } from '../../parse/netfilter/iptables-save.js';
export { parseNftJson } from './fallback/nft-json.js';
export { parseIpLink } from '../../parse/iproute/link.js';
export { parseIpvs } from '../../parse/ipvs.js';
export { parseKubeProxyConfig, flagValue, type KubeProxyConfigDoc } from './fallback/kube-proxy-config.js';
