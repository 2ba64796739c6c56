/**
 * NAT statements, held to the kernel. A namespace holds nat chains on every hook, one rule per case told apart by the
 * UDP destination port: `dnat` to an address, an address and port, a numgen map, maps keyed by a port and by a
 * concatenation, `redirect` with and without a port, `snat`, `masquerade` with and without a port (from a device whose
 * first address is not in the destination's subnet), IPv6 redirect and dnat, and the same in iptables' words (DNAT, REDIRECT, SNAT,
 * MASQUERADE). For each case one or more UDP packets are sent; the conntrack entry each leaves says what the kernel
 * translated the packet to (its reply tuple, reversed), and netx's evalRule, on the namespace's own dumps, must give
 * the kernel's translation of each packet, and no place the kernel did not send one to.
 */
import { describe, expect, it } from 'vitest';
import { inNs, run } from './exec.js';
import { withNetns } from './netns.js';
import { requireLab } from './support.js';
import { probeNode } from '../../src/probe/node-probe.js';
import { NetnsTransport } from '../../src/probe/transport.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { newPacket } from '../../src/sim/packet.js';
import { evalRule } from '../../src/sim/rule.js';
import type { Hook, Rule, Table } from '../../src/model/netfilter.js';
import type { NodeModel } from '../../src/model/node.js';

const R = '10.9.2.1';
const P = '10.9.2.2';
/** r's v0 has an address of another subnet first, so the source masquerade picks is not simply the first. */
const R_OTHER = '10.9.3.1';
/** An address only on r's loopback, the source of r's own packets that masquerade rewrites. */
const R_LO = '10.9.9.9';
const R6 = 'fd00:9::1';
const P6 = 'fd00:9::2';
/** Added after R6: the kernel lists a device's newer global IPv6 address first, and REDIRECT takes the first. */
const R6_NEWER = 'fd00:8::1';

interface Case {
  /** The UDP destination port that selects the case's rule. */
  port: number;
  /** Who sends: the peer towards r, or r itself towards the peer. */
  from: 'peer' | 'r';
  /** Packets to send (more than one where the kernel's choice rotates). */
  sends?: number;
  family?: 6;
}

const CASES: Case[] = [
  { port: 7001, from: 'peer' },
  { port: 7002, from: 'peer' },
  { port: 7003, from: 'peer', sends: 2 },
  { port: 7004, from: 'peer' },
  { port: 7005, from: 'peer' },
  { port: 7006, from: 'peer' },
  { port: 7007, from: 'peer' },
  { port: 7101, from: 'peer' },
  { port: 7102, from: 'peer' },
  { port: 7201, from: 'r' },
  { port: 7202, from: 'r' },
  { port: 7301, from: 'r' },
  { port: 7302, from: 'r' },
  { port: 7008, from: 'peer', family: 6 },
  { port: 7009, from: 'peer', family: 6 },
];

const NFT = [
  'flush ruleset',
  'table ip n {',
  `  map pairs { type ipv4_addr . inet_service : ipv4_addr . inet_service; elements = { ${P} . 7005 : 10.9.2.4 . 8005 } }`,
  '  chain pre {',
  '    type nat hook prerouting priority dstnat; policy accept;',
  `    udp dport 7001 dnat to ${R}`,
  `    udp dport 7002 dnat to ${R}:8002`,
  '    udp dport 7003 dnat to numgen inc mod 2 map { 0 : 10.9.2.3, 1 : 10.9.2.4 }',
  '    udp dport 7004 dnat ip addr . port to udp dport map { 7004 : 10.9.2.3 . 8004 }',
  '    udp dport 7005 dnat ip addr . port to ip saddr . udp dport map @pairs',
  '    udp dport 7006 redirect to :8006',
  '    udp dport 7007 redirect',
  '  }',
  '  chain in {',
  '    type nat hook input priority 100; policy accept;',
  '    udp dport 7101 snat to 10.9.2.50',
  '    udp dport 7102 snat to 10.9.2.50:9102',
  '  }',
  '  chain out {',
  '    type nat hook output priority -100; policy accept;',
  `    udp dport 7301 dnat to ${P}:8301`,
  '    udp dport 7302 redirect to :8302',
  '  }',
  '  chain post {',
  '    type nat hook postrouting priority srcnat; policy accept;',
  '    oifname "v0" udp dport 7201 masquerade',
  '    udp dport 7202 masquerade to :9202',
  '  }',
  '}',
  'table ip6 n6 {',
  '  chain pre {',
  '    type nat hook prerouting priority dstnat; policy accept;',
  '    udp dport 7008 redirect to :8008',
  `    udp dport 7009 dnat to [${R6}]:8009`,
  '  }',
  '}',
  '',
].join('\n');

