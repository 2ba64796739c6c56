/**
 * nft and iptables matches, held to the kernel one rule at a time. A receiving namespace holds one chain of counting
 * rules (no verdicts, so the kernel evaluates every rule for every packet), each a match netx evaluates: addresses,
 * prefixes, interval and concatenated sets, ports and port ranges, `th`, `meta l4proto`/`nfproto`/`protocol`/`mark`/
 * `pkttype`, interface names and wildcards, `ct state`/`status`/`original …`, `tcp flags`, negations; and in iptables'
 * words (in the mangle table, with ipsets) `multiport`, `conntrack`/`state`, `addrtype`, `set`, `iprange`, `pkttype`.
 * A peer sends UDP, TCP SYNs and ICMP echo over IPv4 and IPv6 (IPv4 only to the iptables chain), one packet at a time; for each packet and rule netx's evalRule, on the
 * namespace's own dumps, must match exactly when the kernel's counter for that rule went up, or, for what the
 * traced packet does not carry (UNMODELLED), say it cannot tell.
 */
import { describe, expect, it } from 'vitest';
import { inNs, run, sleep } from './exec.js';
import { withNetns } from './netns.js';
import { requireLab } from './support.js';
import { probeNode } from '../../src/probe/node-probe.js';
import { NetnsTransport } from '../../src/probe/transport.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { newPacket } from '../../src/sim/packet.js';
import { evalRule } from '../../src/sim/rule.js';
import type { L4Proto } from '../../src/sim/packet.js';
import type { NodeModel } from '../../src/model/node.js';
import type { Rule, Table } from '../../src/model/netfilter.js';

const R4 = '10.9.2.1';
const P4 = '10.9.2.2';
/** A second peer address, outside the /28 the rules name. */
const P4_FAR = '10.9.2.20';
const R6 = 'fd00:9::1';
const P6 = 'fd00:9::2';

/** Each line is one rule of chain `probe`; every packet a test sends reaches it (see RULESET). */
const MATCHES = [
  `ip saddr ${P4}`,
  `ip saddr != ${P4}`,
  'ip saddr 10.9.2.0/28',
  'ip saddr @near',
  `ip daddr ${R4} ip saddr != 10.9.2.0/28`,
  `ip6 saddr ${P6}`,
  'ip6 daddr fd00:9::/64',
  'meta nfproto ipv4',
  'meta nfproto ipv6',
  'meta protocol ip6',
  'meta l4proto tcp',
  'meta l4proto { udp, icmp }',
  'ip protocol udp',
  'ip protocol != tcp',
  'ip6 nexthdr tcp',
  'tcp dport 80',
  'tcp dport 1000-2000',
  'tcp dport != { 22, 80 }',
  'udp dport @ports',
  'udp dport 50-60',
  'udp sport != 40001',
  'th dport 53',
  'th sport 40000-40004',
  'th dport { 53, 443 }',
  'tcp flags & (syn | ack) == syn',
  'ct state new',
  'ct state established',
  'ct state { new, related }',
  'ct status dnat',
  `ct original ip daddr ${R4}`,
  'meta l4proto tcp ct original proto-dst 80',
  'iifname "v0"',
  'iifname "w*"',
  'iifname != "v*"',
  'meta mark 0',
  'meta mark & 0xff == 0x1',
  `ip daddr . udp dport { ${R4} . 53, ${R4} . 443 }`,
  'ip saddr . th dport @pairs',
  'meta pkttype host',
  'fib daddr type local',
  'fib saddr . iif oif "v0"',
  'fib daddr oif missing',
  'icmp type echo-request',
  'ip length 30',
  'ip ttl 64',
  'ip dscp cs0',
  'udp length 10',
  'ct direction original',
  'ct l3proto ipv4',
  'ct mark 0',
  'ct state untracked',
  'ct status confirmed',
  'tcp dport > 1024',
  'th dport < 100',
  'th dport != 53',
  `ip daddr { ${R4}, 10.9.2.5 }`,
  'ip saddr & 255.255.255.240 == 10.9.2.16',
  'ip saddr 10.9.2.2-10.9.2.10',
  'ip6 saddr fd00:9::/120',
  'meta iif "v0"',
  'meta iiftype ether',
  'meta pkttype broadcast',
  'tcp flags ! fin,rst',
  'ct state ! established,related',
  'tcp flags & (syn | ack) == syn | ack',
  'tcp flags syn,rst',
];

/**
 * What the traced packet does not carry, so netx answers `uncertain` (the trace says why) instead of guessing: the
 * kernel's answer is what these packets happened to have. `on`: only for packets of that protocol.
 */
