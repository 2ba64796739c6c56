/** Effective mode per node from real dumps: each mode, the backend, leftovers, gaps. */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyzeProxyMode } from '../../../src/analyze/proxy-mode/index.js';
import type { DumpResult } from '../../../src/snapshot/types.js';
import { readCorpus } from '../../support/corpus.js';
import { corpusDumps as c, dump, linkDump, snapshot } from './snapshot-builder.js';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from '../../support/corpus.js';

const fixture = (f: string) => readFileSync(`${REPO_ROOT}/test/fixtures/netfilter/${f}`, 'utf8');
/** A kernel-saved iptables-nft ruleset with no KUBE-* chains (what an nftables-mode node's iptables shows). */
const iptablesNoKube = () => dump(fixture('zoo.iptables-save.rules').replace(/^:KUBE-PROXY-CANARY.*\n/m, ''), ['iptables-nft-save']);
/**
 * The kube-proxy iptables ruleset after its KUBE-SERVICES rules were flushed: what an iptables-mode
 * leftover looks like once nothing maintains it (derived from the kernel redump by dropping those lines).
 */
const iptablesSkeleton = () => dump(readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-save.rules').split('\n').filter((l) => !l.startsWith('-A KUBE-SERVICES ')).join('\n'), ['iptables-nft-save']);

const oneNode = (dumps: Record<string, DumpResult>, gitVersion = 'v1.34.1') => analyzeProxyMode(snapshot({ nodes: { n1: dumps }, gitVersion })).nodes[0]!;

describe('effective mode per node', () => {
  it('iptables mode: KUBE-SERVICES with service rules; no kube-proxy nft table; no kube-ipvs0', () => {
    const n = oneNode({ 'iptables-nft': c.iptablesMode(), nft: c.nftOfIptablesNode(), link: linkDump(false), ipvs: dump('') });
    expect(n.effective).toEqual({ kind: 'known', mode: 'iptables', basis: 'dataplane', summary: 'KUBE-SERVICES in iptables nat (nf_tables): 9 service rules', missing: [] });
    expect(n.signals).toEqual([{ kind: 'iptables-services', dump: 'iptables-nft', backend: 'nf_tables', family: 'ip', rules: 10, serviceRules: 9, ipvsSetRules: 0, serviceChains: 5 }]);
  });

  it('nftables mode: table ip kube-proxy with services; iptables holds no KUBE-SERVICES', () => {
    const n = oneNode({ 'iptables-nft': iptablesNoKube(), nft: c.nftMode(), link: linkDump(false) });
    expect(n.effective).toMatchObject({ kind: 'known', mode: 'nftables', basis: 'dataplane', missing: [] });
    expect(n.signals).toContainEqual(expect.objectContaining({ kind: 'nft-table', family: 'ip', chains: 43, rules: 77, serviceElements: 9 }));
    expect(n.backend.backend).toBe('not-applicable');
  });

  it('IPVS mode needs two signals: kube-ipvs0 and virtual servers', () => {
    expect(oneNode({ link: linkDump(true), ipvs: c.ipvsCalico(), 'iptables-nft': iptablesNoKube(), nft: c.nftFlannelOnly() }).effective).toMatchObject({ kind: 'known', mode: 'ipvs' });
    // Virtual servers alone could be keepalived/LVS: not enough.
    const lone = oneNode({ link: linkDump(false), ipvs: c.ipvsMinikube(), 'iptables-nft': iptablesNoKube(), nft: c.nftFlannelOnly() });
    expect(lone.effective.kind).toBe('none');
    expect(lone.signals).toEqual([{ kind: 'ipvs-services', dump: 'ipvs', services: 4 }]);
  });

  it("kube-proxy's :10249/proxyMode answer outranks the dataplane; leftovers are still reported", () => {
    const n = oneNode({ proxyMode: dump('nftables\n'), 'iptables-nft': c.iptablesMode(), nft: c.nftMode() });
    expect(n.effective).toMatchObject({ kind: 'known', mode: 'nftables', basis: 'endpoint', summary: 'kube-proxy :10249/proxyMode says "nftables"' });
    const r = analyzeProxyMode(snapshot({ nodes: { n1: { proxyMode: dump('nftables'), 'iptables-nft': c.iptablesMode(), nft: c.nftMode() } } }));
    expect(r.findings.find((f) => f.code === 'mixed-rulesets')?.message).toMatch(/the iptables-mode rules \(KUBE-SERVICES\) are stale/);
  });

  it('after a switch to nftables: a KUBE-SERVICES skeleton is named stale, the node is nftables', () => {
    const r = analyzeProxyMode(snapshot({ nodes: { n1: { 'iptables-nft': iptablesSkeleton(), nft: c.nftMode(), link: linkDump(false) } } }));
    const n = r.nodes[0]!;
    expect(n.effective).toMatchObject({ kind: 'known', mode: 'nftables' });
    const f = r.findings.find((x) => x.code === 'mixed-rulesets');
    expect(f?.message).toMatch(/both iptables-mode and nftables-mode kube-proxy rules .*: the iptables-mode rules \(KUBE-SERVICES\) are stale/);
    expect(f?.evidence).toContain('KUBE-SERVICES in iptables nat (nf_tables): no service rules');
  });

  it('both rulesets populated → ambiguous, never a guess', () => {
    const r = analyzeProxyMode(snapshot({ nodes: { n1: { 'iptables-nft': c.iptablesMode(), nft: c.nftMode() } } }));
    expect(r.nodes[0]!.effective).toMatchObject({ kind: 'ambiguous', candidates: ['iptables', 'nftables'] });
    expect(r.nodes[0]!.differs).toBe(true);
    expect(r.findings.find((f) => f.code === 'mixed-rulesets')?.message).toMatch(/which one is stale cannot be told/);
  });

  it('iptables + IPVS both populated → ambiguous-node finding with next steps', () => {
    const r = analyzeProxyMode(snapshot({ nodes: { n1: { 'iptables-nft': c.iptablesMode(), link: linkDump(true), ipvs: c.ipvsMinikube() } } }));
    expect(r.nodes[0]!.effective).toMatchObject({ kind: 'ambiguous', candidates: ['iptables', 'ipvs'] });
    expect(r.findings.find((f) => f.code === 'ambiguous-node')?.nextSteps).toContain('on node n1: curl -s http://127.0.0.1:10249/proxyMode');
  });

  it('not probed → "unknown — node not probed", never guessed', () => {
    const r = analyzeProxyMode(snapshot({ objects: { nodes: [{ metadata: { name: 'quiet' } }] } }));
    expect(r.nodes[0]).toMatchObject({ node: 'quiet', probed: false, effective: { kind: 'unknown', reason: 'node not probed' }, differs: false });
    expect(r.findings.map((f) => f.code)).toContain('nodes-not-probed');
  });

  it('missing dumps make the answer partial; nothing readable → unknown with what is missing', () => {
    expect(oneNode({ 'iptables-nft': c.iptablesMode() }).effective).toMatchObject({ kind: 'known', mode: 'iptables', missing: ['nftables', 'ipvs'] });
    expect(oneNode({ 'iptables-nft': iptablesNoKube() }).effective).toEqual({ kind: 'unknown', reason: 'no kube-proxy service rules in what was read; not collected or unreadable: nft, ipvs, link' });
  });

  it('every witness read and none populated → none', () => {
    expect(oneNode({ 'iptables-nft': iptablesNoKube(), nft: c.nftFlannelOnly(), link: linkDump(false), ipvs: dump('') }).effective.kind).toBe('none');
  });

  it('a failed or unreadable dump is listed, not fatal', () => {
    const n = oneNode({ 'iptables-legacy': dump('', ['iptables-legacy-save'], 127, 'sh: iptables-legacy-save: not found\n'), nft: dump('{"nftables": 3}'), 'iptables-nft': c.iptablesMode() });
    expect(n.unreadable).toEqual([
      // Another iptables dump decided: a note. nft could have shown a second populated mode: a warning.
      { dump: 'iptables-legacy', reason: 'iptables-legacy-save failed: sh: iptables-legacy-save: not found', cause: 'sh: iptables-legacy-save: not found', severity: 'info', impact: expect.stringMatching(/^not needed: iptables is decided by KUBE-SERVICES/) },
      { dump: 'nft', reason: expect.stringMatching(/^nft/), cause: expect.stringMatching(/^nft/), severity: 'warning', impact: expect.stringContaining('nftables-mode rules could not be looked for') },
      // The probe always takes the link dump: its absence is listed too (kube-ipvs0 could not be looked for).
      { dump: 'link', reason: 'link is not in the snapshot', cause: 'not collected', severity: 'warning', impact: expect.stringContaining('ipvs-mode rules could not be looked for') },
    ]);
    expect(n.effective).toMatchObject({ kind: 'known', mode: 'iptables', missing: ['nftables', 'ipvs'] });
  });

  it('gzip+base64 dumps are decoded', () => {
    const text = readCorpus('kernel-redump', 'k3s-kube-proxy-nftables.nft.json');
    const n = oneNode({ nft: { argv: ['nft', '-j', 'list', 'ruleset'], stdout: gzipSync(text).toString('base64'), stderr: '', exitCode: 0, encoding: 'gzip+base64' } });
    expect(n.effective).toMatchObject({ kind: 'known', mode: 'nftables' });
  });
});

describe('iptables backend', () => {
  it("kubelet's KUBE-IPTABLES-HINT in the nft mangle table → nf_tables (iptables-wrappers' test)", () => {
    const n = oneNode({ 'iptables-nft': c.iptablesWithCanary() });
    expect(n.backend).toEqual({ backend: 'nf_tables', evidence: "kubelet's KUBE-IPTABLES-HINT in mangle of dump iptables-nft" });
  });

  it('the same canary only in the legacy dump → legacy', () => {
    const legacy = dump(c.iptablesWithCanary().stdout, ['iptables-legacy-save']);
    const n = oneNode({ 'iptables-legacy': legacy, 'iptables-nft': iptablesNoKube() });
    expect(n.backend).toEqual({ backend: 'legacy', evidence: "kubelet's KUBE-IPTABLES-HINT in mangle of dump iptables-legacy" });
    expect(n.signals[0]).toMatchObject({ kind: 'iptables-services', backend: 'legacy' });
  });

  it('no canary: the backend holding KUBE-SERVICES', () => {
    expect(oneNode({ 'iptables-nft': c.iptablesMode() }).backend).toEqual({ backend: 'nf_tables', evidence: 'KUBE-SERVICES only in the nf_tables dump (no kubelet canary chain found)' });
  });

  it('a plain `iptables` dump: backend from the command, else the save header (detectIptablesOrigin) — not the program name', () => {
    const n = oneNode({ iptables: dump(readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-save.rules'), ['iptables-save']) });
    // The redump header reads "# Generated by iptables-save v1.8.9 (nf_tables)".
    expect(n.signals[0]).toMatchObject({ dump: 'iptables', backend: 'nf_tables' });
    // "# Generated by iptables-save v1.8.9 on …" without a tag: only legacy builds print that (1.8+ nft builds tag it).
    // The same rules under the header a legacy build printed here (test/fixtures/netfilter/legacy.iptables-save.rules).
    const legacyHead = fixture('legacy.iptables-save.rules').split('\n')[0]!;
    expect(legacyHead).toMatch(/^# Generated by iptables-save v1\.8\.9 on /);
    const rules = readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-save.rules').replace(/^# Generated by .*$/m, legacyHead);
    expect(oneNode({ iptables: dump(rules, ['iptables-save']) }).signals[0]).toMatchObject({ dump: 'iptables', backend: 'legacy' });
    // No header at all (a pasted `iptables -t nat -S`-less save): unknown, never assumed.
    const noHeader = oneNode({ iptables: dump(readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-save.rules').replace(/^# .*\n/gm, ''), ['iptables-save']) });
    expect(noHeader.signals[0]).toMatchObject({ dump: 'iptables', backend: 'unknown' });
  });
});

describe('not probed', () => {
  it("the capture's reason for missing dumps is the finding's evidence", () => {
    const s = snapshot({ objects: { nodes: [{ metadata: { name: 'a' } }] } });
    s.source.gaps = [{ what: 'node dumps', reason: 'probe not available yet', code: 'unsupported' }];
    expect(analyzeProxyMode(s).findings.find((f) => f.code === 'nodes-not-probed')?.evidence).toEqual(['node dumps: probe not available yet']);
  });
});

describe('IPv6', () => {
  /** Hand-written in kube-proxy's iptables-mode shape (IPv6 service fd00:10:96::a, one endpoint). */
  const ip6Save = [
    '# Generated by ip6tables-save v1.8.9 (nf_tables) on Sun Nov 22 22:56:00 2026',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]',
    ':KUBE-SEP-ZXMNUKOKXUTL2MK2 - [0:0]',
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A KUBE-SERVICES -d fd00:10:96::a/128 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU',
    '-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> [fd00:10:244::2]:53" -j KUBE-SEP-ZXMNUKOKXUTL2MK2',
    '-A KUBE-SEP-ZXMNUKOKXUTL2MK2 -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination [fd00:10:244::2]:53',
    'COMMIT',
    '',
  ].join('\n');

  it('KUBE-SERVICES in an ip6tables dump counts (IPv6-only clusters)', () => {
    const n = oneNode({ ip6tables: dump(ip6Save, ['ip6tables-save']), nft: c.nftFlannelOnly() });
    expect(n.signals).toEqual([expect.objectContaining({ kind: 'iptables-services', dump: 'ip6tables', family: 'ip6', backend: 'nf_tables', serviceRules: 1 })]);
    expect(n.effective).toMatchObject({ kind: 'known', mode: 'iptables', summary: 'KUBE-SERVICES in ip6tables nat (nf_tables): 1 service rule' });
  });
});
