/** `kubectl netx cleanup` flags as a user meets them. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../support/cli.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'netx-cleanup-cli-'));
const run = (...args: string[]) => runCli(['cleanup', ...args], { env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1' } });

beforeAll(() => {
  ensureBuilt();
}, 180_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('kubectl netx cleanup', () => {
  it('--help lists only the flags that apply: no probe flags, no --snapshot', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    for (const flag of ['--image', '--no-probe', '--probe-timeout', '--host-binaries', '--local-node', '--privileged-probe', '--snapshot']) expect(r.stdout, flag).not.toContain(flag);
    for (const flag of ['--kubeconfig', '--context', '--namespace', '--request-timeout', '--all', '--dry-run']) expect(r.stdout, flag).toContain(flag);
  });

  it('without a kubeconfig it does not suggest --snapshot, which it cannot take', () => {
    const r = run();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: no kubeconfig found/);
    expect(r.stderr).not.toContain('--snapshot');
    const snap = run('--snapshot', 'x.json');
    expect(snap.status).toBe(2);
    expect(snap.stderr).toMatch(/^error: unknown flag: --snapshot/);
  });
});
