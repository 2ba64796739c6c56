/**
 * `th` reads the transport header's port offsets whatever the protocol: on ICMP or IP-in-IP those bytes are the
 * checksum or the inner header, which the traced packet does not carry (test/lab/match-oracle.test.ts holds
 * `th dport != 53` on an ICMP echo to the kernel: it matches). A comparison with them cannot be decided, but a
 * concatenation whose other part already differs can: kube-proxy's `ip daddr . meta l4proto . th dport vmap
 * @service-ips` takes no IP-in-IP packet, so Calico's tunnelled packets pass its chains.
 */
import { describe, expect, it } from 'vitest';
import type { Rule, Table } from '../../src/model/netfilter.js';
import type { NodeModel } from '../../src/model/node.js';
import { parseNftJson } from '../../src/parse/netfilter/nft-json.js';
import { newPacket, type L4Proto } from '../../src/sim/packet.js';
import { evalRule } from '../../src/sim/rule.js';
import { nfFixture } from '../parse/netfilter/support.js';

/** kube-proxy's nftables rules (k8s TestOverallNFTablesRules, as the kernel prints them back). */
function kubeProxy(): { table: Table; rule: (chain: string) => Rule } {
  const rs = parseNftJson(nfFixture('k8s-TestOverallNFTablesRules.nft.json'), { source: 'nft' });
  const table = rs.tables.find((t) => t.name === 'kube-proxy')!;
  return { table, rule: (chain) => table.chains.find((c) => c.name === chain)!.rules[0]! };
}

function outcome(proto: L4Proto, daddr: string, dport?: number): string[] {
  const { table, rule } = kubeProxy();
  const node = { name: 'n', ruleset: { tables: [table], warnings: [] } } as unknown as NodeModel;
  const pkt = newPacket({ proto, saddr: '10.0.0.2', daddr, dport });
  return evalRule(rule('services'), pkt, { node, ruleset: node.ruleset, table, hook: 'output', ctKnown: true, natChain: true }).map((o) => o.kind);
}

describe('th on a packet without ports', () => {
  it('a service address over TCP takes the service', () => {
    expect(outcome('tcp', '172.30.0.41', 80)).toEqual(['terminal']);
  });

  it('an IP-in-IP or ICMP packet to a service address takes no element: its protocol already differs', () => {
    expect(outcome('ipencap', '172.30.0.41')).toEqual(['nomatch']);
    expect(outcome('icmp', '172.30.0.41')).toEqual(['nomatch']);
  });

  it('compared on its own, it cannot be decided', () => {
    const { table } = kubeProxy();
    const node = { name: 'n', ruleset: { tables: [table], warnings: [] } } as unknown as NodeModel;
    const rule: Rule = { index: 0, text: 'th dport != 53', exprs: [{ kind: 'match', left: { kind: 'payload', protocol: 'th', field: 'dport' }, op: '!=', right: { kind: 'int', value: 53 } }] };
    const ctx = { node, ruleset: node.ruleset, table, hook: 'input' as const, ctKnown: true, natChain: false };
    expect(evalRule(rule, newPacket({ proto: 'icmp', saddr: '10.0.0.2', daddr: '10.0.0.1' }), ctx).map((o) => o.kind)).toEqual(['uncertain']);
    expect(evalRule(rule, newPacket({ proto: 'udp', saddr: '10.0.0.2', daddr: '10.0.0.1', dport: 53 }), ctx).map((o) => o.kind)).toEqual(['nomatch']);
  });
});
