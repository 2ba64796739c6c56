// Preloaded (node --import) into the measured CLI process: writes its peak RSS (KiB) on exit.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.NETX_BENCH_RSS_FILE) writeFileSync(process.env.NETX_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
