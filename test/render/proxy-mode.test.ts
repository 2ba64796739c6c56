/** The proxy-mode text and wide output: configured line, node table, findings with next steps. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import chalk from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeProxyMode } from '../../src/analyze/proxy-mode/index.js';
import { renderProxyModeText } from '../../src/render/proxy-mode.js';
import { switchedToNftables } from '../analyze/proxy-mode/cluster-fixture.js';
import { dump } from '../analyze/proxy-mode/snapshot-builder.js';
import { parseSnapshot } from '../../src/snapshot/io.js';
import { REPO_ROOT } from '../support/corpus.js';

const snap = (f: string) => parseSnapshot(readFileSync(path.join(REPO_ROOT, f), 'utf8'), f);

beforeAll(() => {
  chalk.level = 0;
});

describe('renderProxyModeText', () => {
  const report = () => analyzeProxyMode(switchedToNftables());

  it('text: configured line, per-node table with ! differs, findings with the restart command', () => {
    const out = renderProxyModeText(report());
    const lines = out.split('\n');
    expect(lines[0]).toBe('Configured  nftables  (ConfigMap kube-system/kube-proxy, config.conf: mode: nftables)');
    expect(out).toMatch(/node\s+effective\s+evidence\s+backend\s+kube-proxy/);
    expect(out).toMatch(/kind-worker\s+nftables\s+table ip kube-proxy \(77 rules, 9 service-ips elements\)\s+—\s+v1\.33\.1\n/);
    expect(out).toMatch(/kind-worker2\s+iptables\s+KUBE-SERVICES in iptables nat \(nf_tables\): 9 service rules\s+nft\s+v1\.33\.1\s+! differs/);
    // No pod listed on kind-worker3: the version comes from the DaemonSet's image, and says so.
    expect(out).toMatch(/kind-worker3\s+unknown\s+unknown — node not probed\s+\?\s+v1\.34\.0 \(DaemonSet\)/);
    expect(out).toContain('! kind-worker2 runs iptables but nftables is configured: its kube-proxy pod predates the ConfigMap change');
    expect(out).toContain('    → kubectl -n kube-system delete pod kube-proxy-x7k2');
    expect(out).toContain('i 1 of 3 node(s) not probed');
    expect(out.split('\n').every((l) => l === l.trimEnd())).toBe(true);
  });

  it('wide: basis, all signals, backend evidence and pod columns', () => {
    const out = renderProxyModeText(report(), { wide: true });
    expect(out).toMatch(/basis\s+evidence\s+all signals\s+backend\s+backend evidence\s+kube-proxy\s+pod/);
    expect(out).toContain("kubelet's KUBE-IPTABLES-HINT in mangle of dump iptables-nft");
    expect(out).toContain('kube-system/kube-proxy-x7k2');
    expect(out).toContain('DaemonSet image');
  });

  it('a cluster without kube-proxy says so on the configured line', () => {
    const r = analyzeProxyMode({ ...switchedToNftables(), cluster: { objects: { configmaps: [], daemonsets: [], pods: [], nodes: [] } }, nodes: {} });
    const out = renderProxyModeText(r);
    expect(out.split('\n')[0]).toBe('Configured  no kube-proxy  (no kube-proxy DaemonSet and no kube-proxy pods in kube-system; no node was probed for a kube-proxy outside Kubernetes)');
    expect(out).toContain('no nodes in the snapshot');
    expect(out).toContain('! no kube-proxy and nothing that replaces it');
  });

  describe('dumps that could not be read', () => {
    const CURL = "curl: (7) Failed to connect to 127.0.0.1 port 10249 after 0 ms: Couldn't connect to server";

    it.each(['lab-flannel-iptables', 'lab-hostgw-nftables', 'lab-routed-iptables'])('examples/%s: ipvsadm and /proxyMode are one note line each after the all-clear, no warning, no probe output', (name) => {
      const out = renderProxyModeText(analyzeProxyMode(snap(`examples/${name}.snapshot.json`)));
      expect(out).not.toMatch(/^!/m);
      expect(out).toContain('✓ configuration and dataplane agree on every node (2 of 2)');
      // The probe's own commands and their stderr are for -o wide.
      expect(out.trimEnd().split('\n').slice(-2)).toEqual([
        'i note: ipvs not read on node-a, node-b — could not change the answer (-o wide: why)',
        'i note: proxyMode not read on node-a, node-b — could not change the answer (-o wide: why)',
      ]);
      expect(out).not.toContain('sh: 1:');
      expect(out).not.toContain('curl:');
    });

    it('the note lines are dim when colour is on', () => {
      const level = chalk.level;
      chalk.level = 1;
      try {
        const out = renderProxyModeText(analyzeProxyMode(snap('examples/lab-flannel-iptables.snapshot.json')));
        expect(out).toContain('\u001b[2mi note: ipvs not read on node-a, node-b');
      } finally {
        chalk.level = level;
      }
    });

    it('-o wide: one note per node and dump, with the full reason and what decided instead', () => {
      const out = renderProxyModeText(analyzeProxyMode(snap('examples/lab-hostgw-nftables.snapshot.json')), { wide: true });
      expect(out).toContain('i note: proxyMode not read on node-b (sh -c ');
      expect(out).toContain('— not needed: nftables is decided by table ip kube-proxy (71 rules, 6 service-ips elements)');
      expect(out.match(/^i note: /gm)).toHaveLength(4);
    });

    it('lab no-endpoints-nftables with nft failed on node-a: nothing else decides, so a warning with what to run next', () => {
      const s = snap('test/fixtures/lab/no-endpoints-nftables.snapshot.json');
      s.nodes['node-a']!.dumps['nft'] = dump('', ['nft', '-j', 'list', 'ruleset'], 127, 'sh: 1: nft: not found\n');
      const out = renderProxyModeText(analyzeProxyMode(s));
      expect(out).not.toContain('✓ configuration and dataplane agree');
      expect(out).toContain(`! node-a: could not read nft (sh: 1: nft: not found), proxyMode (${CURL}) — could have decided the node's mode, which is unknown without it`);
      expect(out).toContain('    → on node node-a: nft list table ip kube-proxy');
      expect(out).toContain('    → on node node-a: curl -s http://127.0.0.1:10249/proxyMode');
      // What could not matter stays a note, on both nodes.
      expect(out).toContain('i note: ipvs not read on node-a, node-b — could not change the answer');
      expect(out).toContain('i note: proxyMode not read on node-b — could not change the answer');
      expect(out).not.toMatch(/^i note: (nft|proxyMode) not read on node-a/m);
    });
  });
});
