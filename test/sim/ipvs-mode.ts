/**
 * kube-proxy ipvs mode on the simulator tests' two flannel nodes, as the node's own dumps would show it: the lab's
 * ipvs-mode renderer (test/lab/kube-proxy/ipvs.ts: kube-proxy's iptables rules, ipsets and virtual servers for the
 * shared test services) read through netx's own parsers, kubelet's KUBE-FIREWALL, and every service address on the
 * dummy link kube-ipvs0 with its route in the local table. The kernel here has no IPVS, so these tests rest on the
 * kernel's documented hook order, not on a lab run.
 */
import type { NodeModel } from '../../src/model/node.js';
import { parseIptablesSave } from '../../src/parse/netfilter/iptables-save.js';
import { parseIpsetSave } from '../../src/parse/netfilter/ipset.js';
import { parseIpvs } from '../../src/parse/ipvs.js';
import { renderIpvsMode } from '../lab/kube-proxy/ipvs.js';
import type { KubeProxyInput } from '../lab/kube-proxy/types.js';
import { SERVICES } from './kube-proxy-cases.js';
import { flannelNode, NODE_A, NODE_B, type NodeSpec } from './topology.js';

/** The shared services, with web also a NodePort (30080). */
function ipvsServices(node: string, nodeIP: string): KubeProxyInput {
  const input = SERVICES(node, nodeIP);
  return { ...input, services: input.services.map((s) => (s.name === 'web' ? { ...s, type: 'NodePort' as const, ports: s.ports.map((p) => ({ ...p, nodePort: 30080 })) } : s)) };
}

/** kubelet's filter KUBE-FIREWALL, as on every node (kube-proxy's ipvs mode does not write it), appended to the filter table. */
function withKubeletFirewall(save: string): string {
  const head = ':KUBE-FIREWALL - [0:0]';
  const rules = [
    '-A INPUT -j KUBE-FIREWALL',
    '-A OUTPUT -j KUBE-FIREWALL',
    '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
  ];
  const [nat, filter] = save.split('*filter\n');
  return `${nat}*filter\n${filter!.replace(':OUTPUT ACCEPT [0:0]\n', `:OUTPUT ACCEPT [0:0]\n${head}\n`).replace(/COMMIT\n$/, `${rules.join('\n')}\nCOMMIT\n`)}`;
}

/** A flannel node in kube-proxy ipvs mode for `input`. */
function ipvsNode(spec: NodeSpec, peers: NodeSpec[], input = ipvsServices(spec.name, spec.ip)): NodeModel {
  const state = renderIpvsMode(input);
  const ruleset = parseIptablesSave(withKubeletFirewall(state.iptables), { source: `iptables ${spec.name}`, family: 'ip', origin: 'iptables-nft' });
  ruleset.ipsets = parseIpsetSave(state.ipset, { source: `ipset ${spec.name}` });
  const n = flannelNode({ ...spec, ruleset }, peers);
  n.ipvs = parseIpvs(state.ipvsadm, { source: `ipvs ${spec.name}` }).value;
  n.links.push({ index: 50, name: 'kube-ipvs0', kind: 'dummy', mtu: 1500, state: 'DOWN', flags: ['BROADCAST', 'NOARP'] });
  for (const ip of state.dummyAddresses) {
    n.addresses.push({ ifname: 'kube-ipvs0', ifindex: 50, family: 4, local: ip, prefixlen: 32, scope: 'global' });
    n.routes.push({ family: 4, table: 255, type: 'local', dst: `${ip}/32`, dev: 'kube-ipvs0', scope: 'host', prefsrc: ip, protocol: 'kernel', flags: [] });
  }
  n.have = { ...n.have, ipvs: true, ipset: true };
  return n;
}

export const ipvsNodes = (): NodeModel[] => [ipvsNode(NODE_A, [NODE_B]), ipvsNode(NODE_B, [NODE_A])];
