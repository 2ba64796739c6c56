/**
 * What the walk does where routing, forwarding, the overlay or the rules stop a packet, on the two flannel-shaped
 * nodes with kube-proxy's iptables rules: each route type that ends a packet (blackhole, prohibit, unreachable, no
 * route at all), ECMP next hops and their weights, forwarding switched off, strict and loose rp_filter, a routing
 * loop, a VXLAN peer with no FDB or neighbour entry (or only a default one), VXLAN details or links not dumped,
 * tunnels netx does not follow, NFQUEUE, a jump to a missing chain and a jump loop, some from the node itself. Each
 * case's disposition is asserted as the kernel gives it (the route types' errors: ip-route(8), fib_props in
 * net/ipv4/fib_semantics.c); every step, reason and note is pinned by a golden file
 * (test/fixtures/golden/sim/route-outcomes.txt; `npx vitest run -u` this file rewrites it after a deliberate change).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Link, NodeModel, Route } from '../../src/model/node.js';
import type { Table } from '../../src/model/netfilter.js';
import { parseIptablesSave } from '../../src/parse/netfilter/iptables-save.js';
import type { Disposition } from '../../src/sim/trace.js';
import { overallDisposition, probabilitySum } from '../../src/sim/index.js';
import { REPO_ROOT } from '../support/corpus.js';
import { branchLines } from '../support/trace-digest.js';
import { runCase } from './harness.js';
import { iptablesNodes } from './iptables-mode.js';
import type { Case } from './kube-proxy-cases.js';

const route = (x: Partial<Route> & { dst: string }): Route => ({ family: 4, table: 254, type: 'unicast', flags: [], ...x });

interface Variant {
  name: string;
  /** Changes the node models (node-a first, then node-b) before the walk. */
  tweak: (n: NodeModel) => void;
  cases: { c: Omit<Case, 'name' | 'disposition'>; disposition: Disposition }[];
}

const onNode = (name: string, f: (n: NodeModel) => void) => (n: NodeModel) => {
  if (n.name === name) f(n);
};
const withoutRoute = (n: NodeModel, dst: string) => {
  n.routes = n.routes.filter((r) => !(r.table === 254 && r.dst === dst));
};
const tunnel = (n: NodeModel, name: string, kind: Link['kind'], dst: string) => {
  n.links.push({ index: 60 + n.links.length, name, kind, mtu: 1420, state: 'UNKNOWN', flags: ['UP'] });
  n.routes.push(route({ dst, dev: name, scope: 'link' }));
};
const vtep = (n: NodeModel): Link => n.links.find((l) => l.name === 'flannel.1')!;

/**
 * Rules put in front of node-a's filter FORWARD chain, read by the iptables-save parser from `lines` (which may
 * declare chains of their own); `drop` names chains to leave out of the table afterwards, so a jump finds nothing.
 */
function forwardRules(lines: string[], drop: string[] = []) {
  return onNode('node-a', (n) => {
    const chains = [...new Set(lines.flatMap((l) => /-j (\S+)/.exec(l)?.[1] ?? []))].filter((c) => c.toUpperCase() === c && !['ACCEPT', 'DROP', 'NFQUEUE'].includes(c));
    const extra = parseIptablesSave(['*filter', ':FORWARD ACCEPT [0:0]', ...chains.map((c) => `:${c} - [0:0]`), ...lines, 'COMMIT', ''].join('\n'), { source: 'extra', family: 'ip', origin: 'iptables-nft' });
    const filter = n.ruleset.tables.find((t) => t.family === 'ip' && t.name === 'filter') as Table;
    const fwd = filter.chains.find((c) => c.name === 'FORWARD')!;
    const mine = extra.tables[0]!.chains;
    fwd.rules = [...mine.find((c) => c.name === 'FORWARD')!.rules, ...fwd.rules].map((r, index) => ({ ...r, index }));
    filter.chains.push(...mine.filter((c) => c.name !== 'FORWARD' && !drop.includes(c.name)));
  });
}

