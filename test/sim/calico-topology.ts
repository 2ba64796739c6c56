/**
 * Two Calico-shaped nodes joined by IP-in-IP (routes as in corpus iproute/real-calico-ipip-node-ip-route-show.txt: pods
 * on /32 `dev caliX scope link` routes, the own IPAM block blackholed, remote blocks `via NODE dev tunl0 onlink`, tunl0
 * `ipip remote any local any` with an address of the block). Shared by the walker and renderer tests.
 */
import type { Link, NodeModel, Route } from '../../src/model/node.js';
import type { Ruleset } from '../../src/model/netfilter.js';
import { makeWorld, newPacket, simulate, type Branch } from '../../src/sim/index.js';
import { podIngress } from '../../src/analyze/trace/ingress.js';
import { EMPTY_RULESET } from './topology.js';

export interface CalicoSpec {
  name: string;
  ip: string;
  block: string;
  tunnelAddr: string;
  pod: { name: string; ip: string; veth: string };
  peer: { ip: string; block: string };
}

export const A: CalicoSpec = { name: 'node-a', ip: '192.168.10.101', block: '10.122.36.64/26', tunnelAddr: '10.122.36.64', pod: { name: 'default/client', ip: '10.122.36.69', veth: 'cali08440ddce5b' }, peer: { ip: '192.168.10.100', block: '10.122.62.128/26' } };
export const B: CalicoSpec = { name: 'node-b', ip: '192.168.10.100', block: '10.122.62.128/26', tunnelAddr: '10.122.62.128', pod: { name: 'default/web', ip: '10.122.62.130', veth: 'cali3e3316659a6' }, peer: { ip: '192.168.10.101', block: '10.122.36.64/26' } };

export function calicoNode(s: CalicoSpec, ruleset: Ruleset = EMPTY_RULESET, tunnel: Partial<Link> = {}): NodeModel {
  const r = (x: Partial<Route> & { dst: string }): Route => ({ family: 4, table: 254, type: 'unicast', flags: [], ...x });
  return {
    name: s.name,
    links: [
      { index: 1, name: 'lo', kind: 'loopback', mtu: 65536, state: 'UNKNOWN', flags: ['LOOPBACK', 'UP'] },
      { index: 2, name: 'ens33', kind: 'device', mtu: 1500, state: 'UP', flags: ['UP'] },
      { index: 3, name: 'tunl0', kind: 'ipip', mtu: 1480, state: 'UNKNOWN', flags: ['NOARP', 'UP', 'LOWER_UP'], ipip: {}, ...tunnel },
      { index: 10, name: s.pod.veth, kind: 'veth', mtu: 1480, state: 'UP', flags: ['UP'] },
    ],
    addresses: [
      { ifname: 'lo', ifindex: 1, family: 4, local: '127.0.0.1', prefixlen: 8, scope: 'host' },
      { ifname: 'ens33', ifindex: 2, family: 4, local: s.ip, prefixlen: 24, scope: 'global' },
      { ifname: 'tunl0', ifindex: 3, family: 4, local: s.tunnelAddr, prefixlen: 32, scope: 'global' },
    ],
    rules: [],
    routes: [
      r({ dst: '0.0.0.0/0', gateway: '192.168.10.2', dev: 'ens33', protocol: 'static' }),
      r({ dst: s.block, type: 'blackhole', protocol: 'bird' }),
      r({ dst: `${s.pod.ip}/32`, dev: s.pod.veth, scope: 'link' }),
      r({ dst: s.peer.block, gateway: s.peer.ip, dev: 'tunl0', protocol: 'bird', flags: ['onlink'] }),
      r({ dst: '192.168.10.0/24', dev: 'ens33', scope: 'link', prefsrc: s.ip, protocol: 'kernel' }),
      r({ dst: '127.0.0.0/8', table: 255, type: 'local', dev: 'lo' }),
      r({ dst: `${s.ip}/32`, table: 255, type: 'local', dev: 'ens33' }),
      r({ dst: `${s.tunnelAddr}/32`, table: 255, type: 'local', dev: 'tunl0' }),
    ],
    neighbours: [],
    fdb: [],
    sysctl: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.rp_filter': '0' },
    ruleset,
    conntrack: [],
    ipvs: [],
    have: { addr: true, link: true, route: true, rule: true, neigh: true, fdb: true, sysctl: true, iptables: true, conntrack: true },
    warnings: [],
  };
}

/** client on node-a to web on node-b, TCP 8080. */
export function podToPod(nodes: NodeModel[]): Branch[] {
  const world = makeWorld(nodes, [A, B].map((s) => ({ name: s.pod.name, ips: [s.pod.ip], node: s.name })), { 'node-a': [A.ip], 'node-b': [B.ip] });
  const ing = podIngress(nodes[0]!, A.pod.ip, B.pod.ip);
  if (!ing.ok) throw new Error(ing.reason);
  return simulate(world, newPacket({ proto: 'tcp', saddr: A.pod.ip, daddr: B.pod.ip, dport: 8080 }), ing.start);
}
