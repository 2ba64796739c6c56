/**
 * The committed lab fixtures: which snapshot and oracle file each target writes, and a reader for
 * unit tests that compare netx's predictions with the kernel's observations without root. Light on
 * purpose (no lab machinery imported), so unit tests can use it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSnapshotFile } from '../../src/cli/snapshot-file.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import type { OracleFixture } from './run-scenario.js';
import type { ProxyMode, Topology } from './spec.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Bundled snapshots and fixtures must stay small enough to ship and to read in unit tests. */
export const MAX_SNAPSHOT_BYTES = 300_000;

export interface FixtureTarget {
  /** Name used on the regenerate command line and in the oracle file name. */
  name: string;
  /** Scenario name (scenarios.ts), or `random-<seed>` (random.ts). */
  scenario: string;
  topology: Topology;
  proxyMode: ProxyMode;
  /** Repo-relative snapshot path. */
  snapshot: string;
  /** `false`: a snapshot without kernel observations (ipvs mode: the lab kernel has no IPVS to send traffic through). */
  oracle?: false;
}

const BROKEN = ['missing-route', 'forward-drop', 'no-endpoints', 'wrong-target-port', 'rp-filter-strict', 'ip-forward-off', 'stale-conntrack'];

const fixture = (name: string, scenario: string, topology: Topology, proxyMode: ProxyMode): FixtureTarget => ({
  name,
  scenario,
  topology,
  proxyMode,
  snapshot: `test/fixtures/lab/${name}.snapshot.json`,
});

/** Everything regenerate writes: three bundled topology × mode demos, the scenarios, a few in other modes. */
export const TARGETS: FixtureTarget[] = [
  { name: 'baseline-vxlan-iptables', scenario: 'baseline', topology: 'vxlan', proxyMode: 'iptables', snapshot: 'examples/lab-flannel-iptables.snapshot.json' },
  { name: 'baseline-host-gw-nftables', scenario: 'baseline', topology: 'host-gw', proxyMode: 'nftables', snapshot: 'examples/lab-hostgw-nftables.snapshot.json' },
  { name: 'baseline-routed-iptables', scenario: 'baseline', topology: 'routed', proxyMode: 'iptables', snapshot: 'examples/lab-routed-iptables.snapshot.json' },
  { name: 'baseline-vxlan-ipvs', scenario: 'baseline', topology: 'vxlan', proxyMode: 'ipvs', snapshot: 'examples/lab-flannel-ipvs.snapshot.json', oracle: false },
  ...BROKEN.map((s) => fixture(s, s, 'vxlan', 'iptables')),
  fixture('no-endpoints-nftables', 'no-endpoints', 'host-gw', 'nftables'),
  fixture('stale-conntrack-nftables', 'stale-conntrack', 'host-gw', 'nftables'),
  fixture('random-1', 'random-1', 'vxlan', 'iptables'),
  fixture('random-2', 'random-2', 'host-gw', 'nftables'),
  fixture('forward-drop-routed', 'forward-drop', 'routed', 'iptables'),
  fixture('service-types', 'service-types', 'vxlan', 'iptables'),
  fixture('service-types-nftables', 'service-types', 'host-gw', 'nftables'),
  fixture('dual-stack', 'dual-stack', 'host-gw', 'iptables'),
  fixture('dual-stack-nftables', 'dual-stack', 'host-gw', 'nftables'),
  fixture('fabric', 'fabric', 'fabric', 'iptables'),
];

export const oraclePath = (t: FixtureTarget): string => `test/fixtures/lab/${t.name}.oracle.json`;

/** Absolute path of a repo-relative fixture path. */
const repoPath = (rel: string): string => path.join(REPO, rel);

export interface LabFixture {
  target: FixtureTarget;
  snapshot: Snapshot;
  oracle: OracleFixture;
}

/** Reads one committed fixture: its snapshot (schema-checked) and the kernel's observations. */
export function readLabFixture(name: string): LabFixture {
  const target = TARGETS.find((t) => t.name === name);
  if (!target) throw new Error(`no lab fixture ${name}; known: ${TARGETS.map((t) => t.name).join(', ')}`);
  if (target.oracle === false) throw new Error(`lab fixture ${name} has no oracle (no kernel observations); read its snapshot with readSnapshotFile`);
  return {
    target,
    snapshot: readSnapshotFile(repoPath(target.snapshot)),
    oracle: JSON.parse(readFileSync(repoPath(oraclePath(target)), 'utf8')) as OracleFixture,
  };
}
