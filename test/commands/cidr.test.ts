/** `kubectl netx cidr` as a user runs it: the built plugin, a snapshot file, a subprocess. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ensureBuilt, runCli } from '../support/cli.js';
import { kindSnapshot } from '../support/fixtures-cidr/kind-snapshot.js';

let dir = '';
let file = '';

const run = (...args: string[]) => runCli(['cidr', ...args]);

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'netx-cidr-'));
  file = path.join(dir, 'kind.snapshot.json');
  writeFileSync(file, JSON.stringify(kindSnapshot()));
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kubectl netx cidr --snapshot', () => {
  it('text: ranges with their source, the node table, findings', () => {
    const r = run('--snapshot', file);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Service CIDR\s+10\.96\.0\.0\/12\s+\(ServiceCIDR "kubernetes"; matches kube-system\/kube-apiserver-kind-control-plane --service-cluster-ip-range\)/);
    expect(r.stdout).toMatch(/Cluster CIDR\s+10\.244\.0\.0\/16\s+\(kube-system\/kube-controller-manager-kind-control-plane --cluster-cidr\)/);
    expect(r.stdout).toMatch(/kind-worker2\s+172\.18\.0\.3\s+10\.244\.1\.0\/24\s+212\s+212\/253\s+83\.8%\s+! nearly exhausted/);
    expect(r.stdout).toMatch(/fd00:10:244::\/64/);
    expect(r.stdout).toContain('! kind-worker2 podCIDR 10.244.1.0/24 83.8% used, 41 addresses left (kubelet max-pods is 250)');
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('wide: extra columns and every source consulted', () => {
    const r = run('--snapshot', file, '-o', 'wide');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/max pods/);
    expect(r.stdout).toContain('Service CIDR sources:');
    expect(r.stdout).toContain('Service default/kubernetes clusterIP 10.96.0.1 · low');
  });

  it('json and yaml carry the same report', () => {
    const j = run('--snapshot', file, '-o', 'json');
    expect(j.status).toBe(0);
    const report = JSON.parse(j.stdout);
    expect(report.kind).toBe('CidrReport');
    expect(report.serviceCidrs.ranges[0].cidr).toBe('10.96.0.0/12');
    expect(report.nodes.map((n: { name: string }) => n.name)).toEqual(['kind-worker', 'kind-worker2', 'kind-worker3']);
    const y = run('--snapshot', file, '-o', 'yaml');
    expect(y.status).toBe(0);
    expect(parseYaml(y.stdout)).toEqual(report);
  });

  it('a missing snapshot file: exit 1, one clear line, no stack trace', () => {
    const r = run('--snapshot', path.join(dir, 'nope.json'));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: .*nope\.json/);
    expect(r.stderr).not.toMatch(/\s+at \S+ \(/);
  });

  it('a file that is not a snapshot: exit 1 naming the problem', () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"kind":"Something"}');
    const r = run('--snapshot', bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).not.toMatch(/\s+at \S+ \(/);
  });

  it('an unknown output format is a usage error', () => {
    const r = run('--snapshot', file, '-o', 'mermaid');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error:/);
  });
});
