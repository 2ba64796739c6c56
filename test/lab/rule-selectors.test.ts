/**
 * The kernel decides which `ip rule` a flow takes: port ranges (sport/dport, both ends inclusive), ipproto, fwmark
 * with a mask, `not`, and rules without a selector. A throwaway namespace holds the rules and one route per table,
 * each through its own gateway; for every flow of a grid around each boundary, `ip route get` (the kernel's own
 * fib lookup for a locally sent packet) names the gateway, and netx's lookup on the namespace's dumps must name the same.
 * The same for route types (unreachable, blackhole, prohibit, throw, broadcast) under `suppress_prefixlength`, and
 * for `goto` to a priority that holds one rule, two, or none (unresolved), and for `tos` and `uidrange`, which a traced
 * packet (TOS 0; uid 0 when forwarded, root's when sent locally) must take or not as the kernel's lookup does.
 */
import { describe, expect, it } from 'vitest';
import { inNs, run } from './exec.js';
import { withNetns } from './netns.js';
import { requireLab } from './support.js';
import { probeNode } from '../../src/probe/node-probe.js';
import { NetnsTransport } from '../../src/probe/transport.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { lookupRoute } from '../../src/sim/route.js';

const DST = '198.51.100.7';
/** The namespace's one uplink, v0 in 10.9.0.0/24, where every table's gateway sits. */
const UPLINK = 'ip link set lo up && ip link add v0 type veth peer name v1 && ip link set v0 up && ip link set v1 up && ip addr add 10.9.0.10/24 dev v0';
const RULES = [
  'pref 100 ipproto tcp sport 1000-2000 lookup 100',
  'pref 110 ipproto udp dport 53 lookup 101',
  'pref 120 not fwmark 0x1/0x1 dport 8000-8080 lookup 102',
  'pref 130 fwmark 0x2/0x2 lookup 103',
];
const GATEWAY: Record<string, string> = { 100: '10.9.0.100', 101: '10.9.0.101', 102: '10.9.0.102', 103: '10.9.0.103', main: '10.9.0.1' };

interface Flow {
  proto: 'tcp' | 'udp';
  sport: number;
  dport: number;
  mark: number;
}

const flows: Flow[] = [];
for (const proto of ['tcp', 'udp'] as const)
  for (const sport of [999, 1000, 2000, 2001])
    for (const dport of [52, 53, 54, 7999, 8000, 8080, 8081])
      for (const mark of [0, 1, 2, 3]) flows.push({ proto, sport, dport, mark });

/** A throwaway namespace with UPLINK and then `setup`'s commands run in it, handed to `fn`. */
const withUplink = <T>(setup: string[], fn: (ns: string) => Promise<T>): Promise<T> =>
  withNetns(
    ['rs'],
    async ({ rs }) => {
      for (const cmd of [UPLINK, ...setup]) await run(inNs(rs!, ['sh', '-c', cmd]));
    },
    ({ rs }) => fn(rs!),
  );

const SELECTOR_SETUP = [...Object.entries(GATEWAY).map(([table, gw]) => `ip route add 198.51.100.0/24 via ${gw} dev v0 table ${table}`), ...RULES.map((r) => `ip rule add ${r}`)];

/** The gateway of `ip route get ARGS` in `ns`, the kernel's own lookup. */
async function kernelGateway(ns: string, args: string[]): Promise<string> {
  const [route] = JSON.parse((await run(inNs(ns, ['ip', '-j', 'route', 'get', ...args]))).stdout) as { gateway?: string }[];
  return route?.gateway ?? '(none)';
}

const flowArgs = (f: Flow): string[] => [DST, 'ipproto', f.proto, 'sport', String(f.sport), 'dport', String(f.dport), 'mark', String(f.mark)];

