/**
 * Every rule of the kernel-produced netfilter fixtures (test/fixtures/netfilter: the iptables and nft zoos, the
 * kube-proxy dumps), evaluated by evalRule for a handful of packets that differ in every field a rule reads: protocol,
 * family, addresses, ports, incoming and outgoing device, bridge ports, mark, conntrack state, mark and NAT status;
 * and the first packet again before conntrack has run and on a node whose routes and addresses were not read.
 * Each outcome (match or not, verdict, NAT, mark changes, forks with their odds, notes, why it is uncertain) is
 * pinned by a golden file (test/fixtures/golden/sim/rules/); the match oracle (test/lab/match-oracle.test.ts) and the
 * NAT oracle (test/lab/nat-oracle.test.ts) hold the common matches and statements to the kernel. `npx vitest run -u`
 * this file rewrites the files after a deliberate change.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Chain, Ruleset, Table } from '../../src/model/netfilter.js';
import type { NodeModel } from '../../src/model/node.js';
import { parseIptablesSave } from '../../src/parse/netfilter/iptables-save.js';
import { parseNftJson } from '../../src/parse/netfilter/nft-json.js';
import { newPacket, UNKNOWN_PORT, type Packet } from '../../src/sim/packet.js';
import { evalRule, type RuleOutcome } from '../../src/sim/rule.js';
import { REPO_ROOT } from '../support/corpus.js';
import { fixture } from '../parse/fixtures.js';
import { flannelNode, NODE_A, NODE_B } from './topology.js';

const RULESETS: [file: string, parse: (text: string) => Ruleset][] = [
  ['zoo.iptables-save.rules', (t) => parseIptablesSave(t, { source: 'zoo', family: 'ip', origin: 'iptables-nft' })],
  ['more.iptables-save.rules', (t) => parseIptablesSave(t, { source: 'more', family: 'ip', origin: 'iptables-nft' })],
  ['ip6.ip6tables-save.rules', (t) => parseIptablesSave(t, { source: 'ip6', family: 'ip6', origin: 'iptables-nft' })],
  ['probe.nft.json', (t) => parseNftJson(t, { source: 'probe' })],
  ['more.nft.json', (t) => parseNftJson(t, { source: 'more' })],
  ['k8s-TestOverallNFTablesRules.nft.json', (t) => parseNftJson(t, { source: 'k8s' })],
];

const withCt = (p: Packet, ct: Partial<Packet['ct']>): Packet => ({ ...p, ct: { ...p.ct, ...ct } });

/** The packets, by name: each field a rule reads takes more than one value across them. */
const PACKETS: [string, Packet][] = [
  ['tcp pod → service, bridged', { ...newPacket({ proto: 'tcp', saddr: '10.244.0.5', daddr: '10.96.0.10', sport: 40000, dport: 80, iif: 'cni0' }), physIn: 'veth-client' }],
  ['udp pod → dns, mark 0x4000', newPacket({ proto: 'udp', saddr: '10.244.0.5', daddr: '10.96.0.10', sport: 40001, dport: 53, iif: 'cni0', mark: 0x4000 })],
  ['icmp pod → outside', newPacket({ proto: 'icmp', saddr: '10.244.0.5', daddr: '8.8.8.8', iif: 'cni0' })],
  ['tcp outside → node port, established, dnat', withCt(newPacket({ proto: 'tcp', saddr: '203.0.113.9', daddr: '172.18.0.2', sport: 50000, dport: 30080, iif: 'eth0' }), { state: 'established', status: ['dnat', 'confirmed'], mark: 0x10 })],
  ['udp from the node, out eth0', { ...newPacket({ proto: 'udp', saddr: '172.18.0.2', daddr: '10.0.0.5', sport: 40002, dport: 5353 }), oif: 'eth0' }],
  ['tcp v6 → service', newPacket({ proto: 'tcp', saddr: 'fd00::1', daddr: 'fd00:10::11', sport: 40003, dport: 443, iif: 'eth0' })],
  ['icmpv6 from the node', { ...newPacket({ proto: 'icmpv6', saddr: 'fd00::2', daddr: 'fd00::1' }), oif: 'eth0' }],
  ['tcp untracked, from a bridge port not in the dumps', withCt({ ...newPacket({ proto: 'tcp', saddr: '10.244.0.7', daddr: '10.244.0.6', sport: 40004, dport: 8080, iif: 'cni0' }), physIn: UNKNOWN_PORT }, { state: 'untracked' })],
  ['udp without a source port, after DNAT', { ...newPacket({ proto: 'udp', saddr: '10.244.0.5', daddr: '10.244.1.5', dport: 5353, iif: 'cni0' }), nat: { dnat: { saddr: '10.244.0.5', daddr: '10.244.1.5', dport: 5353 } } }],
];

