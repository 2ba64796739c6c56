/**
 * Cleanup is guaranteed: the built CLI runs `collect` against the test API server with slow exec,
 * and is interrupted (SIGINT / SIGTERM) at random points many times. After every run, no probe pod
 * is left on the server; runs that held pods exit 130 / 143.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_SELECTOR } from '../../src/probe/debug-pod.js';
import { BIN, ensureBuilt } from '../support/cli.js';
import { sampleObjects } from '../support/api-server/fixture.js';
import { servePods, TestApiServer, type PodsControl } from '../support/api-server/index.js';
import { fakeNodeBackend, fakeNodeTools } from './fake-node.js';
const RUNS = 20;
const PARALLEL = 4;
let server: TestApiServer;
let ctl: PodsControl;
let dir = '';
let kubeconfig = '';

const [labelKey, labelValue] = PROBE_SELECTOR.split(',')[0]!.split('=');
const probePodsLeft = (namespace?: string): string[] =>
  ctl.pods(namespace).filter((p) => (p.metadata?.labels as Record<string, string> | undefined)?.[labelKey!] === labelValue).map((p) => String(p.metadata?.name));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  ms: number;
}

const podCreateSeen = (namespace: string): boolean => server.requests.some((r) => r.method === 'POST' && r.path === `/api/v1/namespaces/${namespace}/pods`);

/**
 * Runs collect with its own probe namespace; sends `signal` `afterMs` after the start, or (when
 * `afterFirstCreate`) that long after its first pod create request reached the server.
 */
function run(namespace: string, afterMs?: number, signal: NodeJS.Signals = 'SIGINT', afterFirstCreate = false): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const args = ['collect', '--kubeconfig', kubeconfig, '-o', path.join(dir, `out-${namespace}.json`), '--probe-timeout', '20s', '--probe-namespace', namespace];
    const child = spawn(BIN, args, {
      env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => void (timer = setTimeout(() => child.kill(signal), afterMs));
    const poll = setInterval(() => {
      if (!podCreateSeen(namespace)) return;
      clearInterval(poll);
      arm();
    }, 10);
    if (afterMs === undefined || !afterFirstCreate) {
      clearInterval(poll);
      if (afterMs !== undefined) arm();
    }
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ code, signal: sig, stderr, ms: Date.now() - started });
    });
  });
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(path.join(os.tmpdir(), 'netx-interrupt-'));
  server = await TestApiServer.start({ objects: sampleObjects() });
  // Every exec takes 25 ms: a full probe of the 2 nodes spans a few seconds, so signals land mid-probe.
  ctl = servePods(server, { exec: fakeNodeBackend(fakeNodeTools(dir), { delayMs: 25 }), runningAfterMs: 150 });
  // Each run probes in a namespace of its own, which must exist (netx checks before creating pods).
  const names = ['full', 'killed', ...Array.from({ length: RUNS }, (_, i) => `run-${i}`)];
  server.objects.set('namespaces', [...(server.objects.get('namespaces') ?? []), ...names.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }))]);
  kubeconfig = server.writeKubeconfig(dir);
}, 180_000);
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('probe pods are deleted however collect ends', () => {
  it(`uninterrupted, then ${RUNS} runs interrupted at random points: zero pods left after each`, async () => {
    const full = await run('full');
    expect(full.stderr).toMatch(/wrote .*out-/);
    expect(full.code).toBe(0);
    expect(probePodsLeft()).toEqual([]);
    const createdBefore = ctl.created.length;
    // How long the probe part of a full run took: from its first pod create to its exit.
    const firstCreate = server.requests.findIndex((r) => r.method === 'POST' && r.path === '/api/v1/namespaces/full/pods');
    expect(firstCreate).toBeGreaterThan(0);
    const probeMs = Math.max(500, full.ms / 2);
    expect(createdBefore).toBe(2);

    const results: (Run & { signal: NodeJS.Signals | null; sent: NodeJS.Signals })[] = [];
    const queue = Array.from({ length: RUNS }, (_, i) => i);
    const worker = async (): Promise<void> => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const sent: NodeJS.Signals = i % 2 ? 'SIGTERM' : 'SIGINT';
        // A third anywhere from start-up on; the rest at a random point of the probe itself (pods exist).
        const fromStart = i % 3 === 0;
        const at = Math.round(Math.random() * (fromStart ? full.ms * 1.5 : probeMs));
        const r = await run(`run-${i}`, at, sent, !fromStart);
        results.push({ ...r, sent });
        expect(probePodsLeft(`run-${i}`), `after run ${i} (${sent} at ${at} ms, exit ${r.code ?? r.signal})`).toEqual([]);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));

    // Not vacuous: some runs were interrupted while holding pods, and exited with the signal's code.
    const interrupted = results.filter((r) => r.code === 130 || r.code === 143);
    expect(interrupted.length).toBeGreaterThan(2);
    for (const r of interrupted) expect(r.code).toBe(r.sent === 'SIGINT' ? 130 : 143);
    expect(ctl.created.length).toBeGreaterThan(createdBefore + 4);
    expect(ctl.deleted.length).toBe(ctl.created.length);
    expect(probePodsLeft()).toEqual([]);
    // The anchor Jobs go with their pods.
    expect(ctl.jobs()).toEqual([]);
    expect(results.some((r) => /deleting \d probe pod/.test(r.stderr))).toBe(true);
  }, 300_000);

  it('SIGKILL leaves pods the cluster removes by itself: each owned by the run\'s anchor Job, which expires with them; cleanup removes both now', async () => {
    const killed = await run('killed', 150, 'SIGKILL', true);
    expect(killed.signal).toBe('SIGKILL');
    const left = ctl.pods('killed').filter((p) => (p.metadata?.labels as Record<string, string> | undefined)?.[labelKey!] === labelValue);
    expect(left.length).toBeGreaterThan(0);
    const jobs = ctl.jobs().filter((j) => j.metadata?.namespace === 'killed');
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job.spec).toMatchObject({ parallelism: 0, ttlSecondsAfterFinished: 0 });
    for (const p of left) {
      // The garbage collector deletes a pod once its owner is gone; the Job controller fails the Job at this deadline.
      expect((p.metadata as { ownerReferences?: unknown[] }).ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata?.name, uid: job.metadata?.uid }]);
      expect((p.spec as { activeDeadlineSeconds: number }).activeDeadlineSeconds).toBe((job.spec as { activeDeadlineSeconds: number }).activeDeadlineSeconds);
    }
    const cleanup = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(BIN, ['cleanup', '--all', '-n', 'killed', '--kubeconfig', kubeconfig], { env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'ignore'] });
      let stdout = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(cleanup.code).toBe(0);
    expect(cleanup.stdout).toMatch(/^deleting job killed\/netx-probe-run-\w+/m);
    expect(probePodsLeft('killed')).toEqual([]);
    expect(ctl.jobs().filter((j) => j.metadata?.namespace === 'killed')).toEqual([]);
  }, 60_000);
});
