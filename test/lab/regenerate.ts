/**
 * Regenerates the bundled lab snapshots (examples/) and the scenario fixtures (test/fixtures/lab/):
 * builds each lab, breaks it as the scenario says, dumps it, records the oracle's observations.
 * Needs root. Run from the repo root:
 *   node_modules/.bin/node --experimental-transform-types --import ./test/lab/register.mjs test/lab/regenerate.ts [name…]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSnapshot, serializeSnapshot } from '../../src/snapshot/io.js';
import { runScenario, type OracleFixture } from './run-scenario.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { randomScenario } from './random.js';
import { MAX_SNAPSHOT_BYTES, TARGETS, oraclePath, type FixtureTarget } from './fixture-index.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

const scenarioNamed = (name: string): Scenario => {
  const seed = /^random-(\d+)$/.exec(name)?.[1];
  if (seed !== undefined) return randomScenario(Number(seed));
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
};

/** Runs one target and writes its snapshot and oracle file. Returns the snapshot size. */
export async function regenerate(t: FixtureTarget): Promise<number> {
  const { snapshot, fixture } = await runScenario(scenarioNamed(t.scenario), t.topology, t.proxyMode, { observe: t.oracle !== false });
  const text = serializeSnapshot(snapshot);
  parseSnapshot(text, t.snapshot); // schema check before anything is written
  if (text.length > MAX_SNAPSHOT_BYTES) throw new Error(`${t.snapshot}: ${text.length} bytes, limit ${MAX_SNAPSHOT_BYTES}`);
  const oracle: OracleFixture = { ...fixture, snapshot: t.snapshot };
  for (const rel of [t.snapshot, oraclePath(t)]) mkdirSync(path.dirname(path.join(REPO, rel)), { recursive: true });
  writeFileSync(path.join(REPO, t.snapshot), text);
  if (t.oracle !== false) writeFileSync(path.join(REPO, oraclePath(t)), `${JSON.stringify(oracle, null, 2)}\n`);
  return text.length;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const targets = wanted.length > 0 ? TARGETS.filter((t) => wanted.includes(t.name)) : TARGETS;
  if (targets.length === 0) throw new Error(`no target named ${wanted.join(', ')}; known: ${TARGETS.map((t) => t.name).join(', ')}`);
  for (const t of targets) {
    const started = Date.now();
    const size = await regenerate(t);
    process.stdout.write(`${t.name}: ${t.snapshot} (${Math.round(size / 1024)} KB), ${t.oracle === false ? 'no oracle' : oraclePath(t)} in ${Date.now() - started} ms\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
