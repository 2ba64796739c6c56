/** Netfilter semantics the kernel defines, on hand-built rulesets (hooks, priorities, verdicts, NAT, conntrack). */
import { describe, expect, it } from 'vitest';
import type { Chain, ChainType, Expr, Hook, Rule, Ruleset, Table } from '../../src/model/netfilter.js';
import type { Branch } from '../../src/sim/index.js';
import { runCase, twoNodes } from './harness.js';

let line = 0;
const rule = (text: string, ...exprs: Expr[]): Rule => ({ index: 0, line: ++line, text, exprs });
const base = (name: string, type: ChainType, hook: Hook, priority: number, rules: Rule[], policy: 'accept' | 'drop' = 'accept'): Chain => ({ name, base: { type, hook, priority, policy }, rules: rules.map((r, i) => ({ ...r, index: i })) });
const chain = (name: string, rules: Rule[]): Chain => ({ name, rules: rules.map((r, i) => ({ ...r, index: i })) });
const table = (name: string, chains: Chain[], family: Table['family'] = 'inet'): Table => ({ family, name, origin: 'nft', chains, sets: [] });
const rs = (...tables: Table[]): Ruleset => ({ tables, warnings: [] });

const daddr = (addr: string): Expr => ({ kind: 'match', left: { kind: 'payload', protocol: 'ip', field: 'daddr' }, op: '==', right: { kind: 'addr', value: addr } });
const dport = (p: number): Expr => ({ kind: 'match', left: { kind: 'payload', protocol: 'tcp', field: 'dport' }, op: '==', right: { kind: 'int', value: p } });
const accept: Expr = { kind: 'verdict', verdict: 'accept' };
const drop: Expr = { kind: 'verdict', verdict: 'drop' };
const ret: Expr = { kind: 'verdict', verdict: 'return' };
const jump = (target: string): Expr => ({ kind: 'verdict', verdict: 'jump', target });
const goto = (target: string): Expr => ({ kind: 'verdict', verdict: 'goto', target });
const dnat = (addr: string, port: number): Expr => ({ kind: 'nat', type: 'dnat', addr, port });

const VIP = '10.96.0.99';
const toVip = (nodeA: Ruleset) => runCase(twoNodes({ 'node-a': nodeA }), { name: '', source: 'default/client', destination: VIP, port: 80, disposition: '' });
const toPod = (nodeA: Ruleset) => runCase(twoNodes({ 'node-a': nodeA }), { name: '', source: 'default/client', destination: '10.244.1.5', port: 8080, disposition: '' });
const only = (b: Branch[]): Branch => {
  expect(b).toHaveLength(1);
  return b[0]!;
};
const natToWebB = table('lb', [base('pre', 'nat', 'prerouting', -100, [rule('ip daddr 10.96.0.99 dnat to 10.244.1.5:8080', daddr(VIP), dnat('10.244.1.5', 8080))])]);