const VARIANTS: Variant[] = [
  {
    name: 'route types that end a packet on node-a',
    tweak: onNode('node-a', (n) => {
      n.routes.push(route({ dst: '203.0.113.0/24', type: 'blackhole' }), route({ dst: '198.51.100.0/24', type: 'prohibit' }), route({ dst: '192.0.2.0/24', type: 'unreachable' }));
    }),
    cases: [
      { c: { source: 'default/client', destination: '203.0.113.9', port: 443 }, disposition: 'dropped' },
      { c: { source: 'default/client', destination: '198.51.100.9', port: 443 }, disposition: 'rejected' },
      { c: { source: 'default/client', destination: '192.0.2.9', port: 443 }, disposition: 'no-route' },
      { c: { source: 'node:node-a', destination: '203.0.113.9', port: 443 }, disposition: 'dropped' },
      { c: { source: 'node:node-a', destination: '192.0.2.9', port: 443 }, disposition: 'no-route' },
    ],
  },
  {
    name: 'no default route on node-a',
    tweak: onNode('node-a', (n) => withoutRoute(n, '0.0.0.0/0')),
    cases: [
      { c: { source: 'default/client', destination: '8.8.8.8', port: 53, proto: 'udp' }, disposition: 'no-route' },
      { c: { source: 'node:node-a', destination: '8.8.8.8', port: 53, proto: 'udp' }, disposition: 'no-route' },
      // The service's endpoints are in the pod network, which has its routes: the ClusterIP is still reached.
      { c: { source: 'default/client', destination: '10.96.0.10', port: 80 }, disposition: 'delivered' },
    ],
  },
  {
    name: 'an ECMP default route on node-a: weights 1 and 3',
    tweak: onNode('node-a', (n) => {
      withoutRoute(n, '0.0.0.0/0');
      n.routes.push(
        route({
          dst: '0.0.0.0/0',
          nexthops: [
            { gateway: '172.18.0.1', dev: 'eth0', weight: 1, flags: [] },
            { gateway: '172.18.0.254', dev: 'eth0', weight: 3, flags: [] },
          ],
        }),
      );
    }),
    cases: [
      { c: { source: 'default/client', destination: '8.8.8.8', port: 53, proto: 'udp' }, disposition: 'egress' },
      { c: { source: 'node:node-a', destination: '8.8.8.8', port: 53, proto: 'udp' }, disposition: 'egress' },
    ],
  },
  {
    name: 'forwarding off on node-b',
    tweak: onNode('node-b', (n) => {
      n.sysctl = { ...n.sysctl, 'net.ipv4.ip_forward': '0' };
    }),
    cases: [
      { c: { source: 'default/client', destination: '10.244.1.5', port: 8080 }, disposition: 'dropped' },
      { c: { source: 'default/client', destination: '10.96.0.10', port: 80 }, disposition: 'dropped' },
    ],
  },
  {
    name: 'forwarding not in the dumps of node-b',
    tweak: onNode('node-b', (n) => {
      n.sysctl = {};
    }),
    cases: [{ c: { source: 'default/client', destination: '10.244.1.5', port: 8080 }, disposition: 'delivered' }],
  },
  {
    // node-b's route back to node-a's pods goes out of eth0, not flannel.1 where the packet arrives.
    name: 'strict rp_filter on node-b, and no route back through flannel.1',
    tweak: onNode('node-b', (n) => {
      withoutRoute(n, '10.244.0.0/24');
      n.sysctl = { ...n.sysctl, 'net.ipv4.conf.all.rp_filter': '1' };
    }),
    cases: [{ c: { source: 'default/client', destination: '10.244.1.5', port: 8080 }, disposition: 'dropped' }],
  },
  {
    // Loose mode asks only for some route back, which the default route is.
    name: 'loose rp_filter on node-b, and no route back through flannel.1',
    tweak: onNode('node-b', (n) => {
      withoutRoute(n, '10.244.0.0/24');
      n.sysctl = { ...n.sysctl, 'net.ipv4.conf.all.rp_filter': '2' };
    }),
    cases: [{ c: { source: 'default/client', destination: '10.244.1.5', port: 8080 }, disposition: 'delivered' }],
  },
  {
    name: 'strict rp_filter on node-b with no route back at all',
    tweak: onNode('node-b', (n) => {
      withoutRoute(n, '10.244.0.0/24');
      withoutRoute(n, '0.0.0.0/0');
      n.sysctl = { ...n.sysctl, 'net.ipv4.conf.flannel/1.rp_filter': '1' };
    }),
    cases: [{ c: { source: 'default/client', destination: '10.244.1.5', port: 8080 }, disposition: 'dropped' }],
  },
  {
    name: 'a routing loop: each node routes 100.64.0.0/16 to the other',
    tweak: (n) => n.routes.push(route({ dst: '100.64.0.0/16', gateway: n.name === 'node-a' ? '172.18.0.3' : '172.18.0.2', dev: 'eth0' })),
    cases: [{ c: { source: 'default/client', destination: '100.64.0.1', port: 80 }, disposition: 'loop' }],
  },
  {
    name: "no FDB entry for node-b's VTEP on node-a",
    tweak: onNode('node-a', (n) => {
      n.fdb = n.fdb.filter((f) => f.ifname !== 'flannel.1');
    }),
    cases: [{ c: { source: 'default/client', destination: '10.244.1.5', port: 8080 }, disposition: 'dropped' }],
  },
  {
    name: "no neighbour entry for node-b's VTEP on node-a",
    tweak: onNode('node-a', (n) => {
      n.neighbours = n.neighbours.filter((x) => x.dev !== 'flannel.1');
    }),
    cases: [{ c: { source: 'default/client', destination: '10.244.1.5', port: 8080 }, disposition: 'dropped' }],
  },
];

