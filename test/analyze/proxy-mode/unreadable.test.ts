/**
 * Dumps that could not be read, judged on real lab captures: a note when other evidence decides the
 * node's mode, a `dump-unreadable` warning with next steps when it could have decided.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeProxyMode } from '../../../src/analyze/proxy-mode/index.js';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { REPO_ROOT } from '../../support/corpus.js';
import { dump } from './snapshot-builder.js';

const snap = (f: string): Snapshot => parseSnapshot(readFileSync(path.join(REPO_ROOT, f), 'utf8'), f);
const EXAMPLES = ['lab-flannel-iptables', 'lab-hostgw-nftables', 'lab-routed-iptables'].map((n) => `examples/${n}.snapshot.json`);

/** A lab capture whose node-a could not run one command (as when the debug image lacks the tool). */
function failing(f: string, key: string, stderr: string): Snapshot {
  const s = snap(f);
  s.nodes['node-a']!.dumps[key] = dump('', s.nodes['node-a']!.dumps[key]?.argv ?? [key], 127, `${stderr}\n`);
  return s;
}

describe('unreadable dumps', () => {
  it.each(EXAMPLES)('%s: ipvsadm missing and /proxyMode unreachable are notes, the mode is decided by the rules', (f) => {
    const r = analyzeProxyMode(snap(f));
    for (const n of r.nodes) {
      expect(n.effective.kind).toBe('known');
      expect(n.unreadable.map((u) => [u.dump, u.severity])).toEqual([
        ['ipvs', 'info'],
        ['proxyMode', 'info'],
      ]);
      expect(n.unreadable[0]!.cause).toBe('sh: 1: ipvsadm: not found');
      expect(n.unreadable[0]!.impact).toMatch(/^not needed: IPVS mode needs two of .* show no kube-ipvs0 link and no ipset rules$/);
      expect(n.unreadable[1]!.impact).toMatch(/^not needed: (iptables|nftables) is decided by (KUBE-SERVICES|table ip kube-proxy)/);
    }
    expect(r.findings.filter((f) => f.code === 'dump-unreadable')).toEqual([]);
  });

  it('nothing else decides (nft failed on an nftables node): the missing sources stay a warning with next steps', () => {
    const r = analyzeProxyMode(failing('test/fixtures/lab/no-endpoints-nftables.snapshot.json', 'nft', 'sh: 1: nft: not found'));
    const a = r.nodes.find((n) => n.node === 'node-a')!;
    expect(a.effective.kind).toBe('unknown');
    expect(a.unreadable.map((u) => [u.dump, u.severity])).toEqual([
      ['nft', 'warning'],
      // kube-ipvs0 absent and no ipset rules: ipvsadm's answer could not have made the node IPVS.
      ['ipvs', 'info'],
      ['proxyMode', 'warning'],
    ]);
    const [f, ...more] = r.findings.filter((x) => x.code === 'dump-unreadable');
    expect(more).toEqual([]);
    expect(f).toMatchObject({ severity: 'warning', node: 'node-a' });
    expect(f!.message).toBe(
      "node-a: could not read nft (sh: 1: nft: not found), proxyMode (curl: (7) Failed to connect to 127.0.0.1 port 10249 after 0 ms: Couldn't connect to server) — could have decided the node's mode, which is unknown without it",
    );
    expect(f!.nextSteps).toEqual(expect.arrayContaining(['on node node-a: nft list table ip kube-proxy', 'on node node-a: curl -s http://127.0.0.1:10249/proxyMode']));
    // node-b still reads its table: its missing optional sources are notes.
    expect(r.nodes.find((n) => n.node === 'node-b')!.unreadable.every((u) => u.severity === 'info')).toBe(true);
  });

  it("a failed link dump next to a failed ipvsadm: IPVS cannot be ruled out, so both could change the answer", () => {
    const s = failing('examples/lab-flannel-iptables.snapshot.json', 'link', 'ip: command not found');
    const a = analyzeProxyMode(s).nodes.find((n) => n.node === 'node-a')!;
    expect(a.effective).toMatchObject({ kind: 'known', mode: 'iptables', missing: ['ipvs'] });
    expect(a.unreadable.map((u) => [u.dump, u.severity])).toEqual([
      ['link', 'warning'],
      ['ipvs', 'warning'],
      ['proxyMode', 'info'],
    ]);
  });

  it("kube-proxy's own answer decides: every other unreadable dump is a note", () => {
    const s = snap('examples/lab-flannel-iptables.snapshot.json');
    s.nodes['node-a']!.dumps['nft'] = dump('', ['nft', '-j', 'list', 'ruleset'], 1, 'nft: netlink error\n');
    s.nodes['node-a']!.dumps['proxyMode'] = dump('iptables', ['curl']);
    const a = analyzeProxyMode(s).nodes.find((n) => n.node === 'node-a')!;
    expect(a.effective).toMatchObject({ kind: 'known', mode: 'iptables', basis: 'endpoint' });
    expect(a.unreadable.map((u) => [u.dump, u.severity, u.impact])).toEqual([
      ['nft', 'info', "not needed: kube-proxy's /proxyMode answer decides (iptables)"],
      ['ipvs', 'info', "not needed: kube-proxy's /proxyMode answer decides (iptables)"],
    ]);
  });
});
