import { describe, expect, it } from 'vitest';
import { mergeRulesets } from '../../../src/parse/netfilter/merge.js';
import { parseIptablesSave } from '../../../src/parse/netfilter/iptables-save.js';
import { parseNftJson } from '../../../src/parse/netfilter/nft-json.js';
import { readCorpus } from '../../support/corpus.js';
import { nfFixture } from './support.js';

const iptSave = () => parseIptablesSave(nfFixture('zoo.iptables-save.rules'), { source: 'iptables-save', family: 'ip', origin: 'iptables-nft' });
const iptNft = () => parseNftJson(nfFixture('zoo.iptables-nft.nft.json'), { source: 'nft' });
const native = () => parseNftJson(readCorpus('kernel-redump', 'k3s-kube-proxy-nftables.nft.json'), { source: 'nft-k3s' });
const legacy = () => parseIptablesSave(nfFixture('legacy.iptables-save.rules'), { source: 'legacy', family: 'ip', origin: 'iptables-legacy' });

describe('mergeRulesets', () => {
  it('takes iptables-nft tables from iptables-save and native tables from the nft dump', () => {
    const nftDump = { ...iptNft(), tables: [...iptNft().tables, ...native().tables] };
    const m = mergeRulesets([nftDump, iptSave()]);
    expect(m.tables.map((t) => `${t.family} ${t.name} ${t.origin} ${t.dump}`).sort()).toEqual([
      'ip filter iptables-nft iptables-save',
      'ip kube-proxy nft nft-json',
      'ip mangle iptables-nft iptables-save',
      'ip nat iptables-nft iptables-save',
      'ip raw iptables-nft iptables-save',
    ]);
    // The skipped nft copies carried xt expressions; the kept ones carry no xt text.
    expect(m.tables.flatMap((t) => t.chains.flatMap((c) => c.rules.flatMap((r) => r.exprs))).some((e) => 'text' in e && e.text.startsWith('xt '))).toBe(false);
    expect(m.warnings.filter((w) => w.code === 'iptables-nft-without-save')).toEqual([]);
  });

  it('unhooks builtin chains iptables-save prints but the kernel does not have, and drops the kernel copy of the table', () => {
    // iptables-nft-save prints :PREROUTING etc. for every table; the kernel only has the base chains a rule needed.
    const save = parseIptablesSave('*mangle\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:KUBE-IPTABLES-HINT - [0:0]\n-A OUTPUT -j MARK --set-xmark 0x1/0xffffffff\nCOMMIT\n', {
      source: 'iptables',
      family: 'ip',
      origin: 'iptables-nft',
    });
    // The kernel's copy: OUTPUT (it has a rule) and the user chain, no PREROUTING; without xt rules the nft parser cannot tell it is iptables-nft's.
    const kernel = parseNftJson(
      JSON.stringify({
        nftables: [
          { metainfo: { json_schema_version: 1 } },
          { table: { family: 'ip', name: 'mangle', handle: 1 } },
          { chain: { family: 'ip', table: 'mangle', name: 'OUTPUT', handle: 2, type: 'route', hook: 'output', prio: -150, policy: 'accept' } },
          { chain: { family: 'ip', table: 'mangle', name: 'KUBE-IPTABLES-HINT', handle: 3 } },
        ],
      }),
      { source: 'nft' },
    );
    const m = mergeRulesets([save, kernel]);
    expect(m.tables.map((t) => `${t.family} ${t.name} ${t.dump}`)).toEqual(['ip mangle iptables-save']);
    const chains = m.tables[0]!.chains;
    expect(chains.filter((c) => c.base).map((c) => c.name)).toEqual(['OUTPUT']);
    expect(chains.map((c) => c.name)).toEqual(['PREROUTING', 'OUTPUT', 'KUBE-IPTABLES-HINT']);
  });

  it('keeps an iptables-nft table seen only in the nft dump, with a warning to collect iptables-save', () => {
    const m = mergeRulesets([iptNft()]);
    expect(m.tables).toHaveLength(4);
    expect(m.warnings.filter((w) => w.code === 'iptables-nft-without-save').map((w) => w.message.split(' was')[0])).toEqual([
      'table ip raw',
      'table ip mangle',
      'table ip nat',
      'table ip filter',
    ]);
  });

  it('keeps legacy and nft tables side by side and warns that both backends are in use', () => {
    const m = mergeRulesets([iptSave(), legacy()]);
    expect(m.tables.filter((t) => t.name === 'nat').map((t) => t.origin)).toEqual(['iptables-nft', 'iptables-legacy']);
    expect(m.warnings.map((w) => w.code)).toContain('mixed-iptables-backends');
  });

  it('merges ipsets and drops a duplicate table with a warning', () => {
    const withSets = { tables: [], warnings: [], ipsets: [{ name: 'A', type: 'hash:ip', members: ['10.0.0.1'] }] };
    const m = mergeRulesets([iptSave(), iptSave(), withSets, withSets]);
    expect(m.tables).toHaveLength(4);
    expect(m.ipsets).toEqual([{ name: 'A', type: 'hash:ip', members: ['10.0.0.1'] }]);
    expect(m.warnings.filter((w) => w.code === 'duplicate-table')).toHaveLength(4);
    expect(m.warnings.filter((w) => w.code === 'duplicate-ipset')).toHaveLength(1);
  });
});
