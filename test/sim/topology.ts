/**
 * Hand-built node models for simulator tests: two flannel-shaped nodes (cni0 bridge, flannel.1 VXLAN
 * VNI 1 port 8472, eth0 underlay 172.18.0.0/16), with pods on veth bridge ports.
 */
import type { Link, NodeModel, Route, Address } from '../../src/model/node.js';
import type { Ruleset } from '../../src/model/netfilter.js';
import type { PodInfo } from '../../src/sim/world.js';

export interface NodeSpec {
  name: string;
  /** Underlay address (eth0). */
  ip: string;
  /** Third octet of 10.244.X.0/24. */
  subnet: number;
  pods: { name: string; ip: string; veth: string; mac: string }[];
  ruleset?: Ruleset;
  sysctl?: Record<string, string>;
}

export const EMPTY_RULESET: Ruleset = { tables: [], warnings: [] };

const vtepMac = (subnet: number): string => `7a:00:00:00:00:0${subnet}`;

export function flannelNode(spec: NodeSpec, peers: NodeSpec[]): NodeModel {
  const sub = `10.244.${spec.subnet}`;
  const links: Link[] = [
    { index: 1, name: 'lo', kind: 'loopback', mtu: 65536, state: 'UNKNOWN', flags: ['LOOPBACK', 'UP'] },
    { index: 2, name: 'eth0', kind: 'device', mtu: 1500, state: 'UP', flags: ['UP'] },
    { index: 3, name: 'flannel.1', kind: 'vxlan', mtu: 1450, state: 'UNKNOWN', flags: ['UP'], mac: vtepMac(spec.subnet), vxlan: { id: 1, port: 8472, local: spec.ip, dev: 'eth0', learning: false } },
    { index: 4, name: 'cni0', kind: 'bridge', mtu: 1450, state: 'UP', flags: ['UP'], mac: `02:00:00:00:0${spec.subnet}:01` },
    // The CNI bridge plugin with hairpinMode (flannel's default) turns hairpin on for every pod port.
    ...spec.pods.map((p, i): Link => ({ index: 10 + i, name: p.veth, kind: 'veth', mtu: 1450, state: 'UP', flags: ['UP'], master: 'cni0', bridgePort: { hairpin: true } })),
  ];
  const addresses: Address[] = [
    { ifname: 'lo', ifindex: 1, family: 4, local: '127.0.0.1', prefixlen: 8, scope: 'host' },
    { ifname: 'eth0', ifindex: 2, family: 4, local: spec.ip, prefixlen: 16, scope: 'global' },
    { ifname: 'flannel.1', ifindex: 3, family: 4, local: `${sub}.0`, prefixlen: 32, scope: 'global' },
    { ifname: 'cni0', ifindex: 4, family: 4, local: `${sub}.1`, prefixlen: 24, scope: 'global' },
  ];
  const r = (x: Partial<Route> & { dst: string }): Route => ({ family: 4, table: 254, type: 'unicast', flags: [], ...x });
  const routes: Route[] = [
    r({ dst: '0.0.0.0/0', gateway: '172.18.0.1', dev: 'eth0' }),
    r({ dst: '172.18.0.0/16', dev: 'eth0', scope: 'link', prefsrc: spec.ip, protocol: 'kernel' }),
    r({ dst: `${sub}.0/24`, dev: 'cni0', scope: 'link', prefsrc: `${sub}.1`, protocol: 'kernel' }),
    ...peers.map((p) => r({ dst: `10.244.${p.subnet}.0/24`, gateway: `10.244.${p.subnet}.0`, dev: 'flannel.1', flags: ['onlink'] })),
    r({ dst: '127.0.0.0/8', table: 255, type: 'local', dev: 'lo' }),
    r({ dst: '127.0.0.1/32', table: 255, type: 'local', dev: 'lo' }),
    r({ dst: `${spec.ip}/32`, table: 255, type: 'local', dev: 'eth0' }),
    r({ dst: `${sub}.0/32`, table: 255, type: 'local', dev: 'flannel.1' }),
    r({ dst: `${sub}.1/32`, table: 255, type: 'local', dev: 'cni0' }),
    r({ dst: `${sub}.255/32`, table: 255, type: 'broadcast', dev: 'cni0' }),
  ];
  return {
    name: spec.name,
    links,
    addresses,
    rules: [],
    routes,
    neighbours: [
      ...peers.map((p) => ({ dst: `10.244.${p.subnet}.0`, dev: 'flannel.1', lladdr: vtepMac(p.subnet), state: ['PERMANENT'] })),
      ...spec.pods.map((p) => ({ dst: p.ip, dev: 'cni0', lladdr: p.mac, state: ['REACHABLE'] })),
    ],
    fdb: [
      ...peers.map((p) => ({ mac: vtepMac(p.subnet), ifname: 'flannel.1', dst: p.ip, flags: ['self'], state: 'permanent' })),
      ...spec.pods.map((p) => ({ mac: p.mac, ifname: p.veth, master: 'cni0', flags: [] })),
    ],
    sysctl: spec.sysctl ?? { 'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': '1', 'net.ipv4.conf.all.rp_filter': '0' },
    ruleset: spec.ruleset ?? EMPTY_RULESET,
    conntrack: [],
    ipvs: [],
    have: { addr: true, link: true, route: true, rule: true, neigh: true, fdb: true, sysctl: true, iptables: true, conntrack: true },
    warnings: [],
  };
}

export const NODE_A: NodeSpec = {
  name: 'node-a',
  ip: '172.18.0.2',
  subnet: 0,
  pods: [
    { name: 'default/client', ip: '10.244.0.5', veth: 'veth-client', mac: '0a:00:00:00:00:05' },
    { name: 'default/web-a', ip: '10.244.0.6', veth: 'veth-weba', mac: '0a:00:00:00:00:06' },
  ],
};
export const NODE_B: NodeSpec = {
  name: 'node-b',
  ip: '172.18.0.3',
  subnet: 1,
  pods: [{ name: 'default/web-b', ip: '10.244.1.5', veth: 'veth-webb', mac: '0a:00:00:00:01:05' }],
};

export function podsOf(...specs: NodeSpec[]): PodInfo[] {
  return specs.flatMap((s) => s.pods.map((p) => ({ name: p.name, ips: [p.ip], node: s.name })));
}
