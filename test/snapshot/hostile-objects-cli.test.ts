/**
 * API objects with a shape the API server never gives, through the built CLI: each ends with a clear
 * error (the question needs the object) or a finding (it does not), naming the object and the field —
 * never exit 70 "internal error", never a stack trace.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/corpus.js';
import { ensureBuilt, runCli, type CliRun } from '../support/cli.js';

type Obj = { metadata: { name: string; namespace?: string }; spec: Record<string, unknown>; status: Record<string, unknown> };
type Doc = { cluster: { objects: Record<string, Obj[]> } };

const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-hostile-objects-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => ensureBuilt(), 120_000);

/** The bundled lab snapshot with one edit, written to a file; returns a runner for it. */
function edited(name: string, edit: (d: Doc, find: (resource: string, name: string) => Obj) => void): (...args: string[]) => CliRun {
  const doc = JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', 'lab-flannel-iptables.snapshot.json'), 'utf8')) as Doc;
  edit(doc, (resource, n) => doc.cluster.objects[resource]!.find((o) => o.metadata.name === n)!);
  const file = path.join(dir, `${name}.json`);
  // Written by hand: JSON.stringify of a 100,000-deep value would overflow before netx sees it.
  writeFileSync(file, JSON.stringify(doc).replace('"@DEEP@"', `${'['.repeat(100_000)}"10.244.0.11"${']'.repeat(100_000)}`));
  return (...args) => runCli([...args, '--snapshot', file, '--no-color']);
}

function expectClean(r: CliRun, exit: number): void {
  expect(r.status, r.stderr).toBe(exit);
  expect(r.stderr).not.toMatch(/internal error|This is a bug/);
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('a Service whose clusterIP is the number 42', () => {
  const run = edited('cluster-ip-42', (_d, find) => (find('services', 'web').spec.clusterIP = 42));

  it('trace to it: a clear error naming the Service, the field and what Kubernetes gives', () => {
    const r = run('trace', 'client', 'svc/web:80');
    expectClean(r, 1);
    expect(r.stderr).toMatch(/^error: Service default\/web, named in the command, does not have the shape Kubernetes gives it: spec\.clusterIP is the number 42, expected an IP address/);
    expect(r.stderr).toMatch(/hint: .*re-capture the snapshot \(kubectl netx collect -o FILE\).*cluster\.objects\.services\[1\]/);
  });

  it('cidr, which does not need it: answers, with a finding that names it', () => {
    const r = run('cidr', '-o', 'json');
    expectClean(r, 0);
    const f = (JSON.parse(r.stdout) as { findings: { code: string; message: string; evidence: { value: string }[] }[] }).findings.find((x) => x.code === 'malformed-object');
    expect(f?.message).toMatch(/^Service default\/web does not have the shape Kubernetes gives it and is left out/);
    expect(f?.evidence[0]?.value).toContain('spec.clusterIP is the number 42');
  });

  it('a trace to another service: answers, and names the left-out Service in its findings', () => {
    const r = run('trace', 'client', 'svc/echo', '-o', 'json');
    expectClean(r, 0);
    expect(r.stdout).toContain('"code": "malformed-object"');
    expect(r.stdout).toContain('Service default/web (cluster.objects.services[1]): spec.clusterIP is the number 42');
  });
});

describe('a Pod whose podIPs is a string', () => {
  const run = edited('pod-ips-string', (_d, find) => (find('pods', 'web-1').status.podIPs = '10.244.1.10'));

  it('cidr: a finding names Pod default/web-1 and status.podIPs', () => {
    const r = run('cidr');
    expectClean(r, 0);
    expect(r.stdout).toMatch(/Pod default\/web-1 does not have the shape Kubernetes gives it and is left out/);
    expect(r.stdout).toContain('status.podIPs is the string "10.244.1.10", expected a list');
  });

  it('trace to that pod: a clear error', () => {
    const r = run('trace', 'client', 'pod/web-1:8080');
    expectClean(r, 1);
    expect(r.stderr).toMatch(/^error: Pod default\/web-1, named in the command, does not have the shape .*status\.podIPs/);
  });

  it('policy to the service it backs: the endpoint pod is needed (its labels pick the policies)', () => {
    const r = run('policy', 'client', 'svc/web:80');
    expectClean(r, 1);
    expect(r.stderr).toMatch(/^error: Pod default\/web-1, an endpoint of service default\/web, does not have the shape/);
  });
});

describe('a DaemonSet with a null container', () => {
  const run = edited('null-container', (_d, find) => ((find('daemonsets', 'kube-proxy').spec.template as { spec: { containers: unknown[] } }).spec.containers = [null]));

  it('proxy-mode answers from the ConfigMap and the nodes, and names the DaemonSet', () => {
    const r = run('proxy-mode');
    expectClean(r, 0);
    expect(r.stdout).toContain('DaemonSet kube-system/kube-proxy does not have the shape Kubernetes gives it and is left out');
    expect(r.stdout).toContain('spec.template.spec.containers[0] is null, expected an object');
  });
});

describe('a Pod whose phase is a number', () => {
  const run = edited('numeric-phase', (_d, find) => (find('pods', 'echo-0').status.phase = 3));

  it('cidr answers and names it', () => {
    const r = run('cidr', '-o', 'json');
    expectClean(r, 0);
    expect(r.stdout).toContain('Pod default/echo-0 (cluster.objects.pods[4]): status.phase is the number 3, expected a string');
  });

  it('the source of a trace: a clear error', () => {
    const r = run('trace', 'echo-0', 'svc/web:80');
    expectClean(r, 1);
    expect(r.stderr).toMatch(/^error: Pod default\/echo-0, named in the command, does not have the shape .*status\.phase is the number 3/);
  });
});

describe('EndpointSlice addresses nested 100,000 deep', () => {
  const run = edited('deep-addresses', (d) => {
    const slice = d.cluster.objects.endpointslices!.find((s) => s.metadata.name.startsWith('web-') && !s.metadata.name.startsWith('web-np'))! as unknown as { endpoints: { addresses: unknown }[] };
    slice.endpoints[0]!.addresses = '@DEEP@';
  });

  it('trace to the service: a clear error naming the slice and where it nests too deep', () => {
    const r = run('trace', 'client', 'svc/web:80');
    expectClean(r, 1);
    expect(r.stderr).toMatch(/^error: EndpointSlice default\/web-ettel, an EndpointSlice of service default\/web, does not have the shape Kubernetes gives it: endpoints\[0\]\.addresses\[0\]\[0\]\[0\]… nests more than 64 levels deep/);
  });

  it('a trace elsewhere answers, naming the slice in a finding', () => {
    const r = run('trace', 'client', 'svc/echo');
    expectClean(r, 0);
    expect(r.stdout).toMatch(/EndpointSlice default\/web-ettel does not have the shape Kubernetes gives it and is left out/);
  });
});

describe('a node named "constructor"', () => {
  const run = edited('node-constructor', (_d, find) => (find('nodes', 'node-a').metadata.name = 'constructor'));

  it('proxy-mode reads the name as a name, not as Object.prototype.constructor', () => {
    const r = run('proxy-mode', '-o', 'json');
    expectClean(r, 0);
    expect(JSON.parse(r.stdout).nodes.map((n: { node: string }) => n.node)).toContain('constructor');
  });
});