VARIANTS.push(
  {
    name: 'tunnels netx does not follow, and a route whose device is not in the link dump',
    tweak: onNode('node-a', (n) => {
      tunnel(n, 'wg0', 'wireguard', '100.65.0.0/16');
      tunnel(n, 'gre1', 'gre', '100.66.0.0/16');
      tunnel(n, 'gnv0', 'geneve', '100.67.0.0/16');
      n.routes.push(route({ dst: '100.68.0.0/16', dev: 'tun9', scope: 'link' }));
    }),
    cases: [
      { c: { source: 'default/client', destination: '100.65.0.1', port: 80 }, disposition: 'uncertain' },
      { c: { source: 'default/client', destination: '100.66.0.1', port: 80 }, disposition: 'uncertain' },
      { c: { source: 'default/client', destination: '100.67.0.1', port: 80 }, disposition: 'uncertain' },
      { c: { source: 'default/client', destination: '100.68.0.1', port: 80 }, disposition: 'uncertain' },
    ],
  },
  {
    name: "node-a's links not collected: the route's device is taken for the underlay",
    tweak: onNode('node-a', (n) => {
      n.links = [];
      n.have = { ...n.have, link: false };
    }),
    cases: [{ c: { source: 'node:node-a', destination: '8.8.8.8', port: 53, proto: 'udp' }, disposition: 'egress' }],
  },
  {
    name: "flannel.1's VXLAN details missing on node-a (ip link without -d)",
    tweak: onNode('node-a', (n) => {
      delete vtep(n).vxlan;
    }),
    cases: [{ c: { source: 'default/client', destination: '10.244.1.5', port: 8080 }, disposition: 'uncertain' }],
  },
  {
    name: "node-a reaches node-b's VTEP through a default (all-zeros) FDB entry",
    tweak: onNode('node-a', (n) => {
      n.fdb = [...n.fdb.filter((f) => f.ifname !== 'flannel.1'), { mac: '00:00:00:00:00:00', ifname: 'flannel.1', dst: '172.18.0.3', flags: ['self'], state: 'permanent' }];
    }),
    cases: [{ c: { source: 'default/client', destination: '10.244.1.5', port: 8080 }, disposition: 'delivered' }],
  },
  {
    name: 'node-a floods flannel.1 to two VTEPs (two all-zeros FDB entries)',
    tweak: onNode('node-a', (n) => {
      const flood = (dst: string) => ({ mac: '00:00:00:00:00:00', ifname: 'flannel.1', dst, flags: ['self'], state: 'permanent' });
      n.fdb = [...n.fdb.filter((f) => f.ifname !== 'flannel.1'), flood('172.18.0.3'), flood('172.18.0.4')];
    }),
    cases: [{ c: { source: 'default/client', destination: '10.244.1.5', port: 8080 }, disposition: 'uncertain' }],
  },
  {
    name: "node-b's VXLAN device has another VNI: the tunnel packet finds no device",
    tweak: onNode('node-b', (n) => {
      vtep(n).vxlan = { ...vtep(n).vxlan!, id: 2 };
    }),
    cases: [{ c: { source: 'default/client', destination: '10.244.1.5', port: 8080 }, disposition: 'dropped' }],
  },
  {
    name: "rules in node-a's FORWARD that end the walk: NFQUEUE, a jump to a chain not in the table, a jump loop",
    tweak: forwardRules(['-A FORWARD -d 10.244.1.5/32 -p tcp --dport 8081 -j NFQUEUE --queue-num 1', '-A FORWARD -d 10.244.1.5/32 -p tcp --dport 8082 -j GONE', '-A FORWARD -d 10.244.1.5/32 -p tcp --dport 8083 -j LOOP', '-A LOOP -j LOOP'], ['GONE']),
    cases: [
      { c: { source: 'default/client', destination: '10.244.1.5', port: 8081 }, disposition: 'uncertain' },
      { c: { source: 'default/client', destination: '10.244.1.5', port: 8082 }, disposition: 'uncertain' },
      { c: { source: 'default/client', destination: '10.244.1.5', port: 8083 }, disposition: 'uncertain' },
      { c: { source: 'default/client', destination: '10.244.1.5', port: 8080 }, disposition: 'delivered' },
    ],
  },
);

describe('where routing, forwarding and the overlay stop a packet', () => {
  for (const v of VARIANTS) {
    it(v.name, () => {
      const nodes = iptablesNodes(v.tweak);
      for (const { c, disposition } of v.cases) {
        const branches = runCase(nodes, { ...c, name: '', disposition: '' });
        const what = `${c.source} → ${c.destination}:${c.port}`;
        expect(probabilitySum(branches), what).toBeCloseTo(1, 9);
        expect(overallDisposition(branches), `${what}: ${branches.map((b) => b.reason).join('; ')}`).toBe(disposition);
      }
    });
  }

  it('matches its golden file, step by step', async () => {
    const text = VARIANTS.map((v) => {
      const nodes = iptablesNodes(v.tweak);
      const cases = v.cases.map(({ c }) => [`## ${c.source} → ${c.destination}:${c.port}/${c.proto ?? 'tcp'}`, ...runCase(nodes, { ...c, name: '', disposition: '' }).flatMap(branchLines)].join('\n'));
      return [`# ${v.name}`, ...cases].join('\n\n');
    });
    await expect(`${text.join('\n\n')}\n`).toMatchFileSnapshot(path.join(REPO_ROOT, 'test', 'fixtures', 'golden', 'sim', 'route-outcomes.txt'));
  });
});
