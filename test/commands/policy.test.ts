/** `kubectl netx policy` through the built CLI on the lab snapshot plus NetworkPolicies: output, exit codes, errors. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../support/corpus.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { LAB_POLICIES, labSnapshot } from '../analyze/policy/lab-snapshot.js';

let dir = '';
let file = '';
let bare = '';
const run = (snap: string, ...args: string[]) => runCli(['policy', ...args, '--snapshot', snap, '--no-color'], { env: process.env });

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'netx-policy-'));
  file = path.join(dir, 'policies.snapshot.json');
  writeFileSync(file, JSON.stringify(labSnapshot(LAB_POLICIES)));
  // A capture from before netx collected NetworkPolicies.
  const old = JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', 'lab-flannel-iptables.snapshot.json'), 'utf8')) as { cluster: { objects: Record<string, unknown> } };
  delete old.cluster.objects.networkpolicies;
  bare = path.join(dir, 'no-policies.snapshot.json');
  writeFileSync(bare, JSON.stringify(old));
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kubectl netx policy --snapshot', () => {
  it('allowed: exit 0, the rule that allows it on each endpoint, enforcement stated', () => {
    const r = run(file, 'client', 'svc/web:80');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^default\/client \(10\.244\.0\.10, node node-a\) → service default\/web 10\.96\.0\.10:80\n/);
    expect(r.stdout).toContain('ALLOWED on 3 of 3 flows');
    expect(r.stdout).toMatch(/NetworkPolicy not enforced: only flannel/);
    expect(r.stdout).toMatch(/ingress +default\/web-1 +allowed +isolated by default\/default-deny, default\/client-to-web/);
    expect(r.stdout).toContain('✓ default/client-to-web ingress[0] peer 0 port 0: pod default/client matches podSelector app=client; http/TCP = 8080 on default/web-1');
    expect(r.stdout).toMatch(/! 2 NetworkPolicies exist, but flannel alone does not enforce NetworkPolicy/);
  });
  it('denied: exit 3, the isolating policies, every rule that missed, and the not-enforced warning', () => {
    const r = run(file, 'echo-0', 'web-0:8080');
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/^DENIED · ingress of default\/web-0 isolated by default\/default-deny, default\/client-to-web; none of 1 ingress rule allows from default\/echo-0/m);
    expect(r.stdout).toContain('✗ default/client-to-web ingress[0]: pod default/echo-0 does not match podSelector app=client\n');
    expect(r.stdout).toContain('! policy denies this flow, but nothing enforces NetworkPolicy here: the traffic passes');
  });
  it('-o json and -o yaml carry the same report', () => {
    const j = run(file, 'echo-0', 'web-0:8080', '-o', 'json');
    const y = run(file, 'echo-0', 'web-0:8080', '-o', 'yaml');
    expect(j.status).toBe(3);
    const doc = JSON.parse(j.stdout) as { verdict: string; verdicts: { ingress: { kind: string; selectedBy: string[] } }[]; enforcement: { kind: string } };
    expect(doc.verdict).toBe('denied');
    expect(doc.verdicts[0]!.ingress).toMatchObject({ kind: 'denied', selectedBy: ['default/default-deny', 'default/client-to-web'] });
    expect(doc.enforcement.kind).toBe('not-enforcing');
    expect(parseYaml(y.stdout)).toEqual(doc);
  });
  it('--port and --protocol, external IP source', () => {
    const r = run(file, '172.31.250.1', 'pod/web-1', '--port', '5353', '--protocol', 'udp', '-o', 'json');
    expect(r.status).toBe(3);
    expect((JSON.parse(r.stdout) as { verdicts: { flow: unknown }[] }).verdicts[0]!.flow).toEqual({
      source: { kind: 'ip', ip: '172.31.250.1', owner: 'external' },
      destination: { kind: 'pod', ip: '10.244.1.10', name: 'default/web-1', node: 'node-b' },
      protocol: 'udp',
      port: 5353,
    });
  });
  it('a snapshot without NetworkPolicies is refused with the next step', () => {
    const r = run(bare, 'client', 'web-0:8080');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/lacks what this command needs: networkpolicies \(not in the file\)/);
    expect(r.stderr).toMatch(/hint: capture a complete snapshot/);
  });
  it('unknown pod: exit 1, a suggestion, no stack', () => {
    const r = run(file, 'clinet', 'web-0:8080');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: pod default/clinet not found');
    expect(r.stderr).toContain('did you mean client?');
    expect(r.stderr).not.toMatch(/at .*\.js/);
  });
  it('a bad flag value is a usage error (exit 2)', () => {
    const r = run(file, 'client', 'web-0:8080', '--protocol', 'icmp');
    expect(r.status).toBe(2);
  });
});
