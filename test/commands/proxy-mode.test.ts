/** `kubectl netx proxy-mode` as a user runs it: the built plugin, a snapshot file, a subprocess. */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../support/corpus.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { switchedToNftables } from '../analyze/proxy-mode/cluster-fixture.js';

let dir = '';
let file = '';

const run = (...args: string[]) => runCli(['proxy-mode', ...args]);

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'netx-proxy-mode-'));
  file = path.join(dir, 'switched.snapshot.json');
  writeFileSync(file, JSON.stringify(switchedToNftables()));
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kubectl netx proxy-mode --snapshot', () => {
  it('json: configured mode, per-node effective modes, findings', () => {
    const r = run('--snapshot', file, '-o', 'json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.kind).toBe('ProxyModeReport');
    expect(report.configured.mode).toBe('nftables');
    expect(report.nodes.map((n: { node: string; effective: { kind: string; mode?: string } }) => [n.node, n.effective.mode ?? n.effective.kind])).toEqual([
      ['kind-worker', 'nftables'],
      ['kind-worker2', 'iptables'],
      ['kind-worker3', 'unknown'],
    ]);
    expect(report.findings.map((f: { code: string }) => f.code)).toEqual(['configured-effective-mismatch', 'nodes-disagree', 'nodes-not-probed']);
    const y = run('--snapshot', file, '-o', 'yaml');
    expect(y.status).toBe(0);
    expect(parseYaml(y.stdout)).toEqual(report);
  });

  it('text and wide', () => {
    const t = run('--snapshot', file);
    expect(t.status).toBe(0);
    expect(t.stdout).toMatch(/^Configured\s+nftables\s+\(ConfigMap kube-system\/kube-proxy, config.conf: mode: nftables\)/);
    expect(t.stdout).toMatch(/kind-worker2\s+iptables .* ! differs/);
    expect(t.stdout).not.toMatch(/\x1b\[/);
    const w = run('--snapshot', file, '-o', 'wide');
    expect(w.status).toBe(0);
    expect(w.stdout).toMatch(/backend evidence/);
  });

  it('a snapshot without what proxy-mode needs: a clear message, exit 1, no stack trace', () => {
    const bare = path.join(dir, 'bare.json');
    writeFileSync(bare, JSON.stringify({ ...switchedToNftables(), cluster: { objects: { nodes: [] } } }));
    const r = run('--snapshot', bare);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/lacks what this command needs: configmaps \(not in the file\); daemonsets \(not in the file\); pods \(not in the file\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('bad --output value → usage error, exit 2', () => {
    const r = run('--snapshot', file, '-o', 'mermaid');
    expect(r.status).toBe(2);
  });
});

/** The lab's bundled snapshots (examples/*.snapshot.json), when present: each names its proxy mode. */
const examples = existsSync(path.join(REPO_ROOT, 'examples')) ? readdirSync(path.join(REPO_ROOT, 'examples')).filter((f) => /^lab-.*(iptables|nftables).*\.snapshot\.json(\.gz)?$/.test(f)) : [];
describe.skipIf(examples.length === 0)('lab snapshots', () => {
  it.each(examples)('%s reports the mode in its name on every probed node', (f) => {
    const want = /nftables/.test(f) ? 'nftables' : 'iptables';
    const r = run('--snapshot', path.join(REPO_ROOT, 'examples', f), '-o', 'json');
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    const probed = report.nodes.filter((n: { probed: boolean }) => n.probed);
    expect(probed.length).toBeGreaterThan(0);
    for (const n of probed) expect(n.effective).toMatchObject({ kind: 'known', mode: want });
  });
});