const UNMODELLED: { what: string; matches: string[]; on?: L4Proto }[] = [
  { what: 'ICMP type and code', matches: ['icmp type echo-request', '-p icmp --icmp-type echo-request'] },
  { what: 'packet lengths', matches: ['ip length 30', 'udp length 10', '-m length --length 30'] },
  { what: 'the TTL netfilter sees (netx counts hops only to stop loops)', matches: ['ip ttl 64', '-m ttl --ttl-eq 64'] },
  { what: 'the DSCP bits', matches: ['ip dscp cs0'] },
  { what: "the incoming device's link type", matches: ['meta iiftype ether'] },
  { what: 'a port that is either the source or the destination (the rule model has no "or")', matches: ['-p udp -m multiport --ports 53,40002'] },
  { what: 'the bytes of an ICMP header where `th` reads ports (type, code, checksum)', matches: MATCHES.filter((m) => /\bth /.test(m)), on: 'icmp' },
];
const unmodelled = (m: string, p: Sent) => UNMODELLED.find((u) => u.matches.includes(m) && (u.on === undefined || u.on === p.proto));

const RULESET = [
  'flush ruleset',
  'table inet t {',
  '  set near { type ipv4_addr; flags interval; elements = { 10.9.2.0/30, 10.9.2.16/29 } }',
  '  set ports { type inet_service; elements = { 53, 5000 } }',
  `  set pairs { type ipv4_addr . inet_service; elements = { ${P4} . 5000, ${P4_FAR} . 53 } }`,
  '  chain probe {',
  ...MATCHES.map((m) => `    ${m} counter`),
  '  }',
  '  chain pre {',
  '    type filter hook prerouting priority 0; policy accept;',
  // Only the packets the test sends: not the neighbour discovery and router solicitations of the link.
  `    ip saddr 10.9.2.0/24 ip daddr ${R4} jump probe`,
  `    ip6 saddr ${P6} meta l4proto != ipv6-icmp jump probe`,
  '  }',
  '}',
  '',
].join('\n');

interface Sent {
  name: string;
  proto: L4Proto;
  saddr: string;
  daddr: string;
  sport?: number;
  dport?: number;
  /** The peer's command that sends exactly this packet. */
  send: string;
}

const udp = (saddr: string, daddr: string, sport: number, dport: number): Sent => {
  const [s, d] = saddr.includes(':') ? [`[${saddr}]`, `[${daddr}]`] : [saddr, daddr];
  return { name: `udp ${saddr}:${sport} → ${daddr}:${dport}`, proto: 'udp', saddr, daddr, sport, dport, send: `echo x | socat -u - UDP:${d}:${dport},bind=${s}:${sport}` };
};
// Nothing listens: the receiver answers the SYN with a RST, so exactly one SYN crosses prerouting.
const syn = (saddr: string, daddr: string, sport: number, dport: number): Sent => {
  const [s, d] = saddr.includes(':') ? [`[${saddr}]`, `[${daddr}]`] : [saddr, daddr];
  return { name: `tcp SYN ${saddr}:${sport} → ${daddr}:${dport}`, proto: 'tcp', saddr, daddr, sport, dport, send: `socat -u - TCP:${d}:${dport},bind=${s}:${sport},connect-timeout=2 </dev/null` };
};
// An echo request with its checksum (conntrack drops a bad one as invalid): type 8, code 0, id 1, sequence 1.
const echo = (saddr: string, daddr: string): Sent => ({
  name: `icmp echo ${saddr} → ${daddr}`,
  proto: 'icmp',
  saddr,
  daddr,
  send: `printf '\\010\\000\\367\\375\\000\\001\\000\\001' | socat -u - IP4-SENDTO:${daddr}:1,bind=${saddr}`,
});

