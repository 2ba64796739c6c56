import { describe, expect, it } from 'vitest';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { assembleNftDocument, coveredBySave, listedTables, nftItems } from '../../src/probe/nft-native.js';
import type { NodeCapture } from '../../src/snapshot/types.js';
import { readCorpus } from '../support/corpus.js';

// A node with kube-proxy's iptables-nft rules (kernel re-dump of kube-proxy's upstream test) and
// flannel's native nft table: what `nft -j list ruleset` would print there, and the iptables save.
const iptablesNft = nftItems(readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-nft.nft.json'));
const flannel = nftItems(readCorpus('kernel-redump', 'flannel-ipv4-nftables.nft.json'));
const save = readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-save.rules');
const ruleset = [...iptablesNft, ...flannel.filter((o) => !('metainfo' in o))];
/** What the cheap steps answer: `nft -j list tables` and `nft -j list chains` (declarations only). */
const tablesAnswer = ruleset.filter((o) => 'metainfo' in o || 'table' in o);
const chainsAnswer = ruleset.filter((o) => 'metainfo' in o || 'chain' in o);

const capture = (nftDoc: string): NodeCapture => ({
  dumps: {
    iptables: { argv: ['iptables-nft-save'], stdout: save, stderr: '', exitCode: 0 },
    nft: { argv: ['nft', '-j', 'list', 'tables'], stdout: nftDoc, stderr: '', exitCode: 0 },
  },
});

describe('native-tables nft dump', () => {
  const tables = listedTables(tablesAnswer);
  const covered = tables.filter((t) => coveredBySave(t, { ip: save }));

  it('skips exactly the iptables-nft tables the save shows', () => {
    expect(tables.map((t) => `${t.family} ${t.name}`)).toEqual(['ip filter', 'ip nat', 'ip flannel-ipv4']);
    expect(covered.map((t) => t.name)).toEqual(['filter', 'nat']);
    // No save (or a failed one) covers nothing: those tables are listed in full instead.
    expect(tables.filter((t) => coveredBySave(t, {}))).toEqual([]);
    // ip6 tables need the ip6tables save; a native table that happens to be called "filter" in inet is never skipped.
    expect(coveredBySave({ family: 'ip6', name: 'filter' }, { ip: save })).toBe(false);
    expect(coveredBySave({ family: 'inet', name: 'filter' }, { ip: save })).toBe(false);
  });

  it('builds the same node ruleset as the full `nft -j list ruleset`', () => {
    const native = new Map([['ip flannel-ipv4', flannel]]);
    const doc = assembleNftDocument(tablesAnswer, chainsAnswer, covered, native);
    const cheap = buildNodeModel('n', capture(doc));
    const full = buildNodeModel('n', capture(JSON.stringify({ nftables: ruleset })));
    expect(cheap.ruleset.tables.filter((t) => !t.unread).map((t) => `${t.origin} ${t.family} ${t.name}`)).toEqual(['iptables-nft ip filter', 'iptables-nft ip nat', 'nft ip flannel-ipv4']);
    expect(cheap.ruleset).toEqual(full.ruleset);
    expect(cheap.warnings).toEqual(full.warnings);
    // Covered tables keep their base-chain declarations only (which builtin chains the kernel hooks), no rules.
    const kept = nftItems(doc);
    const baseChains = (items: typeof kept, table: string): string[] =>
      items.filter((o) => 'chain' in o && (o.chain as { table: string }).table === table && 'hook' in (o.chain as object)).map((o) => (o.chain as { name: string }).name);
    expect(kept.some((o) => 'rule' in o && (o.rule as { table: string }).table !== 'flannel-ipv4')).toBe(false);
    expect(baseChains(kept, 'nat')).toEqual(baseChains(iptablesNft, 'nat'));
    // This kernel dump hooks no builtin chain of nat (iptables-nft made none): the table object alone says so,
    // and the model unhooks the builtin chains iptables-save prints, exactly as with the full ruleset.
    expect(baseChains(iptablesNft, 'nat')).toEqual([]);
    expect(listedTables(kept).map((t) => t.name)).toEqual(['filter', 'nat', 'flannel-ipv4']);
    expect(cheap.ruleset.tables.find((t) => t.name === 'nat')?.chains.some((c) => c.base)).toBe(false);
    expect(doc.length).toBeLessThan(JSON.stringify({ nftables: ruleset }).length / 2);
  });

  it('keeps the base chains of a covered table that has them, so the parser still sees an iptables-nft table', () => {
    const items = [
      { table: { family: 'ip', name: 'filter', handle: 1 } },
      { chain: { family: 'ip', table: 'filter', name: 'FORWARD', handle: 1, type: 'filter', hook: 'forward', prio: 0, policy: 'accept' } },
      { chain: { family: 'ip', table: 'filter', name: 'KUBE-FORWARD', handle: 2 } },
    ];
    const doc = nftItems(assembleNftDocument(items.slice(0, 1), items.slice(1), [{ family: 'ip', name: 'filter' }], new Map()));
    expect(doc).toEqual(items.slice(0, 2));
    const model = buildNodeModel('n', capture(JSON.stringify({ nftables: doc })));
    expect(model.ruleset.tables.filter((t) => !t.unread).map((t) => `${t.origin} ${t.name}`)).toEqual(['iptables-nft filter', 'iptables-nft nat']);
  });

  it('rejects an answer that is not nft JSON', () => {
    expect(() => nftItems('{"tables": []}')).toThrow(/no "nftables" array/);
  });
});
