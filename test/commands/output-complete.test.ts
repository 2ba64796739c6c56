/**
 * Output is complete whatever stdout is. The built CLI is spawned with stdout on a pipe whose reader
 * starts late (the pipe's 64 KiB fill up before anyone reads), and what comes through is compared
 * byte for byte with the same command's output redirected to a file; the exit code must be kept.
 * Every command and format that prints a lot, with exit 3 (trace, policy) and 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../support/cli.js';
import { writeBigClusterSnapshot, writeBigTraceSnapshot } from '../support/big-output.js';

const ENV = { ...process.env, NO_COLOR: '1' };
const READER_DELAY_MS = 1500;
const PIPE_BUFFER = 64 * 1024;

let dir = '';
let traceSnap = '';
let cluster = { file: '', client: '' };

/** Runs with stdout redirected to a file: the reference bytes. */
function toFile(args: string[]): { bytes: Buffer; status: number | null } {
  const out = path.join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const fd = openSync(out, 'w');
  try {
    const r = spawnSync(BIN, args, { stdio: ['ignore', fd, 'pipe'], env: ENV, timeout: 120_000 });
    return { bytes: readFileSync(out), status: r.status };
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs as `kubectl netx … | jq` runs: stdout is a pipe to a reader that starts READER_DELAY_MS late
 * (a shell pipeline), which keeps what it reads; the exit status is netx's own (PIPESTATUS).
 */
function throughLatePipe(args: string[]): Promise<{ bytes: Buffer; status: number | null; stderr: string }> {
  const out = path.join(dir, `piped-${Math.random().toString(36).slice(2)}`);
  const script = `"$0" "$@" 2>"${out}.err" | { sleep ${READER_DELAY_MS / 1000}; cat > "${out}"; }; echo "\${PIPESTATUS[0]}" > "${out}.status"`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script, BIN, ...args], { stdio: 'ignore', env: ENV });
    child.on('error', reject);
    child.on('close', () => {
      resolve({ bytes: readFileSync(out), status: Number(readFileSync(`${out}.status`, 'utf8').trim()), stderr: readFileSync(`${out}.err`, 'utf8') });
    });
  });
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'netx-output-'));
  traceSnap = writeBigTraceSnapshot(dir);
  cluster = writeBigClusterSnapshot(dir);
}, 180_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('complete output on a pipe whose reader starts late', { timeout: 180_000 }, () => {
  it('trace -o json: more than 1 MB, exit 3, the same bytes as in a file, and jq-readable', async () => {
    const args = ['trace', 'client', 'svc/web', '--snapshot', traceSnap, '-o', 'json'];
    const file = toFile(args);
    expect(file.status).toBe(3);
    expect(file.bytes.length).toBeGreaterThan(1024 * 1024);
    const piped = await throughLatePipe(args);
    expect(piped.status, piped.stderr).toBe(3);
    expect(piped.bytes.length).toBe(file.bytes.length);
    expect(piped.bytes.equals(file.bytes)).toBe(true);
    expect((JSON.parse(piped.bytes.toString()) as { disposition: string }).disposition).not.toBe('delivered');
  });

  const cases: [string, () => string[], number][] = [
    ['trace -o yaml', () => ['trace', 'client', 'svc/web', '--snapshot', traceSnap, '-o', 'yaml'], 3],
    ['trace -v (text, every rule)', () => ['trace', 'client', 'svc/web', '--snapshot', traceSnap, '-v'], 3],
    ['trace -o jsonpath', () => ['trace', 'client', 'svc/web', '--snapshot', traceSnap, '-o', 'jsonpath={.branches[*].hops}'], 3],
    ['policy -o json', () => ['policy', cluster.client, 'svc/team-0/many', '--snapshot', cluster.file, '-o', 'json'], 3],
    ['policy -o yaml', () => ['policy', cluster.client, 'svc/team-0/many', '--snapshot', cluster.file, '-o', 'yaml'], 3],
    ['policy (text)', () => ['policy', cluster.client, 'svc/team-0/many', '--snapshot', cluster.file], 3],
    ['cidr -o json', () => ['cidr', '--snapshot', cluster.file, '-o', 'json'], 0],
    ['cidr -o wide', () => ['cidr', '--snapshot', cluster.file, '-o', 'wide'], 0],
    ['proxy-mode -o yaml', () => ['proxy-mode', '--snapshot', cluster.file, '-o', 'yaml'], 0],
    ['proxy-mode -o wide', () => ['proxy-mode', '--snapshot', cluster.file, '-o', 'wide'], 0],
    ['collect -o json (a snapshot re-written)', () => ['collect', '--snapshot', cluster.file, '-o', 'json'], 0],
  ];

  it.each(cases)('%s: more than a pipe buffer, the same bytes as in a file, the same exit code', async (_name, args, status) => {
    const file = toFile(args());
    expect(file.status).toBe(status);
    expect(file.bytes.length).toBeGreaterThan(PIPE_BUFFER);
    const piped = await throughLatePipe(args());
    expect(piped.status, piped.stderr).toBe(status);
    expect(piped.bytes.length).toBe(file.bytes.length);
    expect(piped.bytes.equals(file.bytes)).toBe(true);
  });

  it('a reader that goes away early (| head) ends the run quietly', async () => {
    const child = spawn(BIN, ['trace', 'client', 'svc/web', '--snapshot', traceSnap, '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'], env: ENV });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });
});
