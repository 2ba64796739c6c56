/** PodExecTransport against the test API server's exec: large outputs, exit codes, a vanished pod. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/cluster/client.js';
import { PodExecTransport } from '../../src/probe/pod-exec.js';
import { UserError } from '../../src/util/errors.js';
import { servePods, TestApiServer } from '../support/api-server/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-pod-exec-'));
const big = Array.from({ length: 40_000 }, (_, i) => `-A KUBE-SERVICES -d 10.96.${i >> 8}.${i & 255}/32 -j KUBE-SVC-${i}`).join('\n');
let server: TestApiServer;
let client: KubeClient;

beforeAll(async () => {
  server = await TestApiServer.start({ objects: { pods: [] } });
  servePods(server, {
    runningAfterMs: 0,
    exec: async ({ argv }) => (argv[0] === 'big' ? { stdout: big, stderr: '', exitCode: 0 } : { stdout: '', stderr: `${argv[0]}: boom\n`, exitCode: 2 }),
  });
  client = KubeClient.connect({ kubeconfig: server.writeKubeconfig(dir), requestTimeoutMs: 5000, env: {} });
  await client.raw({ method: 'POST', path: '/api/v1/namespaces/ns/pods', body: { metadata: { name: 'p' }, spec: { nodeName: 'n' } }, intent: { verb: 'create', resource: 'pods' } });
  await new Promise((r) => setTimeout(r, 50));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('exec through the API', () => {
  const transport = () => new PodExecTransport(client.connection.kc, 'ns', 'p', 'img');
  it('carries megabytes of stdout across many WebSocket frames intact', async () => {
    const r = await transport().exec(['big']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.length).toBe(big.length);
    expect(r.stdout).toBe(big);
  });
  it('a non-zero exit arrives as NonZeroExitCode and becomes the exit code, stderr kept', async () => {
    expect(await transport().exec(['fail', 'x'])).toMatchObject({ argv: ['fail', 'x'], exitCode: 2, stderr: 'fail: boom\n' });
  });
  it('a pod that is gone is a clear error, not a hang', async () => {
    const err = await new PodExecTransport(client.connection.kc, 'ns', 'gone', 'img').exec(['big']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/cannot exec into probe pod ns\/gone/);
  });
});
