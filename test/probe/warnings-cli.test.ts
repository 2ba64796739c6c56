/**
 * What a user sees on stderr when the probe fails, through the built CLI against the test API server
 * serving the bundled lab cluster: `trace` says per node why it was not probed (the kubelet's reason,
 * the --image hint; the API server's throttling and its Retry-After), and still answers on stdout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSnapshotFile } from '../../src/cli/snapshot-file.js';
import { servePods } from '../support/api-server/index.js';
import { ensureBuilt, liveCluster } from '../support/cli.js';
import { REPO_ROOT } from '../support/corpus.js';

const snapshot = readSnapshotFile(`${REPO_ROOT}/examples/lab-flannel-iptables.snapshot.json`);
type Live = Awaited<ReturnType<typeof liveCluster>>;
const clusters: Live[] = [];

beforeAll(() => ensureBuilt(), 180_000);
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.close()));
});

async function cluster(label: string): Promise<Live> {
  const c = await liveCluster({ snapshot, serverVersion: snapshot.cluster.serverVersion }, label);
  clusters.push(c);
  return c;
}

describe('probe failures on stderr', { timeout: 90_000 }, () => {
  it('trace: an image the nodes cannot pull is said per node, with the kubelet\'s reason and the --image hint', async () => {
    const c = await cluster('pull');
    servePods(c.server, { stuckReason: 'ErrImagePull' });
    // --namespace-for-probe: the probe namespace's older flag name still works.
    const r = await c.run(['trace', 'client', 'svc/web:80', '--kubeconfig', c.kubeconfig, '--image', 'registry.example/netshoot:v0.13', '--namespace-for-probe', 'kube-system']);
    expect(r.stdout).toMatch(/client/);
    for (const node of ['node-a', 'node-b']) {
      expect(r.stderr).toMatch(new RegExp(`^warning: node ${node} not probed: probe pod kube-system/netx-probe-${node}-\\w+ cannot start: ErrImagePull: .*\\nhint: the node must be able to pull registry.example/netshoot:v0.13; .*pass --image`, 'm'));
    }
    expect(r.stderr).not.toMatch(/internal error/);
  });

  it('trace: a throttling API server is said (its Retry-After, capped), and so is the node it cost', async () => {
    const c = await cluster('throttle');
    servePods(c.server);
    c.server.fault({ method: 'POST', path: /\/namespaces\/kube-system\/pods$/, action: { kind: 'status', code: 429, retryAfterSeconds: 1 } });
    const r = await c.run(['trace', 'client', 'svc/web:80', '--kubeconfig', c.kubeconfig, '--request-timeout', '0']);
    expect(r.stderr).toMatch(/^warning: the API server asked to wait 1s \(429, Retry-After\) before retrying create pods "netx-probe-node-a-\w+" in namespace kube-system; retrying in 1s$/m);
    expect(r.stderr).toMatch(/^warning: node node-a not probed: the API server .* throttled the request \(429 Too Many Requests\) to create pods .* after 5 attempts/m);
    expect(r.stderr).toMatch(/^hint: the API server is overloaded and asked to wait 1s before retrying/m);
  });
});
