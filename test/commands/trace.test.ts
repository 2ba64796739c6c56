/** The trace command through the built CLI on the bundled lab snapshot: exit codes, JSON against the schema. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/corpus.js';
import { BIN, ensureBuilt } from '../support/cli.js';
const SNAP = path.join(REPO_ROOT, 'examples', 'lab-flannel-iptables.snapshot.json');
const run = (...args: string[]) => spawnSync(BIN, ['trace', ...args, '--snapshot', SNAP, '--no-color'], { encoding: 'utf8', cwd: REPO_ROOT });

describe('kubectl netx trace (built CLI, bundled lab snapshot)', () => {
  beforeAll(() => {
    ensureBuilt();
  }, 120_000);

  const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'trace.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it('exit 0 and three endpoints at 1/3 each for a healthy service', () => {
    const r = run('client', 'svc/web:80', '-o', 'json');
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { disposition: string; branches: { probability: number; endpoint: { ip: string } }[] };
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.disposition).toBe('delivered');
    expect(doc.branches.map((b) => b.endpoint.ip).sort()).toEqual(['10.244.0.11', '10.244.1.10', '10.244.1.11']);
    for (const b of doc.branches) expect(b.probability).toBeCloseTo(1 / 3, 6);
  });

  it('text: the story names what the dumps do not show in words (the client pod\'s bridge port)', () => {
    const r = run('client', 'svc/web:80');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('arrives on cni0 (a bridge port the dumps do not name)');
    expect(r.stdout).not.toContain('(unknown bridge port)');
  });

  it('a service with two ports and none given is traced on each: one object, the traces listed in it', () => {
    const r = run('client', 'svc/web', '-o', 'json');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      disposition: string;
      destination: { port?: number; ports: { port: number; protocol: string }[] };
      branches: { trace: number }[];
      traces: { destination: { port: number; protocol: string } }[];
    };
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.disposition).toBe('delivered');
    expect(doc.traces.map((t) => `${t.destination.port}/${t.destination.protocol}`)).toEqual(['80/tcp', '53/udp']);
    expect(doc.destination.port).toBeUndefined();
    expect(doc.destination.ports.map((p) => `${p.port}/${p.protocol}`)).toEqual(['80/tcp', '53/udp']);
    expect(doc.branches.map((b) => b.trace)).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it('exit 3 and the rejecting rule for a service without endpoints', () => {
    const r = run('client', 'svc/ghost');
    expect(r.status).toBe(3);
    expect(r.stdout.split('\n')[1]).toMatch(/^REJECTED .*KUBE-SERVICES line \d+/);
    expect(r.stdout).toMatch(/has no ready endpoints/);
  });

  it('a typo gets a suggestion and exit 1, no stack trace', () => {
    const r = run('clinet', 'svc/web');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/pod default\/clinet not found/);
    expect(r.stderr).toMatch(/did you mean client\?/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('yaml and mermaid outputs', () => {
    const y = run('client', 'svc/echo', '-o', 'yaml');
    expect(y.status).toBe(0);
    expect(y.stdout).toMatch(/^branches:/m);
    const m = run('client', 'svc/ghost', '-o', 'mermaid');
    expect(m.status).toBe(3);
    expect(m.stdout).toMatch(/^flowchart LR/);
    expect(m.stdout).toMatch(/class t0b0end fail/);
  });

  it('new syntax: an outside client to a NodePort service entering one node (masquerade explained); a DNS name as DST', () => {
    const r = run('external:198.51.100.7', 'svc/web-np', '--from-node', 'node-b', '-o', 'json');
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { source: { ip: string; node: string }; destination: { ip: string; port: number; serviceType: string }; findings: { code: string }[] };
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.source).toMatchObject({ ip: '198.51.100.7', node: 'node-b' });
    expect(doc.destination).toMatchObject({ ip: '172.31.250.11', port: 30080, serviceType: 'NodePort' });
    expect(doc.findings.map((f) => f.code)).toContain('source-ip-masqueraded');
    const named = run('client', 'web.default:80', '-o', 'json');
    expect(named.status, named.stderr).toBe(0);
    const nd = JSON.parse(named.stdout) as { destination: { name: string }; dns: { attempts: { query: string }[] } };
    expect(validate(nd), JSON.stringify(validate.errors)).toBe(true);
    expect(nd.destination.name).toBe('default/web');
    expect(nd.dns.attempts.map((a) => a.query)).toEqual(['web.default.default.svc.cluster.local', 'web.default.svc.cluster.local']);
    const bad = run('external:198.51.100.7', 'svc/web', '--family', '6');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/no IPv6 address/);
  });
});
