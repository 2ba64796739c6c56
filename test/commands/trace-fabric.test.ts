/**
 * trace through the built CLI where the snapshot ends (the `fabric` lab fixture: a router that is no node, an
 * off-network address) and where rule sets share a hook: exit codes, and the new JSON fields against the schema.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/corpus.js';
import { BIN, ensureBuilt } from '../support/cli.js';
const FABRIC = path.join(REPO_ROOT, 'test', 'fixtures', 'lab', 'fabric.snapshot.json');
const run = (snap: string, ...args: string[]) => spawnSync(BIN, ['trace', ...args, '--snapshot', snap, '--no-color'], { encoding: 'utf8', cwd: REPO_ROOT });

interface Doc {
  disposition: string;
  branches: { disposition: string; egress?: object; final?: { saddr: string; oif?: string }; hops: { steps: { assumption?: { kind: string } }[] }[] }[];
  findings: { code: string; severity: string }[];
}

describe('kubectl netx trace past the snapshot and with rule sets sharing a hook (built CLI)', () => {
  const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'trace.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  const dir = mkdtempSync(path.join(tmpdir(), 'netx-fabric-'));
  beforeAll(() => {
    ensureBuilt();
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** `-o json`: exit 0 and a document the schema accepts. */
  const json = (snap: string, ...args: string[]): Doc => {
    const r = run(snap, ...args, '-o', 'json');
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    return doc;
  };

  it('leaving the cluster is no failure: exit 0, disposition egress with the interface and the SNATed source', () => {
    const doc = json(FABRIC, 'client-2', '203.0.113.10:8080');
    expect(doc.disposition).toBe('egress');
    expect(doc.branches[0]).toMatchObject({ disposition: 'egress', egress: { node: 'node-a', dev: 'eth0', gateway: '172.31.10.1' }, final: { saddr: '172.31.10.10', oif: 'eth0' } });
    const text = run(FABRIC, 'client-2', '203.0.113.10:8080');
    expect(text.status).toBe(0);
    expect(text.stdout.split('\n')[1]).toMatch(/^LEAVES THE CLUSTER on 1 of 1 path · .*by eth0 to the gateway 172\.31\.10\.1/);
  });

  it('across a router that is no node: exit 0, the hop carries an underlay assumption, the finding says so', () => {
    const doc = json(FABRIC, 'client', 'pod/web-1:8080');
    expect(doc.disposition).toBe('delivered');
    expect(doc.branches[0]!.hops.flatMap((h) => h.steps).filter((s) => s.assumption).map((s) => s.assumption!.kind)).toEqual(['underlay']);
    expect(doc.findings).toContainEqual(expect.objectContaining({ code: 'underlay-assumed', severity: 'info' }));
  });

  it('kube-proxy rules in both iptables backends: hook-order assumption steps, both warnings, valid JSON', () => {
    // node-a's iptables-nft rules also in iptables-legacy (a switch without a reboot).
    const snap = JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', 'lab-flannel-iptables.snapshot.json'), 'utf8')) as { nodes: Record<string, { dumps: Record<string, { argv: string[] }> }> };
    const a = snap.nodes['node-a']!.dumps;
    a['iptables-legacy'] = { ...a['iptables']!, argv: ['iptables-legacy-save'] };
    const file = path.join(dir, 'mixed.json');
    writeFileSync(file, JSON.stringify(snap));
    const doc = json(file, 'client', 'svc/web:80');
    expect(doc.branches.flatMap((b) => b.hops.flatMap((h) => h.steps)).some((s) => s.assumption?.kind === 'hook-order')).toBe(true);
    // Both sets DNAT alike here: the other order gives the same outcome (info); the backends are a warning.
    expect(doc.findings).toContainEqual(expect.objectContaining({ code: 'hook-order-assumed', severity: 'info' }));
    expect(doc.findings).toContainEqual(expect.objectContaining({ code: 'mixed-backends', severity: 'warning' }));
  });
});