/** The first packet again where what a rule reads besides the packet differs: conntrack not yet run, the node's dumps. */
const CONTEXTS: [string, (n: NodeModel) => NodeModel, ctKnown?: false][] = [
  ['before conntrack', (n) => n, false],
  ['routes and addresses not in the dumps', (n) => ({ ...n, routes: [], addresses: [], gaps: [{ dump: 'route', cause: 'failed', state: 'routes', reason: 'ip route exited 1' }] })],
];

const node = (ruleset: Ruleset): NodeModel => ({ ...flannelNode(NODE_A, [NODE_B]), ruleset });

/** What changed in the packet, field by field. */
function changes(before: Packet, after: Packet): string {
  const out: string[] = [];
  for (const k of ['saddr', 'daddr', 'sport', 'dport', 'mark'] as const) if (before[k] !== after[k]) out.push(`${k}=${String(after[k])}`);
  if (before.ct.state !== after.ct.state) out.push(`ct.state=${after.ct.state}`);
  if (before.ct.mark !== after.ct.mark) out.push(`ct.mark=${after.ct.mark}`);
  if (before.ct.status.join() !== after.ct.status.join()) out.push(`ct.status=${after.ct.status.join(',')}`);
  return out.length ? ` [${out.join(' ')}]` : '';
}

function outcome(o: RuleOutcome, before: Packet): string {
  const what = o.kind === 'terminal' ? `terminal ${JSON.stringify(o.terminal)}` : o.kind === 'uncertain' ? `uncertain: ${o.reason}${o.cause ? ` ${JSON.stringify(o.cause)}` : ''}` : o.kind;
  const p = o.probability === 1 ? '' : ` p=${o.probability.toFixed(6)}`;
  const notes = o.notes.length ? ` notes=${JSON.stringify(o.notes)}` : '';
  const affinity = o.affinity ? ` affinity=${o.affinity}` : '';
  return `${what}${p}${changes(before, o.packet)}${notes}${affinity}`;
}

function chainLines(n: NodeModel, table: Table, chain: Chain): string[] {
  const hook = chain.base?.hook ?? 'prerouting';
  // A regular chain runs in whatever base chain jumps to it: taken as a nat one, so that its NAT statements act.
  const natChain = chain.base ? chain.base.type === 'nat' : true;
  return chain.rules.flatMap((rule) => [
    `${table.family} ${table.name} ${chain.name} #${rule.index}: ${rule.text}`,
    ...PACKETS.map(([name, pkt]) => {
      const ctKnown = !(chain.base && chain.base.priority < -200 && (hook === 'prerouting' || hook === 'output'));
      const outs = evalRule(rule, pkt, { node: n, ruleset: n.ruleset, table, hook, ctKnown, natChain, physOut: 'veth-weba' });
      return `  ${name}: ${outs.map((o) => outcome(o, pkt)).join(' | ')}`;
    }),
    ...CONTEXTS.map(([name, change, ctKnown]) => {
      const [, pkt] = PACKETS[0]!;
      const m = change(n);
      const outs = evalRule(rule, pkt, { node: m, ruleset: m.ruleset, table, hook, ctKnown: ctKnown ?? true, natChain });
      return `  ${PACKETS[0]![0]}, ${name}: ${outs.map((o) => outcome(o, pkt)).join(' | ')}`;
    }),
  ]);
}

describe('every rule of the kernel-produced rulesets, for packets that differ in every field, matches its golden file', () => {
  for (const [file, parse] of RULESETS) {
    it(file, async () => {
      const n = node(parse(fixture('netfilter', file)));
      const text = n.ruleset.tables.flatMap((t) => t.chains.flatMap((c) => chainLines(n, t, c)));
      expect(text.length).toBeGreaterThan(PACKETS.length);
      await expect(`${text.join('\n')}\n`).toMatchFileSnapshot(path.join(REPO_ROOT, 'test', 'fixtures', 'golden', 'sim', 'rules', `${file}.txt`));
    });
  }
});
