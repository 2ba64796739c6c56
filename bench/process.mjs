// Whole-process measurement shared by the benches that run the built CLI as a user does: one fresh process per
// figure, its wall time, CPU time and peak RSS (bench/cidr/maxrss-hook.mjs, preloaded), medians with min–max.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HOOK = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'cidr', 'maxrss-hook.mjs')).href;

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const spread = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

/** One fresh process: wall seconds, CPU seconds, peak RSS MB, bytes written to stdout, exit code. */
export function runProcess(root, argv, rssFile) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', NODE_OPTIONS: `--import=${HOOK}`, NETX_BENCH_RSS_FILE: rssFile },
    maxBuffer: 1 << 30,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const u = JSON.parse(readFileSync(rssFile, 'utf8'));
  return { wall, cpu: u.cpuMicros / 1e6, rssMb: u.maxRssKiB / 1024, bytes: r.stdout.length, status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** Runs every case `repeat` times, interleaved (one of each per round), so a change in the machine's load hits all alike. */
export function rounds(root, cases, repeat, rssFile, log) {
  const results = new Map(cases.map((c) => [c.name, []]));
  for (let i = 0; i < repeat; i++) {
    log(`round ${i + 1} of ${repeat}`);
    for (const c of cases) {
      const r = runProcess(root, c.argv, rssFile);
      if (!(c.exits ?? [0]).includes(r.status)) throw new Error(`${c.name} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
      results.get(c.name).push(r);
    }
  }
  return results;
}

/** `0.52 s (0.48–0.61)`, CPU and peak RSS medians of one case's runs. */
export function summary(rs) {
  const walls = rs.map((r) => r.wall);
  return { wall: median(walls), spread: spread(walls), cpu: median(rs.map((r) => r.cpu)), rssMb: median(rs.map((r) => r.rssMb)) };
}
