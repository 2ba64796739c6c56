// `npm run mutation:sample`: the mutation score of each folder of `npm run mutation`, estimated from a seeded
// uniform sample of its mutants, in an hour or two instead of the day a full run takes on two cores.
//
// It lists every mutant Stryker's own instrumenter makes for the folders stryker.config.json mutates, draws the same
// number from each folder (seeded: the same code and seed draw the same mutants), runs Stryker on the drawn ones only
// (their node ranges, and scripts/mutation-sample-ignorer.mjs for the nodes inside those ranges), then prints each
// folder's score with its 95% Wilson interval and every drawn mutant that survived.
//
//   npm run mutation:sample [-- --per-folder 200] [--seed 20261207] [--folder src/sim ...] [--ignore-static] [--summary]
//
// --folder limits the draw to some of the folders (given again, it adds one).
// --ignore-static leaves out the drawn mutants Stryker finds static (reached while test files load, so every test
// runs for each: most of a run's time) and scores the others; the table counts the ones left out.
// --summary prints the last run's result again without running Stryker. Results are incremental, as for
// `npm run mutation`, in reports/mutation/sample-incremental.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Instrumenter } from '@stryker-mutator/instrumenter';

const OUT = 'reports/mutation';
const SAMPLE_FILE = `${OUT}/sample.json`;
const CONFIG_FILE = `${OUT}/sample.stryker.json`;
const REPORT_FILE = `${OUT}/sample-mutation.json`;

const { values: args } = parseArgs({
  options: {
    'per-folder': { type: 'string', default: '200' },
    seed: { type: 'string', default: '20261207' },
    summary: { type: 'boolean', default: false },
    folder: { type: 'string', multiple: true },
    'ignore-static': { type: 'boolean', default: false },
  },
});

const base = JSON.parse(readFileSync('stryker.config.json', 'utf8'));
/** The folders the full run mutates: each `src/x/**\/*.ts` glob of stryker.config.json. */
const folders = args.folder ?? base.mutate.map((glob) => glob.replace(/\/\*\*\/\*\.ts$/, ''));
const folderOf = (file) => folders.find((f) => file.startsWith(`${f}/`));

