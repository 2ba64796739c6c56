// `npm run bench`: builds what benches need, runs every bench/*.bench.mjs (or .bench.js) in turn and
// prints each metric with its target. Exits 1 when a bench fails, or (BENCH_STRICT=1) misses a target.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const only = process.argv.slice(2);

// The test API server lives in test/support (TypeScript): compile it where benches can import it.
execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(here, 'tsconfig.json')], { stdio: 'inherit' });
const serverModule = pathToFileURL(path.join(root, 'node_modules', '.cache', 'netx-bench', 'test', 'support', 'api-server', 'index.js')).href;

const files = readdirSync(here)
  .filter((f) => /\.bench\.(mjs|js)$/.test(f))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));
let failed = false;
for (const f of files) {
  const mod = await import(pathToFileURL(path.join(here, f)).href);
  const log = (msg) => process.stderr.write(`[${f}] ${msg}\n`);
  try {
    const result = await mod.default({ root, serverModule, log });
    process.stdout.write(`\n${result.name}\n`);
    for (const n of result.notes ?? []) process.stdout.write(`  ${n}\n`);
    for (const m of result.metrics) {
      if (m.failed) {
        failed = true;
        process.stdout.write(`  ${m.name}\n`);
        continue;
      }
      const verdict = m.target === undefined ? '' : m.value <= m.target ? `  ok (target <= ${m.target} ${m.unit}, ${fmt(m.value / m.target)} of it)` : `  MISSED (target <= ${m.target} ${m.unit})`;
      if (m.target !== undefined && m.value > m.target && process.env.BENCH_STRICT === '1') failed = true;
      process.stdout.write(`  ${m.name.padEnd(44)} ${fmt(m.value).padStart(10)} ${m.unit}${verdict}\n`);
    }
  } catch (e) {
    failed = true;
    process.stdout.write(`\n${f}: FAILED: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}
process.exit(failed ? 1 : 0);