/** The same statements in iptables' words (iptables-nft), where iptables has them: it has no maps. */
const IPTABLES = [
  '*nat',
  ':PREROUTING ACCEPT [0:0]',
  ':INPUT ACCEPT [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  ':POSTROUTING ACCEPT [0:0]',
  `-A PREROUTING -p udp --dport 7001 -j DNAT --to-destination ${R}`,
  `-A PREROUTING -p udp --dport 7002 -j DNAT --to-destination ${R}:8002`,
  '-A PREROUTING -p udp --dport 7006 -j REDIRECT --to-ports 8006',
  '-A PREROUTING -p udp --dport 7007 -j REDIRECT',
  '-A INPUT -p udp --dport 7101 -j SNAT --to-source 10.9.2.50',
  '-A INPUT -p udp --dport 7102 -j SNAT --to-source 10.9.2.50:9102',
  `-A OUTPUT -p udp --dport 7301 -j DNAT --to-destination ${P}:8301`,
  '-A OUTPUT -p udp --dport 7302 -j REDIRECT --to-ports 8302',
  '-A POSTROUTING -o v0 -p udp --dport 7201 -j MASQUERADE',
  '-A POSTROUTING -p udp --dport 7202 -j MASQUERADE --to-ports 9202',
  'COMMIT',
  '',
].join('\n');

/** Where each hook's rules are, per dialect: nft chain names of table ip n, iptables' built-in chains of table nat. */
const NFT_CHAINS: Record<NatHook, string> = { prerouting: 'pre', input: 'in', output: 'out', postrouting: 'post' };
const IPT_CHAINS: Record<NatHook, string> = { prerouting: 'PREROUTING', input: 'INPUT', output: 'OUTPUT', postrouting: 'POSTROUTING' };
type NatHook = Extract<Hook, 'prerouting' | 'input' | 'output' | 'postrouting'>;

/** A packet after NAT, as the connection's original direction sees it. */
const tuple = (t: { saddr: string; daddr: string; sport?: number; dport?: number }): string => `${t.saddr}:${t.sport} → ${t.daddr}:${t.dport}`;

/**
 * The translated packet of each UDP conntrack entry whose original destination port is `port`: the reply tuple
 * reversed (`conntrack -L` prints the original tuple, then the reply tuple).
 */
async function kernelTranslations(ns: string, port: number, family: 4 | 6): Promise<string[]> {
  const listed = await run(inNs(ns, ['conntrack', '-L', '-f', family === 6 ? 'ipv6' : 'ipv4', '-p', 'udp', '--orig-port-dst', String(port)]), { check: false });
  return listed.stdout
    .split('\n')
    .filter((l) => l.startsWith('udp'))
    .map((l) => {
      const field = (name: string): string[] => [...l.matchAll(new RegExp(`\\b${name}=(\\S+)`, 'g'))].map((m) => m[1]!);
      const [src, dst, sport, dport] = [field('src')[1]!, field('dst')[1]!, field('sport')[1]!, field('dport')[1]!];
      return tuple({ saddr: dst, daddr: src, sport: Number(dport), dport: Number(sport) });
    })
    .sort();
}

/**
 * The translations netx gives the case's packet: the hooks it crosses on its way (prerouting and input for a packet
 * the peer sends to r; output and postrouting for one r sends), each hook's chain walked in order until a rule
 * translates, every alternative of a numgen map kept.
 */
function netxTranslations(model: NodeModel, chainOf: (hook: NatHook, family: 4 | 6) => { table: Table; rules: Rule[] }, c: Case, sport: number): string[] {
  const hooks: NatHook[] = c.from === 'peer' ? ['prerouting', 'input'] : ['output', 'postrouting'];
  const [saddr, daddr] = ends(c);
  const start = c.from === 'peer' ? newPacket({ proto: 'udp', saddr, daddr, sport, dport: c.port, iif: 'v0' }) : { ...newPacket({ proto: 'udp', saddr, daddr, sport, dport: c.port }), oif: 'v0' };
  let packets = [start];
  for (const hook of hooks) {
    const { table, rules } = chainOf(hook, c.family ?? 4);
    packets = packets.flatMap((pkt) => {
      for (const rule of rules) {
        const outs = evalRule(rule, pkt, { node: model, ruleset: model.ruleset, table, hook, ctKnown: true, natChain: true });
        if (outs.some((o) => o.kind === 'uncertain')) throw new Error(`netx is unsure of ${c.port} at ${hook}: ${JSON.stringify(outs)}`);
        const translated = outs.filter((o) => o.kind === 'terminal' && o.terminal.kind === 'nat');
        if (translated.length > 0) return translated.map((o) => o.packet);
      }
      return [pkt];
    });
  }
  return [...new Set(packets.map(tuple))].sort();
}