if (!args.summary) {
  const sample = draw(await listMutants(folders.flatMap(tsFiles)), Number(args['per-folder']), Number(args.seed));
  mkdirSync(OUT, { recursive: true });
  writeFileSync(SAMPLE_FILE, JSON.stringify({ seed: Number(args.seed), perFolder: Number(args['per-folder']), sample }));
  writeFileSync(
    CONFIG_FILE,
    JSON.stringify({
      ...base,
      $schema: undefined,
      mutate: [...new Set(sample.map(rangeOf))],
      plugins: ['@stryker-mutator/vitest-runner', './scripts/mutation-sample-ignorer.mjs'],
      ignorers: ['netx-sample'],
      incrementalFile: `${OUT}/sample-incremental.json`,
      ignoreStatic: args['ignore-static'],
      jsonReporter: { fileName: REPORT_FILE },
      reporters: ['progress-append-only', 'json'],
    }),
  );
  const run = spawnSync('npx', ['stryker', 'run', CONFIG_FILE], {
    stdio: 'inherit',
    env: { ...process.env, NETX_MUTATION_SAMPLE: SAMPLE_FILE },
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
summarize(JSON.parse(readFileSync(SAMPLE_FILE, 'utf8')), JSON.parse(readFileSync(REPORT_FILE, 'utf8')));

function tsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tsFiles(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : []))
    .sort();
}

/** Every mutant of `files`, as Stryker's instrumenter makes them with the options the run uses. */
async function listMutants(files) {
  const quiet = { debug() {}, trace() {}, info() {}, warn: console.warn, error: console.error };
  Object.assign(quiet, { isDebugEnabled: () => false, isTraceEnabled: () => false, isInfoEnabled: () => false });
  const { mutants } = await new Instrumenter(quiet).instrument(
    files.map((name) => ({ name, mutate: true, content: readFileSync(name, 'utf8') })),
    { plugins: null, excludedMutations: base.mutator?.excludedMutations ?? [], ignorers: [], noHeader: false },
  );
  return mutants.map((m) => ({ file: m.fileName, mutator: m.mutatorName, replacement: m.replacement, loc: m.location }));
}

/** `perFolder` mutants of each folder, drawn without replacement by a seeded shuffle (mulberry32). */
function draw(mutants, perFolder, seed) {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return folders.flatMap((folder) => {
    const pool = mutants.filter((m) => folderOf(m.file) === folder);
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool.slice(0, perFolder).map((m) => ({ ...m, folderSize: pool.length }));
  });
}

/** Stryker's `file:line:column-line:column` for the mutant's node (lines from 1, columns from 0). */
function rangeOf(m) {
  return `${m.file}:${m.loc.start.line + 1}:${m.loc.start.column}-${m.loc.end.line + 1}:${m.loc.end.column}`;
}

/** 95% Wilson score interval of k successes in n draws. */
function wilson(k, n) {
  const z = 1.96;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [centre - half, centre + half];
}

function summarize({ seed, perFolder, sample }, report) {
  // The report numbers lines and columns from 1 (mutation-testing-report-schema); the instrumenter from 0.
  // Nested conditions can give the same text from the same start (`a && b` inside `a && b && c`): the end tells them apart.
  const key = (file, mutator, replacement, start, end) => `${file}|${mutator}|${replacement}|${start.line}:${start.column}|${end.line}:${end.column}`;
  const status = new Map();
  const statusReason = new Map();
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const m of mutants) {
      const k = key(file, m.mutatorName, m.replacement, m.location.start, m.location.end);
      status.set(k, m.status);
      statusReason.set(k, m.statusReason ?? '');
    }
  }
  const from1 = (p) => ({ line: p.line + 1, column: p.column + 1 });
  const keyOf = (m) => key(m.file, m.mutator, m.replacement, from1(m.loc.start), from1(m.loc.end));
  const pct = (x) => `${(100 * x).toFixed(1)}%`;
  console.log(`\nMutation score by folder, from ${perFolder} mutants drawn per folder (seed ${seed})\n`);
  console.log('| folder | mutants | drawn | static, left out | killed | timeout | survived | no coverage | errors | score (95% interval) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const survivors = [];
  for (const folder of folders) {
    const drawn = sample.filter((m) => folderOf(m.file) === folder);
    const count = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, errors: 0, missing: 0, static: 0 };
    for (const m of drawn) {
      const st = status.get(keyOf(m));
      if (st === undefined) count.missing++;
      // Stryker's reason for an ignored mutant: the sample ignorer never ignores a drawn one; --ignore-static does.
      else if (st === 'Ignored') {
        if (!statusReason.get(keyOf(m))?.includes('Static')) throw new Error(`drawn mutant ${rangeOf(m)} was ignored: the sample ignorer is wrong`);
        count.static++;
      }
      else if (st in count) count[st]++;
      else count.errors++;
      if (st === 'Survived' || st === 'NoCoverage') survivors.push({ ...m, status: st });
    }
    if (count.missing > 0) throw new Error(`${count.missing} drawn mutants of ${folder} are not in ${REPORT_FILE}`);
    const detected = count.Killed + count.Timeout;
    const valid = detected + count.Survived + count.NoCoverage;
    const [lo, hi] = wilson(detected, valid);
    console.log(
      `| ${folder} | ${drawn[0]?.folderSize ?? 0} | ${drawn.length} | ${count.static} | ${count.Killed} | ${count.Timeout} | ${count.Survived} | ` +
        `${count.NoCoverage} | ${count.errors} | **${pct(detected / valid)}** (${pct(lo)}–${pct(hi)}) |`,
    );
  }
  console.log(`\nDrawn mutants that survived (${survivors.length}):`);
  for (const m of survivors) {
    console.log(`  ${m.file}:${m.loc.start.line + 1}:${m.loc.start.column + 1} ${m.mutator} → ${m.replacement.split('\n')[0].slice(0, 80)} (${m.status})`);
  }
}
