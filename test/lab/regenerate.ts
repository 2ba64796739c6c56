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
import type { ProxyMode, Topology } from './spec.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** Bundled snapshots and fixtures must stay small enough to ship and to read in unit tests. */
export const MAX_SNAPSHOT_BYTES = 300_000;

export interface FixtureTarget {
  /** Name used on the command line and in the oracle file name. */
  name: string;
  scenario: string;
  topology: Topology;
  proxyMode: ProxyMode;
  /** Repo-relative snapshot path. */
  snapshot: string;
}

const scenarioTargets: FixtureTarget[] = SCENARIOS.filter((s) => s.name !== 'baseline').map((s) => ({
  name: s.name,
  scenario: s.name,
  topology: 'vxlan',
  proxyMode: 'iptables',
  snapshot: `test/fixtures/lab/${s.name}.snapshot.json`,
}));

/** Everything regenerate writes: three bundled topology × mode demos, the scenarios, a few in other modes. */
export const TARGETS: FixtureTarget[] = [
  { name: 'baseline-vxlan-iptables', scenario: 'baseline', topology: 'vxlan', proxyMode: 'iptables', snapshot: 'examples/lab-flannel-iptables.snapshot.json' },
  { name: 'baseline-host-gw-nftables', scenario: 'baseline', topology: 'host-gw', proxyMode: 'nftables', snapshot: 'examples/lab-hostgw-nftables.snapshot.json' },
  { name: 'baseline-routed-iptables', scenario: 'baseline', topology: 'routed', proxyMode: 'iptables', snapshot: 'examples/lab-routed-iptables.snapshot.json' },
  ...scenarioTargets,
  { name: 'no-endpoints-nftables', scenario: 'no-endpoints', topology: 'host-gw', proxyMode: 'nftables', snapshot: 'test/fixtures/lab/no-endpoints-nftables.snapshot.json' },
  { name: 'stale-conntrack-nftables', scenario: 'stale-conntrack', topology: 'host-gw', proxyMode: 'nftables', snapshot: 'test/fixtures/lab/stale-conntrack-nftables.snapshot.json' },
  { name: 'random-1', scenario: 'random-1', topology: 'vxlan', proxyMode: 'iptables', snapshot: 'test/fixtures/lab/random-1.snapshot.json' },
  { name: 'random-2', scenario: 'random-2', topology: 'host-gw', proxyMode: 'nftables', snapshot: 'test/fixtures/lab/random-2.snapshot.json' },
  { name: 'forward-drop-routed', scenario: 'forward-drop', topology: 'routed', proxyMode: 'iptables', snapshot: 'test/fixtures/lab/forward-drop-routed.snapshot.json' },
];

export const oraclePath = (t: FixtureTarget): string => `test/fixtures/lab/${t.name}.oracle.json`;

const scenarioNamed = (name: string): Scenario => {
  const seed = /^random-(\d+)$/.exec(name)?.[1];
  if (seed !== undefined) return randomScenario(Number(seed));
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
};

/** Runs one target and writes its snapshot and oracle file. Returns the snapshot size. */
export async function regenerate(t: FixtureTarget): Promise<number> {
  const { snapshot, fixture } = await runScenario(scenarioNamed(t.scenario), t.topology, t.proxyMode);
  const text = serializeSnapshot(snapshot);
  parseSnapshot(text, t.snapshot); // schema check before anything is written
  if (text.length > MAX_SNAPSHOT_BYTES) throw new Error(`${t.snapshot}: ${text.length} bytes, limit ${MAX_SNAPSHOT_BYTES}`);
  const oracle: OracleFixture = { ...fixture, snapshot: t.snapshot };
  for (const rel of [t.snapshot, oraclePath(t)]) mkdirSync(path.dirname(path.join(REPO, rel)), { recursive: true });
  writeFileSync(path.join(REPO, t.snapshot), text);
  writeFileSync(path.join(REPO, oraclePath(t)), `${JSON.stringify(oracle, null, 2)}\n`);
  return text.length;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const targets = wanted.length > 0 ? TARGETS.filter((t) => wanted.includes(t.name)) : TARGETS;
  if (targets.length === 0) throw new Error(`no target named ${wanted.join(', ')}; known: ${TARGETS.map((t) => t.name).join(', ')}`);
  for (const t of targets) {
    const started = Date.now();
    const size = await regenerate(t);
    process.stdout.write(`${t.name}: ${t.snapshot} (${Math.round(size / 1024)} KB), ${oraclePath(t)} in ${Date.now() - started} ms\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
