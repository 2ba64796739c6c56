/**
 * What the walk does where routing, forwarding or the overlay stop a packet, on the two flannel-shaped nodes with
 * kube-proxy's iptables rules: each route type that ends a packet (blackhole, prohibit, unreachable, no route at all),
 * ECMP next hops and their weights, forwarding switched off, strict and loose rp_filter, a routing loop, a VXLAN peer
 * with no FDB entry or no neighbour entry, and the same from the node itself. Each case's disposition is asserted as
 * the kernel gives it (the route types' errors: ip-route(8), fib_props in net/ipv4/fib_semantics.c); every step,
 * reason and note is pinned by a golden file (test/fixtures/golden/sim/route-outcomes.txt; `npx vitest run -u` this
 * file rewrites it after a deliberate change).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NodeModel, Route } from '../../src/model/node.js';
import { parseIptablesSave } from '../../src/parse/netfilter/iptables-save.js';
import type { Disposition } from '../../src/sim/trace.js';
import { overallDisposition, probabilitySum } from '../../src/sim/index.js';
import { renderIptables } from '../lab/kube-proxy/iptables.js';
import { REPO_ROOT } from '../support/corpus.js';
import { branchLines } from '../support/trace-digest.js';
import { runCase, twoNodes } from './harness.js';
import { SERVICES, type Case } from './kube-proxy-cases.js';

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

const iptablesNodes = (tweak: (n: NodeModel) => void): NodeModel[] =>
  twoNodes(
    Object.fromEntries(
      [
        ['node-a', '172.18.0.2'],
        ['node-b', '172.18.0.3'],
      ].map(([node, ip]) => [node, parseIptablesSave(renderIptables(SERVICES(node!, ip!)), { source: `iptables ${node}`, family: 'ip', origin: 'iptables-nft' })]),
    ),
    tweak,
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