describe('ip rule selectors, held to the kernel (lab)', () => {
  it(`${flows.length} flows around every port, protocol and mark boundary take the kernel's rule`, async (ctx) => {
    requireLab(ctx);
    await withUplink(SELECTOR_SETUP, async (ns) => {
      const model = buildNodeModel('n', await probeNode(new NetnsTransport(ns), { dumps: [] }));
      const seen = new Set<string>();
      for (const f of flows) {
        const kernel = await kernelGateway(ns, flowArgs(f));
        const r = lookupRoute(model, { family: 4, daddr: DST, iif: 'lo', mark: f.mark, proto: f.proto, sport: f.sport, dport: f.dport });
        const netx = r.kind === 'unicast' ? (r.hops[0]?.gateway ?? '(none)') : `(${r.kind})`;
        expect(netx, `${f.proto} sport ${f.sport} dport ${f.dport} mark ${f.mark}`).toBe(kernel);
        seen.add(kernel);
      }
      // The grid reaches every table, so each rule is held to the kernel both where it matches and where it does not.
      expect([...seen].sort()).toEqual(Object.values(GATEWAY).sort());
    });
  }, 120_000);

  it('route types under suppress_prefixlength take the kernel\'s answer: error routes are never suppressed', async (ctx) => {
    requireLab(ctx);
    await withUplink(['ip route add default via 10.9.0.1 dev v0', ...TYPED_ROUTES.map((r) => `ip route add ${r} table 200`)], async (ns) => {
      const answers = new Set<string>();
      for (const suppress of [0, 23, 24, 28, 31, 32]) {
        await run(inNs(ns, ['sh', '-c', `ip rule del pref 200 2>/dev/null; ip rule add pref 200 to 203.0.113.0/24 lookup 200 suppress_prefixlength ${suppress}`]));
        const model = buildNodeModel('n', await probeNode(new NetnsTransport(ns), { dumps: [] }));
        for (const dst of TYPED_DESTINATIONS) {
          const kernel = await kernelAnswer(ns, dst);
          const r = lookupRoute(model, { family: 4, daddr: dst, iif: 'lo', mark: 0 });
          const netx = r.kind === 'unicast' ? (r.hops[0]?.gateway ?? '(none)') : r.kind;
          expect(netx, `${dst} with suppress_prefixlength ${suppress}`).toBe(kernel);
          answers.add(kernel);
        }
      }
      expect([...answers].sort()).toEqual(['10.9.0.1', '10.9.0.200', 'blackhole', 'broadcast', 'prohibit', 'unreachable']);
    });
  }, 120_000);

  it('goto takes the kernel\'s rule: the first listed at its priority, or the next rule when none is there', async (ctx) => {
    requireLab(ctx);
    await withUplink([120, 150, 160, 200].map((t) => `ip route add 198.51.100.0/24 via 10.9.0.${t} dev v0 table ${t}`), async (ns) => {
      const answers = new Set<string>();
      for (const rules of GOTO_CASES) {
        await run(inNs(ns, ['sh', '-c', `for p in 100 120 150 160; do while ip rule del pref $p 2>/dev/null; do :; done; done; ${rules.map((x) => `ip rule add ${x}`).join(' && ')}`]));
        const model = buildNodeModel('n', await probeNode(new NetnsTransport(ns), { dumps: [] }));
        for (const mark of [0, 1]) {
          const kernel = await kernelGateway(ns, flowArgs({ proto: 'tcp', sport: 1, dport: 1, mark }));
          const r = lookupRoute(model, { family: 4, daddr: DST, iif: 'lo', mark, proto: 'tcp', sport: 1, dport: 1 });
          expect(r.kind === 'unicast' ? r.hops[0]?.gateway : r.kind, `${rules.join('; ')}; mark ${mark}`).toBe(kernel);
          answers.add(kernel);
        }
      }
      expect([...answers].sort()).toEqual(['10.9.0.120', '10.9.0.150', '10.9.0.160', '10.9.0.200']);
    });
  }, 120_000);

  it('tos and uidrange take the kernel\'s rule and route for a packet sent locally by root and for a forwarded one', async (ctx) => {
    requireLab(ctx);
    // Table 103 also holds a narrower route with a TOS (0x28, which ip prints as AF11 where rt_dsfield names it), which a
    // packet of TOS 0 passes over.
    const tosRoute = 'ip route add 198.51.100.0/25 tos 0x28 via 10.9.0.104 dev v0 table 103';
    const setup = [...SELECTOR_SETUP.slice(0, Object.keys(GATEWAY).length), tosRoute, 'sysctl -qw net.ipv4.ip_forward=1', ...TOS_UID_RULES.map((r) => `ip rule add ${r}`)];
    await withUplink(setup, async (ns) => {
      const model = buildNodeModel('n', await probeNode(new NetnsTransport(ns), { dumps: [] }));
      const answers = new Set<string>();
      for (const mark of [0, 1, 2, 3]) {
        for (const forwarded of [false, true]) {
          const from = forwarded ? ['from', '10.9.0.50', 'iif', 'v0'] : [];
          const kernel = await kernelGateway(ns, [DST, ...from, 'mark', String(mark)]);
          const r = lookupRoute(model, { family: 4, daddr: DST, mark, ...(forwarded ? { saddr: '10.9.0.50', iif: 'v0' } : { iif: 'lo' }) });
          expect(r.kind === 'unicast' ? r.hops[0]?.gateway : r.kind, `mark ${mark}${forwarded ? ', forwarded' : ''}`).toBe(kernel);
          answers.add(kernel);
        }
      }
      expect([...answers].sort()).toEqual(['10.9.0.102', '10.9.0.103']);
    });
  }, 120_000);

  it('a next hop whose device is down is passed over, as the kernel\'s multipath choice does', async (ctx) => {
    requireLab(ctx);
    const second = ['ip link add w0 type veth peer name w1', 'ip link set w0 up', 'ip link set w1 up', 'ip addr add 10.9.1.10/24 dev w0'];
    const routes = ['ip route add 198.51.100.0/24 nexthop via 10.9.0.1 dev v0 nexthop via 10.9.1.1 dev w0', 'ip route add 198.51.100.0/26 nexthop via 10.9.0.2 dev v0 nexthop via 10.9.0.3 dev v0'];
    await withUplink([...second, ...routes, 'ip link set w0 down'], async (ns) => {
      const model = buildNodeModel('n', await probeNode(new NetnsTransport(ns), { dumps: [] }));
      // The kernel hashes a flow to one next hop (by addresses, by default); netx gives every live one as a branch.
      // 32 destinations under each route show the kernel choosing among the same next hops.
      for (const [first, route] of [[0, '198.51.100.0/26'], [128, '198.51.100.0/24']] as const) {
        const kernel = new Set<string>();
        for (let i = first; i < first + 32; i++) {
          kernel.add(await kernelGateway(ns, [`198.51.100.${i}`]));
        }
        const r = lookupRoute(model, { family: 4, daddr: `198.51.100.${first}`, iif: 'lo', mark: 0 });
        expect(r.kind === 'unicast' ? r.hops.map((h) => h.gateway).sort() : r.kind, route).toEqual([...kernel].sort());
      }
    });
  }, 120_000);
});