describe('netfilter hooks in kernel order', () => {
  it('accept ends one base chain only: a later base chain at the same hook still drops', () => {
    const b = only(toPod(rs(table('a', [base('fwd', 'filter', 'forward', 0, [rule('accept', accept)])]), table('b', [base('fwd', 'filter', 'forward', 10, [rule('drop', drop)])]))));
    expect(b.disposition).toBe('dropped');
    expect(b.reason).toMatch(/inet b fwd/);
  });

  it('drop ends the packet: the later base chain never runs', () => {
    const b = only(toPod(rs(table('a', [base('fwd', 'filter', 'forward', -10, [rule('drop', drop)])]), table('b', [base('fwd', 'filter', 'forward', 10, [rule('accept', accept)])]))));
    expect(b.disposition).toBe('dropped');
    expect(b.reason).toMatch(/inet a fwd/);
  });

  it('the chain policy decides when no rule does', () => {
    expect(only(toPod(rs(table('a', [base('fwd', 'filter', 'forward', 0, [], 'drop')])))).reason).toMatch(/policy drop/);
  });

  it('jump returns to the caller; goto does not (the caller’s remaining rules are skipped)', () => {
    const viaJump = rs(table('t', [base('fwd', 'filter', 'forward', 0, [rule('jump sub', jump('sub')), rule('drop', drop)]), chain('sub', [rule('return', ret)])]));
    expect(only(toPod(viaJump)).disposition).toBe('dropped');
    const viaGoto = rs(table('t', [base('fwd', 'filter', 'forward', 0, [rule('goto sub', goto('sub')), rule('drop', drop)]), chain('sub', [])]));
    expect(only(toPod(viaGoto)).disposition).toBe('delivered');
  });

  it('NAT chains run at the NAT hook priority: a filter chain at -95 sees the translated address, one at -105 the original', () => {
    const dropPod = (prio: number) => table('f', [base('pre', 'filter', 'prerouting', prio, [rule('ip daddr 10.244.1.5 drop', daddr('10.244.1.5'), drop)])]);
    // The nat chain's own priority is 0: it still runs in the NAT hook at -100.
    const natLate = table('lb', [base('pre', 'nat', 'prerouting', 0, [rule('dnat', daddr(VIP), dnat('10.244.1.5', 8080))])]);
    expect(only(toVip(rs(natLate, dropPod(-95)))).disposition).toBe('dropped');
    expect(only(toVip(rs(natLate, dropPod(-105)))).disposition).toBe('delivered');
  });

  it('once a nat chain set up DNAT, later nat chains at that hook are skipped', () => {
    const second = table('zz', [base('pre', 'nat', 'prerouting', -50, [rule('dnat elsewhere', dnat('10.244.0.6', 8080))])]);
    const b = only(toVip(rs(natToWebB, second)));
    expect(b.endpoint?.ip).toBe('10.244.1.5');
    expect(b.notes.join(' ')).toMatch(/later nat chains at this hook skipped/);
  });

  it('an unmodelled match makes the branch uncertain, naming the rule', () => {
    const b = only(toPod(rs(table('t', [base('fwd', 'filter', 'forward', 0, [rule('meta skuid 1000 drop', { kind: 'match', left: { kind: 'meta', key: 'skuid' }, op: '==', right: { kind: 'int', value: 1000 } }, drop)])]))));
    expect(b.disposition).toBe('uncertain');
    expect(b.reason).toMatch(/meta skuid/);
    expect(b.reason).toMatch(/inet t fwd/);
  });

  it('marks set in one hook are seen in a later one (mark 0x4000 → masquerade)', () => {
    const mark: Expr = { kind: 'mark', target: 'meta', and: 0xffffffff, xor: 0x4000 };
    const marked: Expr = { kind: 'match', left: { kind: 'bitwise', op: '&', left: { kind: 'meta', key: 'mark' }, right: 0x4000 }, op: '!=', right: { kind: 'int', value: 0 } };
    const t = table('lb', [
      base('pre', 'nat', 'prerouting', -100, [rule('mark', daddr(VIP), mark), rule('dnat', daddr(VIP), dnat('10.244.1.5', 8080))]),
      base('post', 'nat', 'postrouting', 100, [rule('masquerade', marked, { kind: 'nat', type: 'masquerade' })]),
    ]);
    const b = only(toVip(rs(t)));
    expect(b.disposition).toBe('delivered');
    expect(b.final?.saddr).toBe('10.244.0.0'); // flannel.1's address: the outgoing interface
  });

  // nf_nat_masquerade_ipv4: inet_select_addr(out, rt_nexthop(rt, daddr), RT_SCOPE_UNIVERSE), the primary address whose
  // subnet holds the next hop; the destination itself is usually in no subnet of the device.
  it('masquerade takes the address of the outgoing device in the subnet of the next hop, not its first address', () => {
    const t = table('snat', [base('post', 'nat', 'postrouting', 100, [rule('masquerade', { kind: 'always', text: '', reason: '' }, { kind: 'nat', type: 'masquerade' })])]);
    const nodes = twoNodes({ 'node-a': rs(t) }, (m) => {
      if (m.name === 'node-a') m.addresses.unshift({ ifname: 'eth0', ifindex: 2, family: 4, local: '192.0.2.10', prefixlen: 24, scope: 'global' });
    });
    const b = only(runCase(nodes, { name: '', source: 'default/client', destination: '198.51.100.7', port: 443, disposition: '' }));
    expect(b.final?.saddr).toBe(nodes[0]!.addresses.find((a) => a.ifname === 'eth0' && a.prefixlen === 16)!.local);
  });

  it('an existing conntrack entry for the flow: NAT from the entry, nat chains skipped', () => {
    const nodes = twoNodes({ 'node-a': rs(natToWebB) });
    nodes[0]!.conntrack.push({ l3: 'ipv4', protocol: 'tcp', original: { src: '10.244.0.5', dst: VIP, sport: 40000, dport: 80 }, reply: { src: '10.244.0.6', dst: '10.244.0.5', sport: 8080, dport: 40000 }, flags: ['ASSURED'], line: 7 });
    // Same flow (sport 40000): the entry says web-a, whatever the rules say now.
    const branches = runCase(nodes, { name: '', source: 'default/client', destination: VIP, port: 80, sport: 40000, disposition: '' });
    const b = only(branches);
    expect(b.endpoint?.ip).toBe('10.244.0.6');
    const steps = b.hops.flatMap((h) => h.steps);
    expect(steps.some((s) => s.kind === 'conntrack' && s.line === 7)).toBe(true);
    expect(b.notes.join(' ')).toMatch(/nat chains skipped/);
  });

  it('frames bridged pod to pod meet the bridge family and, with br_netfilter, the IP FORWARD hook', () => {
    const toWebA = (r: Ruleset) => only(runCase(twoNodes({ 'node-a': r }), { name: '', source: 'default/client', destination: '10.244.0.6', port: 8080, disposition: '' }));
    const bridgeDrop = table('l2', [base('fwd', 'filter', 'forward', -200, [rule('ip daddr 10.244.0.6 drop', daddr('10.244.0.6'), drop)])], 'bridge');
    expect(toWebA(rs(bridgeDrop)).reason).toMatch(/bridge l2 fwd/);
    const ipDrop = table('f', [base('fwd', 'filter', 'forward', 0, [rule('ip daddr 10.244.0.6 drop', daddr('10.244.0.6'), drop)])], 'ip');
    expect(toWebA(rs(ipDrop)).disposition).toBe('dropped');
    const off = only(
      runCase(
        twoNodes({ 'node-a': rs(ipDrop) }, (m) => {
          m.sysctl['net.bridge.bridge-nf-call-iptables'] = '0';
        }),
        { name: '', source: 'default/client', destination: '10.244.0.6', port: 8080, disposition: '' },
      ),
    );
    expect(off.disposition).toBe('delivered');
    expect(off.notes.join(' ')).toMatch(/br_netfilter off/);
  });

  it('numgen random mod 3 splits into three equal branches through a verdict map', () => {
    const ep = (i: number) => chain(`ep${i}`, [rule(`dnat ${i}`, dnat(`10.244.1.${i + 5}`, 8080))]);
    const vmap: Expr = {
      kind: 'vmap',
      key: { kind: 'numgen', mode: 'random', mod: 3, offset: 0 },
      map: { kind: 'inline', elements: [0, 1, 2].map((i) => ({ key: { kind: 'int' as const, value: i }, value: { kind: 'verdict' as const, verdict: 'goto' as const, target: `ep${i}` } })) },
    };
    const t = table('lb', [base('pre', 'nat', 'prerouting', -100, [rule('numgen', daddr(VIP), dport(80), vmap)]), ep(0), ep(1), ep(2)]);
    const b = toVip(rs(t));
    expect(b.map((x) => x.final?.daddr).sort()).toEqual(['10.244.1.5', '10.244.1.6', '10.244.1.7']);
    for (const x of b) expect(x.probability).toBeCloseTo(1 / 3, 12);
  });
});
