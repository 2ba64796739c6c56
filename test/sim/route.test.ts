import { describe, expect, it } from 'vitest';
import type { NodeModel, Route, RoutingRule } from '../../src/model/node.js';
import { lookupRoute } from '../../src/sim/route.js';
import { flannelNode, NODE_A, NODE_B } from './topology.js';

const node = (extraRoutes: Route[] = [], rules: RoutingRule[] = []): NodeModel => {
  const n = flannelNode(NODE_A, [NODE_B]);
  n.routes.push(...extraRoutes);
  n.rules = rules;
  return n;
};
const r = (x: Partial<Route> & { dst: string }): Route => ({ family: 4, table: 254, type: 'unicast', flags: [], ...x });
const rule = (x: Partial<RoutingRule> & { priority: number }): RoutingRule => ({ family: 4, not: false, action: 'table', ...x });
const DEFAULT_RULES = [rule({ priority: 0, table: 255 }), rule({ priority: 32766, table: 254 }), rule({ priority: 32767, table: 253 })];
const flow = (daddr: string, extra: Partial<Parameters<typeof lookupRoute>[1]> = {}) => ({ family: 4 as const, daddr, mark: 0, ...extra });

describe('routing: policy rules, then the longest prefix of the chosen table', () => {
  it('local table first: the node address is local', () => {
    expect(lookupRoute(node(), flow('172.18.0.2')).kind).toBe('local');
  });

  it('longest prefix wins, then the lowest metric', () => {
    const n = node([r({ dst: '10.244.1.0/25', dev: 'eth0', metric: 100 }), r({ dst: '10.244.1.0/25', dev: 'cni0', metric: 50 })]);
    const res = lookupRoute(n, flow('10.244.1.5'));
    expect(res.kind === 'unicast' && res.route.dev).toBe('cni0');
  });

  it('fwmark/mask selects another table; an unmarked packet does not', () => {
    const n = node([r({ dst: '0.0.0.0/0', table: 100, dev: 'flannel.1' })], [...DEFAULT_RULES, rule({ priority: 100, fwmark: 0x4000, fwmask: 0x4000, table: 100 })]);
    const marked = lookupRoute(n, flow('8.8.8.8', { mark: 0x4001 }));
    expect(marked.kind === 'unicast' && marked.table).toBe(100);
    const plain = lookupRoute(n, flow('8.8.8.8'));
    expect(plain.kind === 'unicast' && plain.table).toBe(254);
  });

  it('`not` inverts a selector', () => {
    const n = node([r({ dst: '0.0.0.0/0', table: 7, dev: 'cni0' })], [...DEFAULT_RULES, rule({ priority: 10, not: true, fwmark: 1, table: 7 })]);
    const res = lookupRoute(n, flow('8.8.8.8'));
    expect(res.kind === 'unicast' && res.table).toBe(7);
  });

  it('suppress_prefixlength 0 ignores a default route found in main (wg-quick style)', () => {
    const n = node([r({ dst: '0.0.0.0/0', table: 51820, dev: 'flannel.1' })], [
      rule({ priority: 0, table: 255 }),
      rule({ priority: 32764, table: 254, suppressPrefixlen: 0 }),
      rule({ priority: 32765, table: 51820 }),
      rule({ priority: 32766, table: 254 }),
    ]);
    const viaDefault = lookupRoute(n, flow('8.8.8.8'));
    expect(viaDefault.kind === 'unicast' && viaDefault.table).toBe(51820);
    const specific = lookupRoute(n, flow('10.244.0.7'));
    expect(specific.kind === 'unicast' && specific.table).toBe(254);
  });

  it('suppress_prefixlength N drops routes of prefix N or shorter, never an error route (as `ip route get` shows)', () => {
    const table100 = [
      r({ dst: '203.0.113.0/24', table: 100, dev: 'flannel.1' }),
      r({ dst: '203.0.113.0/28', table: 100, type: 'unreachable' }),
      r({ dst: '203.0.113.16/28', table: 100, type: 'blackhole' }),
      r({ dst: '203.0.113.32/28', table: 100, type: 'prohibit' }),
      r({ dst: '203.0.113.255/32', table: 100, type: 'broadcast', dev: 'flannel.1' }),
    ];
    const lookup = (suppress: number, daddr: string) => {
      const res = lookupRoute(node(table100, [rule({ priority: 0, table: 255 }), rule({ priority: 100, table: 100, suppressPrefixlen: suppress }), rule({ priority: 32766, table: 254 })]), flow(daddr));
      return res.kind === 'unicast' ? `${res.kind} table ${res.table}` : res.kind;
    };
    expect(lookup(23, '203.0.113.100')).toBe('unicast table 100');
    expect(lookup(24, '203.0.113.100')).toBe('unicast table 254');
    for (const suppress of [0, 28, 32]) {
      expect(lookup(suppress, '203.0.113.1')).toBe('unreachable');
      expect(lookup(suppress, '203.0.113.17')).toBe('blackhole');
      expect(lookup(suppress, '203.0.113.33')).toBe('prohibit');
    }
    expect(lookup(31, '203.0.113.255')).toBe('broadcast');
    expect(lookup(32, '203.0.113.255')).toBe('unicast table 254');
  });

  it('goto jumps to the first rule listed at its priority; with none there it is unresolved and the next rule follows', () => {
    const tables = [r({ dst: '0.0.0.0/0', table: 120, dev: 'cni0' }), r({ dst: '0.0.0.0/0', table: 200, dev: 'flannel.1' }), r({ dst: '0.0.0.0/0', table: 201, dev: 'cni0' })];
    const table = (rules: RoutingRule[]) => {
      const res = lookupRoute(node(tables, [rule({ priority: 0, table: 255 }), ...rules, rule({ priority: 32766, table: 254 })]), flow('8.8.8.8'));
      return res.kind === 'unicast' ? res.table : res.kind;
    };
    const goto150 = rule({ priority: 100, action: 'goto', goto: 150 });
    const at120 = rule({ priority: 120, table: 120 });
    expect(table([goto150, at120, rule({ priority: 200, table: 200 })])).toBe(120);
    expect(table([goto150, at120, rule({ priority: 150, table: 200 }), rule({ priority: 150, table: 201 })])).toBe(200);
    expect(table([goto150, at120, rule({ priority: 150, table: 77 }), rule({ priority: 160, table: 201 })])).toBe(201);
    expect(table([rule({ priority: 100, action: 'goto', goto: 150, fwmark: 1 }), at120, rule({ priority: 150, table: 200 })])).toBe(120);
  });

  it('a traced packet has TOS 0 and uid 0, and no VRF: tos, uidrange and l3mdev rules select as the kernel does for it', () => {
    const table = (sel: Partial<RoutingRule>, iif?: string) => {
      const n = node([r({ dst: '0.0.0.0/0', table: 9, dev: 'cni0' })], [...DEFAULT_RULES, rule({ priority: 5, table: 9, ...sel })]);
      const res = lookupRoute(n, flow('8.8.8.8', iif === undefined ? {} : { iif }));
      return res.kind === 'unicast' ? res.table : res.kind;
    };
    for (const iif of [undefined, 'eth0']) {
      expect(table({ tos: 0x10 }, iif)).toBe(254);
      expect(table({ tos: 0x10, not: true }, iif)).toBe(9);
      expect(table({ uidrange: [1000, 2000] }, iif)).toBe(254);
      expect(table({ uidrange: [1, 1] }, iif)).toBe(254);
      expect(table({ uidrange: [0, 0] }, iif)).toBe(9);
      expect(table({ uidrange: [0, 999] }, iif)).toBe(9);
      expect(table({ l3mdev: true }, iif)).toBe(254);
    }
  });

  it('a dead next hop is passed over; a route whose every next hop is dead is passed over whole', () => {
    const hop = (gateway: string, dead = false) => ({ gateway, dev: 'eth0', flags: dead ? ['dead', 'linkdown'] : [] });
    const n = node([
      r({ dst: '198.51.100.0/24', nexthops: [hop('172.18.0.7'), hop('172.18.0.8', true)] }),
      r({ dst: '198.51.100.0/25', nexthops: [hop('172.18.0.9', true), hop('172.18.0.10', true)] }),
      r({ dst: '198.51.100.128/25', gateway: '172.18.0.11', dev: 'eth0', flags: ['dead'] }),
    ]);
    for (const dst of ['198.51.100.5', '198.51.100.200']) {
      const res = lookupRoute(n, flow(dst));
      expect(res.kind === 'unicast' && res.hops.map((h) => h.gateway)).toEqual(['172.18.0.7']);
    }
  });

  it('iif lo matches locally generated packets only', () => {
    const n = node([r({ dst: '0.0.0.0/0', table: 9, dev: 'cni0' })], [...DEFAULT_RULES, rule({ priority: 5, iif: 'lo', table: 9 })]);
    expect((lookupRoute(n, flow('8.8.8.8')) as { table: number }).table).toBe(9);
    expect((lookupRoute(n, flow('8.8.8.8', { iif: 'eth0' })) as { table: number }).table).toBe(254);
  });

  it('throw falls through to the next rule; blackhole/unreachable/prohibit are results', () => {
    const n = node([r({ dst: '10.9.0.0/16', table: 5, type: 'throw' }), r({ dst: '10.8.0.0/16', type: 'blackhole' }), r({ dst: '10.7.0.0/16', type: 'prohibit' })], [rule({ priority: 0, table: 255 }), rule({ priority: 10, table: 5 }), rule({ priority: 32766, table: 254 })]);
    expect(lookupRoute(n, flow('10.9.1.1')).kind).toBe('unicast');
    expect(lookupRoute(n, flow('10.8.1.1')).kind).toBe('blackhole');
    expect(lookupRoute(n, flow('10.7.1.1')).kind).toBe('prohibit');
  });

  it('a rule action ends the lookup: `ip rule add … blackhole`', () => {
    const n = node([], [rule({ priority: 1, dst: '10.244.1.0/24', action: 'blackhole' }), ...DEFAULT_RULES]);
    expect(lookupRoute(n, flow('10.244.1.5')).kind).toBe('blackhole');
  });

  it('no matching route: none, with the tables tried', () => {
    const n = node();
    n.routes = n.routes.filter((x) => x.dst !== '0.0.0.0/0');
    const res = lookupRoute(n, flow('8.8.8.8'));
    expect(res).toEqual({ kind: 'none', tried: [255, 254, 253] });
  });

  it('ECMP next hops keep their weights; a gateway without dev resolves through a connected route', () => {
    const n = node([r({ dst: '192.0.2.0/24', nexthops: [{ gateway: '172.18.0.7', weight: 1, flags: [] }, { gateway: '10.244.0.9', weight: 3, flags: [] }] })]);
    const res = lookupRoute(n, flow('192.0.2.1'));
    expect(res.kind === 'unicast' && res.hops.map((h) => [h.dev, h.weight])).toEqual([
      ['eth0', 1],
      ['cni0', 3],
    ]);
  });
});
