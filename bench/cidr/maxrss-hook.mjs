// Preloaded (node --import) into the measured CLI process: writes its peak RSS (KiB) and CPU time
// (µs, user + system) on exit, as JSON.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const u = process.resourceUsage();
  if (process.env.NETX_BENCH_RSS_FILE) writeFileSync(process.env.NETX_BENCH_RSS_FILE, JSON.stringify({ maxRssKiB: u.maxRSS, cpuMicros: u.userCPUTime + u.systemCPUTime }));
});
