/** What the netfilter parse bench needs, compiled by bench/parse-netfilter/tsconfig.json. */
export { parseIptablesSave } from '../../src/parse/netfilter/iptables-save.js';
export { parseNftJson } from '../../src/parse/netfilter/nft-json.js';
export { renderIptables } from '../../test/lab/kube-proxy/iptables.js';
export { syntheticServices } from '../../test/lab/kube-proxy/synthetic.js';
