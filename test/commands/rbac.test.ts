/** `kubectl netx rbac` as a user runs it. */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { rbacObjects } from '../../src/cluster/rbac.js';
import { ensureBuilt, runCli } from '../support/cli.js';

const run = (...args: string[]) => runCli(['rbac', ...args]);

beforeAll(() => {
  ensureBuilt();
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
