/** The real kubectl finds bin/kubectl-netx on PATH and runs it as `kubectl netx`. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/corpus.js';
import { ensureBuilt } from '../support/cli.js';

// The first kubectl on PATH (CI puts the kube-lab's, built at the pinned release, first), else the system one.
const onPath = (process.env['PATH'] ?? '').split(':').map((d) => path.join(d, 'kubectl')).find((p) => path.isAbsolute(p) && existsSync(p));
const KUBECTL = onPath ?? '/usr/bin/kubectl';
const BIN_DIR = path.join(REPO_ROOT, 'bin');
// Only the repo's bin/ and the system directories: no other plugins a developer may have installed.
const env = { PATH: `${BIN_DIR}:/usr/bin:/bin`, HOME: '/nonexistent', NO_COLOR: '1' };
const kubectl = (...args: string[]) => spawnSync(KUBECTL, args, { encoding: 'utf8', env, timeout: 60_000 });

beforeAll(() => {
  ensureBuilt();
}, 180_000);

describe.skipIf(!existsSync(KUBECTL))('kubectl plugin discovery', { timeout: 90_000 }, () => {
  it('kubectl plugin list shows kubectl-netx from the repo', () => {
    const r = kubectl('plugin', 'list');
    // kubectl exits 1 on any warning about other plugins; what matters is that ours is listed.
    expect(r.stdout).toContain(path.join(BIN_DIR, 'kubectl-netx'));
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/kubectl-netx.*(is not executable|overshadowed|shadows)/);
  });

  it('kubectl netx --help runs the plugin and lists its commands', () => {
    const r = kubectl('netx', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Kubernetes network diagnostics/);
    for (const cmd of ['cidr', 'collect', 'rbac', 'trace']) expect(r.stdout).toMatch(new RegExp(`^\\s+${cmd}\\s`, 'm'));
  });

  it('passes arguments through and keeps the exit code', () => {
    const ok = kubectl('netx', 'rbac', '-o', 'json');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).items[0].kind).toBe('ClusterRole');
    const bad = kubectl('netx', 'collect', '--snapshot', '/nonexistent/capture.json');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error: cannot read snapshot \/nonexistent\/capture\.json: no such file/);
  });
});
