/**
 * IP-in-IP between two Calico-shaped nodes (routes as in corpus iproute/real-calico-ipip-node-ip-route-show.txt:
 * pods on /32 `dev caliX scope link` routes, the own IPAM block blackholed, remote blocks `via NODE dev tunl0 onlink`,
 * tunl0 `ipip remote any local any` with an address of the block). The kernel on this machine has no ipip module, so
 * the expectations follow ip_tunnel_xmit / ipip_rcv as documented in the simulator (src/sim/ipip.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Link, NodeModel, Route } from '../../src/model/node.js';
import type { Ruleset } from '../../src/model/netfilter.js';
import { parseIptablesSave } from '../../src/parse/netfilter/iptables-save.js';
import { parseIpLink } from '../../src/parse/iproute/link.js';
import { makeWorld, newPacket, simulate, type Branch, type Step } from '../../src/sim/index.js';
import { podIngress } from '../../src/analyze/trace/ingress.js';
import { EMPTY_RULESET } from './topology.js';

interface CalicoSpec {
  name: string;
  ip: string;
  block: string;
  tunnelAddr: string;
  pod: { name: string; ip: string; veth: string };
  peer: { ip: string; block: string };
}

const A: CalicoSpec = { name: 'node-a', ip: '192.168.10.101', block: '10.122.36.64/26', tunnelAddr: '10.122.36.64', pod: { name: 'default/client', ip: '10.122.36.69', veth: 'cali08440ddce5b' }, peer: { ip: '192.168.10.100', block: '10.122.62.128/26' } };
const B: CalicoSpec = { name: 'node-b', ip: '192.168.10.100', block: '10.122.62.128/26', tunnelAddr: '10.122.62.128', pod: { name: 'default/web', ip: '10.122.62.130', veth: 'cali3e3316659a6' }, peer: { ip: '192.168.10.101', block: '10.122.36.64/26' } };

function calicoNode(s: CalicoSpec, ruleset: Ruleset = EMPTY_RULESET, tunnel: Partial<Link> = {}): NodeModel {
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

function podToPod(nodes: NodeModel[]): Branch[] {
  const world = makeWorld(nodes, [A, B].map((s) => ({ name: s.pod.name, ips: [s.pod.ip], node: s.name })), { 'node-a': [A.ip], 'node-b': [B.ip] });
  const ing = podIngress(nodes[0]!, A.pod.ip, B.pod.ip);
  if (!ing.ok) throw new Error(ing.reason);
  return simulate(world, newPacket({ proto: 'tcp', saddr: A.pod.ip, daddr: B.pod.ip, dport: 8080 }), ing.start);
}

const steps = (b: Branch): Step[] => b.hops.flatMap((h) => h.steps);
const filterInput = (rules: string[]): Ruleset => parseIptablesSave(['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ...rules, 'COMMIT', ''].join('\n'), { source: 'test', family: 'ip', origin: 'iptables-nft' });

describe('IPIP (Calico tunl0)', () => {
  it('pod to pod across nodes: wrapped towards the route\'s next hop, unwrapped by tunl0, delivered without NAT', () => {
    const b = podToPod([calicoNode(A), calicoNode(B)]);
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ disposition: 'delivered', endpoint: { ip: B.pod.ip, pod: B.pod.name, node: 'node-b' } });
    const s = steps(b[0]!);
    const encap = s.find((x) => x.kind === 'encap')!;
    expect(encap.detail).toMatchObject({ tunnel: 'ipip', outerDst: B.ip });
    // The outer packet: protocol 4 from the address the route to node-b picks (ens33's).
    expect(encap.packetAfter).toMatchObject({ proto: 'ipencap', daddr: B.ip });
    const sent = s.find((x) => x.kind === 'route' && x.packetBefore?.proto === 'ipencap')!;
    expect(sent.packetBefore?.saddr).toBe(A.ip);
    expect(s.find((x) => x.kind === 'decap')).toMatchObject({ detail: { tunnel: 'ipip', dev: 'tunl0' } });
    expect(b[0]!.hops.map((h) => h.node)).toEqual(['node-a', 'node-b']);
    expect(b[0]!.final).toMatchObject({ saddr: A.pod.ip, daddr: B.pod.ip, dport: 8080 });
  });

  it('netfilter on the receiving node sees protocol 4 (`-p ipv4`, as Calico writes it) before decapsulation', () => {
    const drop = filterInput(['-A INPUT -p ipv4 -j DROP']);
    const dropped = podToPod([calicoNode(A), calicoNode(B, drop)]);
    expect(dropped[0]).toMatchObject({ disposition: 'dropped' });
    expect(steps(dropped[0]!).some((x) => x.chain === 'INPUT' && x.verdict === 'drop' && /-p ipv4/.test(x.rule ?? ''))).toBe(true);
    const allowFromNodes = filterInput([`-A INPUT -p ipv4 -s ${A.ip}/32 -j ACCEPT`, '-A INPUT -p ipv4 -j DROP']);
    expect(podToPod([calicoNode(A), calicoNode(B, allowFromNodes)])[0]).toMatchObject({ disposition: 'delivered' });
  });

  it('no up IPIP device on the receiving node: the tunnel packet is dropped there', () => {
    const b = podToPod([calicoNode(A), calicoNode(B, EMPTY_RULESET, { flags: ['NOARP'], state: 'DOWN' })]);
    expect(b[0]).toMatchObject({ disposition: 'dropped' });
    expect(b[0]!.reason).toMatch(/no up IPIP tunnel/);
  });

  it('a point-to-point tunnel sends to its remote, not to the route\'s next hop', () => {
    const b = podToPod([calicoNode(A, EMPTY_RULESET, { ipip: { remote: B.ip, local: A.ip } }), calicoNode(B, EMPTY_RULESET, { ipip: { remote: A.ip, local: B.ip } })]);
    expect(b[0]).toMatchObject({ disposition: 'delivered' });
    expect(steps(b[0]!).find((x) => x.kind === 'encap')?.detail).toMatchObject({ outerDst: B.ip, evidence: `the tunnel's remote ${B.ip}` });
  });
});

describe('ip -d link: ipip details', () => {
  it('JSON and text forms: `any` ends are left unset', () => {
    const json = JSON.stringify([
      { ifindex: 3, ifname: 'tunl0', flags: ['NOARP', 'UP', 'LOWER_UP'], mtu: 1480, operstate: 'UNKNOWN', link_type: 'ipip', linkinfo: { info_kind: 'ipip', info_data: { proto: 'ipip', remote: 'any', local: 'any', ttl: 0, pmtudisc: false } } },
      { ifindex: 4, ifname: 'ipip-p2p', flags: ['POINTOPOINT', 'NOARP', 'UP'], mtu: 1480, operstate: 'UNKNOWN', link_type: 'ipip', link: 'eth0', linkinfo: { info_kind: 'ipip', info_data: { proto: 'ipip', remote: '192.0.2.2', local: '192.0.2.1', link: 'eth0', ttl: 64, pmtudisc: true } } },
    ]);
    const links = parseIpLink(json, { source: 'test' }).value;
    expect(links.map((l) => [l.kind, l.ipip])).toEqual([
      ['ipip', {}],
      ['ipip', { local: '192.0.2.1', remote: '192.0.2.2', dev: 'eth0' }],
    ]);
    const text = '3: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n    link/ipip 0.0.0.0 brd 0.0.0.0 promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 \n    ipip ipip remote any local any ttl inherit nopmtudisc addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535\n';
    expect(parseIpLink(text, { source: 'test' }).value.map((l) => [l.name, l.kind, l.ipip])).toEqual([['tunl0', 'ipip', {}]]);
  });
});
