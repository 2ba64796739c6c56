/**
 * kube-proxy iptables mode on the simulator tests' two flannel nodes: the shared test services rendered as kube-proxy
 * writes them (test/lab/kube-proxy/iptables.ts) and read by netx's iptables-save parser.
 */
import type { NodeModel } from '../../src/model/node.js';
import { parseIptablesSave } from '../../src/parse/netfilter/iptables-save.js';
import { renderIptables } from '../lab/kube-proxy/iptables.js';
import { twoNodes } from './harness.js';
import { SERVICES } from './kube-proxy-cases.js';

/** One node's kube-proxy rules, as its iptables-save would show them. */
export const iptablesRuleset = (node: string, ip: string) => parseIptablesSave(renderIptables(SERVICES(node, ip)), { source: `iptables ${node}`, family: 'ip', origin: 'iptables-nft' });

/** Both nodes in iptables mode; `tweak` changes each model (node-a first) before it is used. */
export const iptablesNodes = (tweak?: (n: NodeModel) => void): NodeModel[] =>
  twoNodes({ 'node-a': iptablesRuleset('node-a', '172.18.0.2'), 'node-b': iptablesRuleset('node-b', '172.18.0.3') }, tweak);
