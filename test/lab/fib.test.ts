/**
 * `fib … oif` (nft) and `-m rpfilter` (iptables) ask the kernel's route lookup which device a reply would leave by.
 * netx must follow the kernel's answer (nft_fib4_eval, nft_fib6_eval, xt_rpfilter): the lookup runs as for a locally
 * sent packet; a local destination gives no device (`missing`); asked with the incoming device (`. iif`), the answer
 * is that device when any next hop of the route uses it, so a multipath route passes a packet arriving on its second
 * next hop; a packet back in on loopback answers its own device. `fib … type` asked with a device is `local` only when
 * the local table's longest prefix for the address is that device's (an AnyIP route does not outrank another device's
 * own address). A router namespace with two uplinks to a peer holds
 * one `<fib match> counter drop` rule in prerouting per case; one datagram is sent; netx, from the router's dumps,
 * must drop exactly when the kernel's counter counts.
 */
import { describe, expect, it } from 'vitest';
import { chainCounter, inNs, run } from './exec.js';
import { withNetns } from './netns.js';
import { requireLab } from './support.js';
import { probeNode } from '../../src/probe/node-probe.js';
import { NetnsTransport } from '../../src/probe/transport.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { makeWorld, newPacket, simulate } from '../../src/sim/index.js';

/** The router's address on w0, where every datagram arrives. */
const ROUTER = '10.9.1.10';
/** A source whose route back is multipath, over v0 then w0. */
const ECMP_SRC = '203.0.113.5';
/** A source whose route back is over v0 only. */
const V0_SRC = '192.0.2.5';
/** A destination the router forwards over v0. */
const FORWARDED = '198.51.100.7';

const ROUTER_SETUP = [
  'ip link set lo up',
  'ip addr add 10.9.0.10/24 dev v0 && ip addr add 10.9.1.10/24 dev w0 && ip link set v0 up && ip link set w0 up',
  'sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.v0.rp_filter=0 net.ipv4.conf.w0.rp_filter=0',
  `ip route add ${ECMP_SRC.replace(/\d+$/, '0')}/24 nexthop via 10.9.0.1 dev v0 nexthop via 10.9.1.1 dev w0`,
  `ip route add ${V0_SRC.replace(/\d+$/, '0')}/24 via 10.9.0.1 dev v0`,
  `ip route add ${FORWARDED.replace(/\d+$/, '0')}/24 via 10.9.0.1 dev v0`,
  // AnyIP: w0 takes 10.9.0.8/29 as local, under v0's own 10.9.0.10.
  'ip route add local 10.9.0.8/29 dev w0 table local',
];
const PEER_SETUP = [
  'ip link set lo up',
  'ip addr add 10.9.0.1/24 dev v1 && ip addr add 10.9.1.1/24 dev w1',
  `ip addr add ${ECMP_SRC}/32 dev w1 && ip addr add ${V0_SRC}/32 dev w1 && ip link set v1 up && ip link set w1 up`,
  `ip route add ${FORWARDED.replace(/\d+$/, '0')}/24 via ${ROUTER} dev w1`,
  `ip route add 10.9.0.8/29 via ${ROUTER} dev w1`,
];

interface Case {
  name: string;
  src: string;
  dst: string;
  match: string;
  /** The router sends it itself, so it comes back in on loopback. */
  local?: boolean;
}

const cases: Case[] = [
  { name: 'strict reverse path over a multipath route, arriving on its second next hop', src: ECMP_SRC, dst: ROUTER, match: 'fib saddr . iif oif missing' },
  { name: 'strict reverse path whose route leaves by another device', src: V0_SRC, dst: ROUTER, match: 'fib saddr . iif oif missing' },
  { name: 'loose reverse path whose route leaves by another device', src: V0_SRC, dst: ROUTER, match: 'fib saddr oif missing' },
  { name: 'the device toward a local destination', src: V0_SRC, dst: ROUTER, match: 'fib daddr oif missing' },
  { name: 'the device toward a local destination, asked with the incoming one', src: V0_SRC, dst: ROUTER, match: 'fib daddr . iif oif missing' },
  { name: 'the device toward a forwarded destination', src: V0_SRC, dst: FORWARDED, match: 'fib daddr oif "v0"' },
  { name: 'the device toward a forwarded destination, asked with the incoming one', src: V0_SRC, dst: FORWARDED, match: 'fib daddr . iif oif missing' },
  { name: 'a packet back in on loopback, which answers its own device', src: ROUTER, dst: ROUTER, match: 'fib daddr oif missing', local: true },
  { name: "the type of the incoming device's own address", src: V0_SRC, dst: ROUTER, match: 'fib daddr . iif type local' },
  { name: "the type of another device's address under an AnyIP route of the incoming one", src: V0_SRC, dst: '10.9.0.10', match: 'fib daddr . iif type local' },
  { name: 'the type of an address only the AnyIP route of the incoming device holds', src: V0_SRC, dst: '10.9.0.12', match: 'fib daddr . iif type local' },
  { name: "the type of another device's address", src: V0_SRC, dst: '10.9.0.10', match: 'fib daddr type local' },
];

describe('fib oif and type, held to the kernel (lab)', () => {
  it('each case drops in netx exactly when the kernel counts it', async (ctx) => {
    requireLab(ctx);
    await withNetns(
      ['r', 'peer'],
      async ({ r, peer }) => {
        for (const [dev, peerDev] of [['v0', 'v1'], ['w0', 'w1']]) await run(inNs(r!, ['ip', 'link', 'add', dev!, 'type', 'veth', 'peer', 'name', peerDev!, 'netns', peer!]));
        for (const cmd of ROUTER_SETUP) await run(inNs(r!, ['sh', '-c', cmd]));
        for (const cmd of PEER_SETUP) await run(inNs(peer!, ['sh', '-c', cmd]));
      },
      async ({ r, peer }) => {
        const outcomes = new Set<boolean>();
        for (const c of cases) {
          const rules = ['flush ruleset', 'table ip t {', '  chain pre {', '    type filter hook prerouting priority 0; policy accept;', `    ip saddr ${c.src} ip daddr ${c.dst} ${c.match} counter drop`, '  }', '}', ''].join('\n');
          await run(inNs(r!, ['nft', '-f', '-']), { input: rules });
          await run(inNs(c.local ? r! : peer!, ['sh', '-c', `echo x | socat -u - UDP:${c.dst}:9999,bind=${c.src}`]), { check: false });
          const kernelDrops = (await chainCounter(r!, 'ip', 't', 'pre')) > 0;
          const model = buildNodeModel('r', await probeNode(new NetnsTransport(r!), { dumps: [] }));
          const branches = simulate(makeWorld([model]), newPacket({ proto: 'udp', saddr: c.src, daddr: c.dst, sport: 40000, dport: 9999 }), c.local ? { kind: 'local', node: 'r' } : { kind: 'interface', node: 'r', iif: 'w0' });
          expect(branches.map((b) => b.disposition === 'dropped'), `${c.name}: ${c.match}`).toEqual([kernelDrops]);
          outcomes.add(kernelDrops);
        }
        // The cases reach both answers, so each rule is held to the kernel where it drops and where it does not.
        expect([...outcomes].sort()).toEqual([false, true]);
      },
    );
  }, 120_000);
});
