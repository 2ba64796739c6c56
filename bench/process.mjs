// Whole-process measurement shared by the benches that run the built CLI as a user does: one fresh process per
// figure, its wall time, and its CPU time and peak RSS as the kernel accounts them (GNU time, /usr/bin/time: nothing
// is loaded into the measured process, so `node -e ''` stays the true floor), medians with min–max.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const spread = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

/** One fresh process: wall seconds, CPU seconds, peak RSS MB, bytes written to stdout, exit code. */
function runProcess(root, argv, usageFile) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', '-o', usageFile, ...argv], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 30 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw new Error(`${argv.join(' ')}: ${r.error.message} (the benches measure with GNU time: apt-get install time)`);
  // GNU time writes "Command exited with non-zero status N" first when the exit code is not 0.
  const [user, sys, maxRssKiB] = readFileSync(usageFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys, rssMb: maxRssKiB / 1024, bytes: r.stdout.length, status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
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