/** The case's packet's source and destination before NAT. */
const ends = (c: Case): [string, string] => (c.family === 6 ? [P6, R6] : c.from === 'peer' ? [P, R] : [R_LO, P]);

/** The nat table of each family the cases use, by family and name. */
type NatTables = Partial<Record<4 | 6, { family: string; name: string }>>;

async function holdToKernel(load: (r: string) => Promise<void>, chains: Record<NatHook, string>, tables: NatTables, cases: Case[]): Promise<void> {
  await withNetns(
    ['r', 'peer'],
    async ({ r, peer }) => {
      await run(inNs(r!, ['ip', 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1', 'netns', peer!]));
      const rAddrs = [`${R_OTHER}/24`, `${R}/24`, '10.9.2.3/24', '10.9.2.4/24'].map((a) => `ip addr add ${a} dev v0`).join(' && ');
      const r6 = [R6, R6_NEWER].map((a) => `ip -6 addr add ${a}/64 dev v0 nodad`).join(' && ');
      await run(inNs(r!, ['sh', '-c', `ip link set lo up && ip addr add ${R_LO}/32 dev lo && ${rAddrs} && ${r6} && ip link set v0 up`]));
      await run(inNs(peer!, ['sh', '-c', `ip link set lo up && ip addr add ${P}/24 dev v1 && ip -6 addr add ${P6}/64 dev v1 nodad && ip link set v1 up`]));
      await load(r!);
    },
    async ({ r, peer }) => {
      const model = buildNodeModel('r', await probeNode(new NetnsTransport(r!), { dumps: [] }));
      const chainOf = (hook: NatHook, family: 4 | 6) => {
        const want = tables[family]!;
        const t = model.ruleset.tables.find((x) => x.family === want.family && x.name === want.name);
        if (!t) throw new Error(`no ${want.family} ${want.name} table in the dumps`);
        return { table: t, rules: t.chains.find((ch) => ch.name === chains[hook])?.rules ?? [] };
      };
      for (const c of cases) {
        const sports = Array.from({ length: c.sends ?? 1 }, (_, i) => 40000 + (c.port % 1000) * 10 + i);
        const netx = new Set<string>();
        for (const sport of sports) {
          const [saddr, daddr] = ends(c).map((a) => (c.family === 6 ? `[${a}]` : a));
          const udp = c.family === 6 ? 'UDP6' : 'UDP';
          await run(inNs(c.from === 'peer' ? peer! : r!, ['sh', '-c', `echo x | socat -u - ${udp}:${daddr}:${c.port},bind=${saddr}:${sport}`]), { check: false });
          for (const x of netxTranslations(model, chainOf, c, sport)) netx.add(x);
        }
        const kernel = await kernelTranslations(r!, c.port, c.family ?? 4);
        expect(kernel, `udp dport ${c.port} from ${c.from}: one entry per packet sent`).toHaveLength(sports.length);
        // Each packet went where netx says it may go; and where netx gives a packet several places (a numgen map that
        // netx cannot know the counter of), the packets sent went to each of them.
        for (const k of kernel) expect([...netx], `udp dport ${c.port} from ${c.from}`).toContain(k);
        const places = (xs: Iterable<string>) => [...new Set([...xs].map((x) => x.replace(/:4\d{4} →/, ':* →')))].sort();
        expect(places(netx), `udp dport ${c.port} from ${c.from}`).toEqual(places(kernel));
      }
    },
  );
}

describe('NAT statements, held to the kernel (lab)', () => {
  it('nft: each dnat, redirect, snat and masquerade translates as the kernel did', async (ctx) => {
    requireLab(ctx);
    await holdToKernel((r) => run(inNs(r, ['nft', '-f', '-']), { input: NFT }).then(() => undefined), NFT_CHAINS, { 4: { family: 'ip', name: 'n' }, 6: { family: 'ip6', name: 'n6' } }, CASES);
  }, 60_000);

  it('iptables: each DNAT, REDIRECT, SNAT and MASQUERADE translates as the kernel did', async (ctx) => {
    requireLab(ctx);
    const inIptables = new Set(IPTABLES.split('\n').flatMap((l) => /--dport (\d+)/.exec(l)?.[1] ?? []).map(Number));
    await holdToKernel(
      (r) => run(inNs(r, ['iptables-restore']), { input: IPTABLES }).then(() => undefined),
      IPT_CHAINS,
      { 4: { family: 'ip', name: 'nat' } },
      CASES.filter((c) => inIptables.has(c.port)),
    );
  }, 60_000);
});