/** Rules no traced packet should take (a TOS, uids other than root's) and rules it should (root's uid, a negated TOS). */
const TOS_UID_RULES = [
  'pref 100 tos 0x10 lookup 100',
  'pref 110 uidrange 1000-2000 lookup 101',
  'pref 120 uidrange 0-999 fwmark 0x1/0x1 lookup 102',
  'pref 130 not tos 0x10 fwmark 0x2/0x2 lookup 103',
];

/** Table 200: a /24 through its own gateway, error and throw routes inside it, and a broadcast address. */
const TYPED_ROUTES = ['203.0.113.0/24 via 10.9.0.200 dev v0', 'unreachable 203.0.113.0/28', 'blackhole 203.0.113.16/28', 'prohibit 203.0.113.32/28', 'throw 203.0.113.48/28', 'broadcast 203.0.113.255 dev v0'];
const TYPED_DESTINATIONS = ['203.0.113.1', '203.0.113.17', '203.0.113.33', '203.0.113.49', '203.0.113.100', '203.0.113.255'];

/** `ip route get`'s answer as netx names it: the gateway, `broadcast`, or the route type behind the kernel's errno. */
async function kernelAnswer(ns: string, dst: string): Promise<string> {
  const r = await run(inNs(ns, ['ip', '-j', 'route', 'get', dst]), { check: false });
  if (r.exitCode === 0) {
    const [route] = JSON.parse(r.stdout) as { gateway?: string; type?: string }[];
    return route?.type === 'broadcast' ? 'broadcast' : (route?.gateway ?? '(none)');
  }
  const errno: [RegExp, string][] = [[/No route to host/, 'unreachable'], [/Invalid argument/, 'blackhole'], [/Permission denied/, 'prohibit'], [/Network is unreachable/, 'none']];
  return errno.find(([re]) => re.test(r.stderr))?.[1] ?? `(ip route get failed: ${r.stderr.trim()})`;
}

/** Rule sets around `goto 150` (rules added in this order; tables 120, 150, 160, 200 each have their own gateway). */
const GOTO_CASES = [
  ['pref 100 goto 150', 'pref 120 lookup 120', 'pref 160 lookup 160'],
  ['pref 100 goto 150', 'pref 120 lookup 120', 'pref 150 lookup 150', 'pref 150 lookup 200'],
  ['pref 100 goto 150', 'pref 120 lookup 120', 'pref 150 fwmark 0x1 lookup 150', 'pref 160 lookup 160'],
  ['pref 100 fwmark 0x1 goto 150', 'pref 120 lookup 120', 'pref 150 lookup 200'],
];