/** The same questions in iptables' words (IPv4: iptables-nft in the mangle table), one rule each of chain PROBE. */
const IPTABLES_MATCHES = [
  `-s ${P4}`,
  `! -s ${P4}`,
  '-s 10.9.2.0/28',
  `-d ${R4} ! -s 10.9.2.0/28`,
  '-p udp',
  '! -p tcp',
  '-p tcp --dport 80',
  '-p tcp --dport 1000:2000',
  '-p tcp ! --dport 22',
  '-p udp --sport 40000:40004',
  '-p udp ! --sport 40001',
  '-p tcp -m multiport --dports 80,443',
  '-p udp -m multiport ! --dports 53,5000',
  '-p udp -m multiport --ports 53,40002',
  '-p tcp --syn',
  '-p tcp --tcp-flags SYN,ACK SYN',
  '-m conntrack --ctstate NEW',
  '-m conntrack --ctstate RELATED,ESTABLISHED',
  '-m conntrack ! --ctstate INVALID',
  '-m state --state NEW',
  '-m conntrack --ctstate DNAT',
  '-m conntrack --ctstatus CONFIRMED',
  `-m conntrack --ctorigdst ${R4}`,
  '-p tcp -m conntrack --ctorigdstport 80',
  '-i v0',
  '-i v+',
  '! -i w+',
  '-m mark --mark 0x0',
  '-m mark --mark 0x1/0xff',
  '-m addrtype --dst-type LOCAL',
  '-m addrtype --src-type LOCAL',
  '-m set --match-set near src',
  '-m set ! --match-set near src',
  '-m set --match-set pairs src,dst',
  '-m iprange --src-range 10.9.2.2-10.9.2.10',
  '-m comment --comment "a rule that only counts"',
  '-m pkttype --pkt-type unicast',
  '-p icmp --icmp-type echo-request',
  '-m length --length 30',
  '-m ttl --ttl-eq 64',
];

const IPSETS = [
  'create near hash:net family inet',
  'add near 10.9.2.0/30',
  'add near 10.9.2.16/29',
  'create pairs hash:ip,port family inet',
  `add pairs ${P4},udp:5000`,
  `add pairs ${P4_FAR},udp:53`,
  '',
].join('\n');

const IPTABLES_RULES = [
  '*mangle',
  ':PREROUTING ACCEPT [0:0]',
  ':PROBE - [0:0]',
  `-A PREROUTING -s 10.9.2.0/24 -d ${R4} -j PROBE`,
  ...IPTABLES_MATCHES.map((m) => `-A PROBE ${m}`),
  'COMMIT',
  '',
].join('\n');

const PACKETS: Sent[] = [
  udp(P4, R4, 40001, 53),
  udp(P4, R4, 40002, 5000),
  udp(P4, R4, 40010, 55),
  udp(P4_FAR, R4, 40003, 53),
  udp(P4_FAR, R4, 40004, 443),
  syn(P4, R4, 40005, 80),
  syn(P4, R4, 40006, 1500),
  syn(P4, R4, 40007, 22),
  syn(P4_FAR, R4, 40008, 443),
  echo(P4, R4),
  udp(P6, R6, 40009, 53),
  syn(P6, R6, 40011, 443),
];

/** Each rule's packet counter in nft chain `probe`, in rule order. */
async function nftCounters(ns: string): Promise<number[]> {
  const listed = await run(inNs(ns, ['nft', '-j', 'list', 'chain', 'inet', 't', 'probe']));
  const doc = JSON.parse(listed.stdout) as { nftables: { rule?: { expr: { counter?: { packets: number } }[] } }[] };
  return doc.nftables.flatMap((o) => (o.rule ? [o.rule.expr.find((e) => e.counter)?.counter?.packets ?? -1] : []));
}

/** Each rule's packet counter in iptables chain PROBE of the mangle table (`iptables-save -c` prints `[packets:bytes]`). */
async function iptablesCounters(ns: string): Promise<number[]> {
  const saved = await run(inNs(ns, ['iptables-save', '-c', '-t', 'mangle']));
  return saved.stdout.split('\n').flatMap((l) => {
    const m = /^\[(\d+):\d+\] -A PROBE /.exec(l);
    return m ? [Number(m[1])] : [];
  });
}

type Answer = 'match' | 'no match' | 'uncertain';

const total = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/**
 * The counters once the packet has been through the chain: a veth hands it to the receiver's softirq, which may run
 * after the sender has exited. Every packet matches some rule (the family matches), so the sum moves.
 */
async function settled(read: () => Promise<number[]>, before: number[]): Promise<number[]> {
  for (let i = 0; ; i++) {
    const now = await read();
    if (total(now) > total(before) || i === 50) return now;
    await sleep(20);
  }
}

interface Oracle {
  /** The matches, one rule each, in the chain's order. */
  matches: string[];
  packets: Sent[];
  /** Loads the rules into the receiving namespace. */
  load: (r: string) => Promise<void>;
  /** The chain's rules as netx read them from the dumps, for a packet of this family. */
  chain: (model: NodeModel, family: 4 | 6) => { table: Table; rules: Rule[] };
  counters: (r: string) => Promise<number[]>;
}

/**
 * Sends each packet from the peer and compares, rule by rule, what the kernel counted with what netx's evalRule
 * answers on the receiver's own dumps.
 */
