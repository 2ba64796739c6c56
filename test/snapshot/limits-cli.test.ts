/**
 * Input limits through the built CLI: what is not a regular file or stdin is refused, and no input is
 * read or inflated past the limit; each ends with exit 1 and an error naming the limit, in bounded
 * time. Figures (time, memory): docs/snapshot.md "Limits".
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/corpus.js';
import { BIN, ensureBuilt, runCli, type CliRun } from '../support/cli.js';
import { GiB, zeroBomb } from './bombs.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => ensureBuilt(), 120_000);

function expectRefused(r: CliRun, message: RegExp): void {
  expect(r.status, r.stderr).toBe(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
}

describe('--snapshot input limits', () => {
  it('/dev/zero: refused at once (not read without end)', () => {
    expectRefused(runCli(['cidr', '--snapshot', '/dev/zero']), /^error: cannot read snapshot \/dev\/zero: is a character device, not a regular file\nhint: .*--snapshot -/);
  });

  it('a FIFO with no writer: refused at once (no wait)', () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expectRefused(runCli(['trace', 'client', 'svc/web', '--snapshot', fifo]), /^error: cannot read snapshot .*fifo: is a FIFO \(named pipe\), not a regular file/);
  });

  it('stdin that never ends (--snapshot - < /dev/zero): reading stops at the limit', () => {
    const zero = openSync('/dev/zero', 'r');
    try {
      const r = spawnSync(BIN, ['cidr', '--snapshot', '-'], { stdio: [zero, 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
      expectRefused({ status: r.status, stdout: r.stdout, stderr: r.stderr }, /^error: snapshot stdin holds more than 512 MiB, the most kubectl-netx reads/);
    } finally {
      closeSync(zero);
    }
  });

  it('a gzip bomb (2 GiB of zeros in 2 MB): inflating stops at the limit', () => {
    const bomb = path.join(dir, 'bomb.json.gz');
    writeFileSync(bomb, zeroBomb(2 * GiB));
    expectRefused(runCli(['proxy-mode', '--snapshot', bomb]), /^error: snapshot .*bomb\.json\.gz decompresses to more than 512 MiB, the most kubectl-netx reads/);
  });

  it('a snapshot on stdin still loads', () => {
    const r = spawnSync(BIN, ['cidr', '--snapshot', '-', '-o', 'json'], { input: readFileSync(path.join(REPO_ROOT, 'examples', 'lab-flannel-iptables.snapshot.json')), encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'CidrReport' });
  });

  it('a gzip bomb in one dump: that dump is named unreadable with the limit, the rest is answered', () => {
    const doc = JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', 'lab-flannel-iptables.snapshot.json'), 'utf8')) as { nodes: Record<string, { dumps: Record<string, unknown> }> };
    doc.nodes['node-a']!.dumps.nft = { argv: ['nft', '-j', 'list', 'ruleset'], stdout: zeroBomb(GiB).toString('base64'), stderr: '', exitCode: 0, encoding: 'gzip+base64' };
    const file = path.join(dir, 'dump-bomb.json');
    writeFileSync(file, JSON.stringify(doc));
    const r = runCli(['proxy-mode', '--snapshot', file, '-o', 'json']);
    expect(r.status, r.stderr).toBe(0);
    const nodeA = (JSON.parse(r.stdout) as { nodes: { node: string; effective: { kind: string; mode?: string }; unreadable: { dump: string; reason: string }[] }[] }).nodes.find((n) => n.node === 'node-a')!;
    expect(nodeA.unreadable).toContainEqual(expect.objectContaining({ dump: 'nft', reason: expect.stringMatching(/^cannot decompress nft: stdout inflates to more than 512 MiB/) }));
    expect(nodeA.effective).toMatchObject({ kind: 'known', mode: 'iptables' });
  });
});
