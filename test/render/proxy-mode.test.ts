/** The proxy-mode text and wide output: configured line, node table, findings with next steps. */
import chalk from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeProxyMode } from '../../src/analyze/proxy-mode/index.js';
import { renderProxyModeText } from '../../src/render/proxy-mode.js';
import { switchedToNftables } from '../analyze/proxy-mode/cluster-fixture.js';

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
    expect(out.split('\n')[0]).toBe('Configured  no kube-proxy  (no kube-proxy DaemonSet and no kube-proxy pods in kube-system)');
    expect(out).toContain('no nodes in the snapshot');
    expect(out).toContain('! no kube-proxy and nothing that replaces it');
  });
});