async function holdToKernel(o: Oracle): Promise<void> {
  await withNetns(
    ['r', 'peer'],
    async ({ r, peer }) => {
      await run(inNs(r!, ['ip', 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1', 'netns', peer!]));
      await run(inNs(r!, ['sh', '-c', `ip link set lo up && ip addr add ${R4}/24 dev v0 && ip addr add ${R6}/64 dev v0 nodad && ip link set v0 up`]));
      await run(inNs(peer!, ['sh', '-c', `ip link set lo up && ip addr add ${P4}/24 dev v1 && ip addr add ${P4_FAR}/24 dev v1 && ip addr add ${P6}/64 dev v1 nodad && ip link set v1 up`]));
      await o.load(r!);
    },
    async ({ r, peer }) => {
      const model = buildNodeModel('r', await probeNode(new NetnsTransport(r!), { dumps: [] }));
      const seen = new Set<Answer>();
      const unsure = new Set<string>();
      for (const p of o.packets) {
        const family = p.saddr.includes(':') ? 6 : 4;
        const { table, rules } = o.chain(model, family);
        expect(rules).toHaveLength(o.matches.length);
        const before = await o.counters(r!);
        await run(inNs(peer!, ['sh', '-c', p.send]), { check: false });
        const after = await settled(() => o.counters(r!), before);
        const kernel = after.map((n, i): Answer => (n > before[i]! ? 'match' : 'no match'));
        const pkt = newPacket({ proto: p.proto, saddr: p.saddr, daddr: p.daddr, sport: p.sport, dport: p.dport, iif: 'v0' });
        const netx = rules.map((rule): Answer => {
          const outs = evalRule(rule, pkt, { node: model, ruleset: model.ruleset, table, hook: 'prerouting', ctKnown: true, natChain: false });
          return outs.every((x) => x.kind === 'fallthrough') ? 'match' : outs.every((x) => x.kind === 'nomatch') ? 'no match' : 'uncertain';
        });
        const lines = (a: Answer[]) => o.matches.map((m, i) => `${m}: ${a[i]}`);
        // Where netx cannot read what a match asks (UNMODELLED), it must say so; everywhere else, answer as the kernel.
        const expected = kernel.map((k, i) => (netx[i] === 'uncertain' && unmodelled(o.matches[i]!, p) ? 'uncertain' : k));
        expect(lines(netx), p.name).toEqual(lines(expected));
        netx.forEach((a, i) => a === 'uncertain' && unsure.add(unmodelled(o.matches[i]!, p)!.what));
        for (const a of kernel) seen.add(a);
      }
      // Every rule is held to the kernel where it matches and where it does not, across the packets.
      expect([...seen].sort()).toEqual(['match', 'no match']);
      // Each unmodelled entry that names these matches still is unmodelled: a fix shows up here.
      expect([...unsure].sort()).toEqual(UNMODELLED.filter((u) => u.matches.some((m) => o.matches.includes(m))).map((u) => u.what).sort());
    },
  );
}

const tableOf = (model: NodeModel, family: string, name: string): Table => {
  const t = model.ruleset.tables.find((x) => x.family === family && x.name === name);
  if (!t) throw new Error(`no ${family} ${name} table in the dumps`);
  return t;
};
const chainOf = (t: Table, name: string) => ({ table: t, rules: t.chains.find((c) => c.name === name)?.rules ?? [] });

describe('nft matches, held to the kernel (lab)', () => {
  it('each rule matches in netx exactly when the kernel counts the packet', async (ctx) => {
    requireLab(ctx);
    await holdToKernel({
      matches: MATCHES,
      packets: PACKETS,
      load: (r) => run(inNs(r, ['nft', '-f', '-']), { input: RULESET }).then(() => undefined),
      chain: (model) => chainOf(tableOf(model, 'inet', 't'), 'probe'),
      counters: nftCounters,
    });
  }, 120_000);
});

describe('iptables matches, held to the kernel (lab)', () => {
  it('each rule matches in netx exactly when the kernel counts the packet', async (ctx) => {
    requireLab(ctx);
    await holdToKernel({
      matches: IPTABLES_MATCHES,
      packets: PACKETS.filter((p) => !p.saddr.includes(':')),
      load: async (r) => {
        await run(inNs(r, ['ipset', 'restore']), { input: IPSETS });
        await run(inNs(r, ['iptables-restore']), { input: IPTABLES_RULES });
      },
      chain: (model) => chainOf(tableOf(model, 'ip', 'mangle'), 'PROBE'),
      counters: iptablesCounters,
    });
  }, 120_000);
});
