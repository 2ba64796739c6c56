/** `kubectl netx rbac` as a user runs it. */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { rbacObjects } from '../../src/cluster/rbac.js';
import { REPO_ROOT } from '../support/corpus.js';

const BIN = path.join(REPO_ROOT, 'bin', 'kubectl-netx');
const run = (...args: string[]) => spawnSync(BIN, ['rbac', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });

beforeAll(() => {
  if (!process.env.NETX_SKIP_BUILD) execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'pipe' });
}, 180_000);

describe('kubectl netx rbac', () => {
  it('prints the ClusterRole and Roles as YAML kubectl can apply', () => {
    const r = run();
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const docs = parseAllDocuments(r.stdout);
    expect(docs.every((d) => d.errors.length === 0)).toBe(true);
    expect(docs.map((d) => d.toJS())).toEqual(rbacObjects());
    expect(r.stdout).toContain('kubectl create clusterrolebinding kubectl-netx --clusterrole=kubectl-netx');
  });

  it('prints JSON with -o json and refuses other formats', () => {
    const r = run('-o', 'json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ apiVersion: 'v1', kind: 'List', items: rbacObjects() });
    const bad = run('-o', 'wide');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: /);
  });
});
