/** IPv6: the same walk (inet table, ip6 payload, v6 routes and NAT) on a one-node model. */
import { describe, expect, it } from 'vitest';
import type { NodeModel } from '../../src/model/node.js';
import type { Expr, Ruleset } from '../../src/model/netfilter.js';
import { makeWorld, newPacket, simulate } from '../../src/sim/index.js';

const daddr6 = (a: string): Expr => ({ kind: 'match', left: { kind: 'payload', protocol: 'ip6', field: 'daddr' }, op: '==', right: { kind: 'addr', value: a } });
const ruleset: Ruleset = {
  warnings: [],
  tables: [
    {
      family: 'inet',
      name: 'lb',
      origin: 'nft',
      sets: [],
      chains: [
        {
          name: 'pre',
          base: { type: 'nat', hook: 'prerouting', priority: -100, policy: 'accept' },
          rules: [{ index: 0, handle: 4, text: 'ip6 daddr fd00:96::10 dnat ip6 to [fd00:244::6]:8080', exprs: [daddr6('fd00:96::10'), { kind: 'nat', type: 'dnat', family: 'ip6', addr: 'fd00:244::6', port: 8080 }] }],
        },
        // An ip-family-only rule must not see IPv6 packets.
        { name: 'v4only', base: { type: 'filter', hook: 'forward', priority: 0, policy: 'accept' }, rules: [{ index: 0, text: 'ip saddr 0.0.0.0/0 drop', exprs: [{ kind: 'match', left: { kind: 'payload', protocol: 'ip', field: 'saddr' }, op: '==', right: { kind: 'prefix', addr: '0.0.0.0', len: 0 } }, { kind: 'verdict', verdict: 'drop' }] }] },
      ],
    },
  ],
};

const node: NodeModel = {
  name: 'v6',
  links: [
    { index: 1, name: 'lo', kind: 'loopback', mtu: 65536, state: 'UNKNOWN', flags: [] },
    { index: 5, name: 'calia', kind: 'veth', mtu: 1500, state: 'UP', flags: [] },
    { index: 6, name: 'calib', kind: 'veth', mtu: 1500, state: 'UP', flags: [] },
  ],
  addresses: [{ ifname: 'lo', ifindex: 1, family: 6, local: '::1', prefixlen: 128, scope: 'host' }],
  rules: [],
  routes: [
    { family: 6, table: 254, type: 'unicast', dst: 'fd00:244::5/128', dev: 'calia', flags: [] },
    { family: 6, table: 254, type: 'unicast', dst: 'fd00:244::6/128', dev: 'calib', flags: [] },
    { family: 6, table: 255, type: 'local', dst: '::1/128', dev: 'lo', flags: [] },
  ],
  neighbours: [],
  fdb: [],
  sysctl: { 'net.ipv6.conf.all.forwarding': '1' },
  ruleset,
  conntrack: [],
  ipvs: [],
  have: { sysctl: true },
  warnings: [],
};

describe('IPv6', () => {
  it('DNAT to a v6 pod behind a /128 veth route; ip-family matches do not apply', () => {
    const world = makeWorld([node], [{ name: 'default/b', ips: ['fd00:244::6'], node: 'v6' }]);
    const b = simulate(world, newPacket({ proto: 'tcp', saddr: 'fd00:244::5', daddr: 'fd00:96::10', dport: 80 }), { kind: 'interface', node: 'v6', iif: 'calia' });
    expect(b.map((x) => [x.disposition, x.endpoint?.pod, x.final?.daddr, x.final?.dport])).toEqual([['delivered', 'default/b', 'fd00:244::6', 8080]]);
  });

  it('forwarding off for IPv6 drops', () => {
    const off = { ...node, sysctl: { 'net.ipv6.conf.all.forwarding': '0' } };
    const b = simulate(makeWorld([off], []), newPacket({ proto: 'tcp', saddr: 'fd00:244::5', daddr: 'fd00:244::6', dport: 80 }), { kind: 'interface', node: 'v6', iif: 'calia' });
    expect(b[0]!.disposition).toBe('dropped');
  });
});
