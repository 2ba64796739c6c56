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

  it('puts the probe pods\' Role in the namespace --probe-namespace names, with that Namespace labelled privileged', () => {
    const r = run('--probe-namespace', 'netx-probe', '-o', 'json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ apiVersion: 'v1', kind: 'List', items: rbacObjects({ probeNamespace: 'netx-probe' }) });
    expect(run('--service-cidr-dry-run', '-o', 'json').stdout).toContain('"services"');
  });

  it('prints JSON with -o json and refuses other formats', () => {
    const r = run('-o', 'json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ apiVersion: 'v1', kind: 'List', items: rbacObjects() });
    const bad = run('-o', 'wide');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: /);
  });

  it('-n is not silently ignored: it says to use --probe-namespace', () => {
    const r = run('-n', 'shop');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: -n\/--namespace does not apply to rbac: .*use --probe-namespace shop/);
  });

  it('--help lists only the flags that apply (no probe, kubeconfig or snapshot flags)', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    for (const flag of ['--image', '--no-probe', '--probe-timeout', '--host-binaries', '--kubeconfig', '--snapshot', '--request-timeout', '--namespace']) expect(r.stdout, flag).not.toContain(flag);
    for (const flag of ['--probe-namespace', '--service-cidr-dry-run', '--output']) expect(r.stdout, flag).toContain(flag);
  });
});
