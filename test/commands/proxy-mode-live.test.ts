/** `kubectl netx proxy-mode` against the test API server: the live path without node probing (--no-probe; test/lab/probe has it with). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, liveCluster } from '../support/cli.js';
import { switchedToNftables } from '../analyze/proxy-mode/cluster-fixture.js';

let live: Awaited<ReturnType<typeof liveCluster>>;
let kubeconfig = '';
const run = (args: string[]) => live.run(args);

beforeAll(async () => {
  ensureBuilt();
  live = await liveCluster({ snapshot: switchedToNftables(), serverVersion: { major: '1', minor: '33', gitVersion: 'v1.33.1' } }, 'proxy-mode-live');
  kubeconfig = live.kubeconfig;
}, 180_000);
afterAll(async () => {
  await live?.close();
});

describe('kubectl netx proxy-mode (live)', () => {
  it('reads the configuration from the API; nodes are "not probed", with the reason', async () => {
    const r = await run(['proxy-mode', '--kubeconfig', kubeconfig, '-o', 'json', '--no-probe']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.serverVersion).toBe('v1.33.1');
    expect(report.configured).toMatchObject({ mode: 'nftables', sources: [expect.objectContaining({ object: 'ConfigMap kube-system/kube-proxy', mountedBy: 'DaemonSet kube-system/kube-proxy' })] });
    expect(report.nodes.map((n: { node: string; effective: unknown }) => [n.node, n.effective])).toEqual(
      ['kind-worker', 'kind-worker2', 'kind-worker3'].map((n) => [n, { kind: 'unknown', reason: 'node not probed' }]),
    );
    expect(report.findings).toEqual([expect.objectContaining({ code: 'nodes-not-probed', evidence: ['node dumps: node probe disabled (--no-probe)'] })]);
  });

  it('text: the configured line, then every node as unknown — node not probed', async () => {
    const r = await run(['proxy-mode', '--kubeconfig', kubeconfig, '--no-probe']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Configured\s+nftables\s+\(ConfigMap kube-system\/kube-proxy, config.conf: mode: nftables\)/);
    expect(r.stdout.match(/unknown — node not probed/g)).toHaveLength(3);
  });
});
