/** `kubectl netx collect` as a user runs it: the built plugin in a subprocess against the test API server. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../src/snapshot/io.js';
import { ensureBuilt, runCliAsync } from '../support/cli.js';
import { sampleObjects } from '../support/api-server/fixture.js';
import { TestApiServer } from '../support/api-server/index.js';

let server: TestApiServer;
let dir = '';
let kubeconfig = '';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Async on purpose: the API server lives in this process and must keep answering. */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runCliAsync(args, { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1', ...env });
}

beforeAll(async () => {
  ensureBuilt();
  server = await TestApiServer.start({ objects: sampleObjects(30) });
  dir = mkdtempSync(path.join(tmpdir(), 'netx-collect-cmd-'));
  kubeconfig = server.writeKubeconfig(dir);
}, 180_000);
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  server.clearFaults();
});

/** One clear line (plus an optional hint line), never a stack trace. */
function expectCleanFailure(r: Run, message: string | RegExp): void {
  expect(r.status).not.toBe(0);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(typeof message === 'string' ? new RegExp(`^error: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message);
  expect(lines.length).toBeLessThanOrEqual(2);
  if (lines[1]) expect(lines[1]).toMatch(/^hint: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

// Each case starts the plugin (Node + oclif) once or twice: generous per-test time on a loaded machine.
describe('kubectl netx collect', { timeout: 90_000 }, () => {
  it('writes a valid snapshot to stdout with nothing else there (API part; --no-probe)', async () => {
    const r = await run(['collect', '--kubeconfig', kubeconfig, '--no-probe', '--service-cidr-dry-run']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const snap = parseSnapshot(r.stdout, 'stdout');
    expect(snap.source).toMatchObject({ type: 'live', context: 'netx-test', server: server.url });
    expect(snap.cluster.objects.pods).toHaveLength(32);
    expect(snap.cluster.serviceCidrProbe?.message).toMatch(/The range of valid IPs is 10\.96\.0\.0\/12/);
    expect(snap.source.gaps?.map((g) => `${g.what}: ${g.reason}`)).toEqual([
      'ippools: the API server does not serve this API (not installed)',
      'ciliumnodes: the API server does not serve this API (not installed)',
      'node dumps: node probe disabled (--no-probe)',
    ]);
    expect(snap.nodes).toEqual({});
  });

  it('writes -o FILE (gzip for .gz), scopes -n, and the file feeds --snapshot', async () => {
    const file = path.join(dir, 'team-1.json.gz');
    const r = await run(['collect', '-n', 'team-1', '-o', file], { KUBECONFIG: kubeconfig });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^wrote .*team-1\.json\.gz: 2 nodes, 5 namespaces, 10 pods, .*not collected: ippools/m);
    // This server runs no pods: each node's probe failure is said, not only recorded.
    expect(r.stderr).toMatch(/^warning: node kube-router-vm1 not probed: /m);
    const snap = parseSnapshot(gunzipSync(readFileSync(file)).toString('utf8'), file);
    expect(snap.cluster.objects.pods!.every((p) => p.metadata?.namespace === 'team-1')).toBe(true);
    // collect --snapshot re-reads a capture without the cluster, e.g. to decompress it.
    const again = await run(['collect', '--snapshot', file, '-o', '-'], { KUBECONFIG: path.join(dir, 'missing') });
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(snap);
  });

  it('merges two KUBECONFIG files like kubectl: the first current-context wins, duplicate names are fine', async () => {
    const gone = await TestApiServer.start({});
    // Same cluster/user/context names as the live server's file, but pointing at a closed port.
    const second = gone.writeKubeconfig(dir, { file: 'second', context: 'netx-test' });
    const third = gone.writeKubeconfig(dir, { file: 'third', context: 'elsewhere' });
    await gone.close();
    const r = await run(['collect', '--no-probe'], { KUBECONFIG: [kubeconfig, second, third].join(path.delimiter) });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).source).toMatchObject({ context: 'netx-test', server: server.url });
    // Listed in the third file only: selectable, and its (closed) server is the one reported.
    const other = await run(['collect', '--context', 'elsewhere'], { KUBECONFIG: [kubeconfig, second, third].join(path.delimiter) });
    expectCleanFailure(other, new RegExp(`^error: cannot reach the API server ${gone.url} \\(context "elsewhere"\\): connection refused$`));
  });

  it('fails in one line on a bad snapshot file', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ kind: 'NetxSnapshot', version: 9 }));
    expectCleanFailure(await run(['collect', '--snapshot', bad]), `${bad} is snapshot version 9, written by a newer kubectl-netx; upgrade (this one reads version 1)`);
  });

  it('fails in one line on an unknown context', async () => {
    expectCleanFailure(await run(['collect', '--kubeconfig', kubeconfig, '--context', 'prod']), `context "prod" not found in ${kubeconfig}; available: netx-test`);
  });

  it('fails in one line on a garbage kubeconfig', async () => {
    const garbage = path.join(dir, 'garbage.yaml');
    writeFileSync(garbage, '{{{ not: yaml ::\n\t- [');
    expectCleanFailure(await run(['collect'], { KUBECONFIG: garbage }), new RegExp(`^error: cannot load kubeconfig ${garbage}: `));
  });

  it('fails in one line when the server is unreachable', async () => {
    const gone = await TestApiServer.start({});
    const kc = gone.writeKubeconfig(dir, { file: 'gone', context: 'gone' });
    const url = gone.url;
    await gone.close();
    expectCleanFailure(await run(['collect', '--kubeconfig', kc]), `cannot reach the API server ${url} (context "gone"): connection refused`);
  });

  it('fails within --request-timeout when the server hangs', async () => {
    server.fault({ path: '/api/v1/pods', action: { kind: 'hang' } });
    const started = Date.now();
    const r = await run(['collect', '--kubeconfig', kubeconfig, '--request-timeout', '1s']);
    expect(Date.now() - started).toBeLessThan(15_000);
    expectCleanFailure(r, `the API server ${server.url} (context "netx-test") did not answer list pods in all namespaces within 1s (--request-timeout)`);
  });

  it('names the refused permission and points to kubectl netx rbac', async () => {
    const s = await TestApiServer.start({ objects: sampleObjects() });
    try {
      s.deny({ verb: 'list', resource: 'nodes' });
      const r = await run(['collect', '--kubeconfig', s.writeKubeconfig(dir, { file: 'deny' })]);
      expectCleanFailure(r, 'permission denied: user "netx-tester" cannot list nodes (context "netx-test")');
      expect(r.stderr).toContain('hint: netx needs get, list on nodes (node addresses, podCIDRs); `kubectl netx rbac` prints the RBAC rules to grant');
    } finally {
      await s.close();
    }
  });

  it('rejects bad credentials', async () => {
    const kc = server.writeKubeconfig(dir, { file: 'badtoken', token: 'nope' });
    expectCleanFailure(await run(['collect', '--kubeconfig', kc]), `the API server ${server.url} (context "netx-test") rejected the credentials (401 Unauthorized)`);
  });
});
