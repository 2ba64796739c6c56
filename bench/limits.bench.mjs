/**
 * Bench: what hostile `--snapshot` inputs cost, reading being bounded (docs/snapshot.md). Each case is
 * the built CLI run as a user runs it (`node bin/run.js cidr --snapshot …`, one fresh process) with
 * bench/cidr/maxrss-hook.mjs reporting its peak RSS and CPU time: wall time, CPU time, peak RSS and
 * the exit code. Inputs are made in a temporary directory: a 2 GiB gzip bomb (2 MB), a lab snapshot
 * whose nft dump is a 1 GiB gzip+base64 bomb, a snapshot holding 16,000,000 JSON objects and arrays
 * (the container limit; all but 7 of them empty objects: the worst a file within the limits can do)
 * and one holding a single object more, /dev/zero by
 * path and as stdin, and a FIFO without a writer. The lab snapshot itself is the baseline.
 * Targets: an input stopped at a limit ends within 5 s and 1 GB.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MiB = 1024 * 1024;
const STOPPED_TARGET_S = 5;
const STOPPED_TARGET_MB = 1024;

function zeroBomb(bytes) {
  const member = gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
  return Buffer.concat(Array.from({ length: Math.ceil(bytes / (64 * MiB)) }, () => member));
}

/** `count` empty objects inside an otherwise valid snapshot envelope (7 objects and arrays of its own). */
function emptyObjects(count) {
  const chunk = '{},'.repeat(1_000_000);
  const parts = [];
  for (let left = count - 1; left > 0; left -= 1_000_000) parts.push(left >= 1_000_000 ? chunk : '{},'.repeat(left));
  return `{"kind":"NetxSnapshot","version":1,"capturedAt":"x","source":{"type":"file"},"cluster":{"objects":{},"serverVersion":{"a":[${parts.join('')}{}]}},"nodes":{}}`;
}

function run(root, dir, args, stdin) {
  const rssFile = path.join(dir, 'rss.json');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', path.join(HERE, 'cidr', 'maxrss-hook.mjs'), path.join(root, 'bin', 'run.js'), ...args], {
    stdio: [stdin ?? 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, NETX_BENCH_RSS_FILE: rssFile, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 600_000,
  });
  const wall = (performance.now() - t0) / 1000;
  const u = JSON.parse(readFileSync(rssFile, 'utf8'));
  return { wall, cpu: u.cpuMicros / 1e6, rssMb: u.maxRssKiB / 1024, status: r.status, said: (r.stderr.split('\n')[0] ?? '').slice(0, 110) };
}

export default async function bench({ root, log }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'netx-bench-limits-'));
  try {
    const lab = path.join(root, 'examples', 'lab-flannel-iptables.snapshot.json');
    log('writing the hostile inputs');
    writeFileSync(path.join(dir, 'bomb.json.gz'), zeroBomb(2 * 1024 * MiB));
    const doc = JSON.parse(readFileSync(lab, 'utf8'));
    doc.nodes['node-a'].dumps.nft = { argv: ['nft', '-j', 'list', 'ruleset'], stdout: zeroBomb(1024 * MiB).toString('base64'), stderr: '', exitCode: 0, encoding: 'gzip+base64' };
    writeFileSync(path.join(dir, 'dump-bomb.json'), JSON.stringify(doc));
    writeFileSync(path.join(dir, 'over.json'), emptyObjects(15_999_994));
    writeFileSync(path.join(dir, 'under.json'), emptyObjects(15_999_993));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);

    const cases = [
      { name: 'baseline: the lab snapshot', args: ['proxy-mode', '--snapshot', lab] },
      { name: '/dev/zero by path', args: ['cidr', '--snapshot', '/dev/zero'], stopped: true },
      { name: 'FIFO without a writer', args: ['cidr', '--snapshot', path.join(dir, 'fifo')], stopped: true },
      { name: '/dev/zero as stdin (512 MiB read)', args: ['cidr', '--snapshot', '-'], stdin: '/dev/zero', stopped: true },
      { name: 'gzip bomb, 2 GiB of zeros in 2 MB', args: ['cidr', '--snapshot', path.join(dir, 'bomb.json.gz')], stopped: true },
      { name: 'dump bomb, nft inflating to 1 GiB', args: ['proxy-mode', '--snapshot', path.join(dir, 'dump-bomb.json')], stopped: true },
      { name: '16,000,001 objects and arrays (refused)', args: ['cidr', '--snapshot', path.join(dir, 'over.json')], stopped: true },
      { name: '16,000,000 objects and arrays (parsed)', args: ['cidr', '--snapshot', path.join(dir, 'under.json')] },
    ];
    const metrics = [];
    const notes = [`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' / ')}`];
    for (const c of cases) {
      log(c.name);
      const fd = c.stdin ? openSync(c.stdin, 'r') : undefined;
      let r;
      try {
        r = run(root, dir, c.args, fd);
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
      notes.push(`${c.name}: exit ${r.status}, ${r.wall.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s CPU, ${r.rssMb.toFixed(0)} MB peak RSS — ${r.said || '(no error)'}`);
      metrics.push({ name: `${c.name}: wall`, value: r.wall, unit: 's', ...(c.stopped ? { target: STOPPED_TARGET_S } : {}) });
      metrics.push({ name: `${c.name}: peak RSS`, value: r.rssMb, unit: 'MB', ...(c.stopped ? { target: STOPPED_TARGET_MB } : {}) });
    }
    return { name: 'hostile --snapshot inputs (bounded reading)', notes, metrics };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
