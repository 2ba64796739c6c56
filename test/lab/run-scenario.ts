/**
 * Runs one scenario end to end: build the standard cluster (as the scenario changes it), apply the
 * breakage, dump the nodes into a Snapshot, ask the oracle every probe case, tear down.
 */
import { buildLab } from './build.js';
import { dumpLab } from './dump.js';
import { observe, type Observation } from './oracle.js';
import type { Scenario, ScenarioState } from './scenarios.js';
import type { ProxyMode, Topology } from './spec.js';
import { standardSpec } from './topologies.js';
import type { Snapshot } from '../../src/snapshot/types.js';

/** What the oracle fixture holds next to a snapshot. */
export interface OracleFixture {
  scenario: string;
  description: string;
  topology: Topology;
  proxyMode: ProxyMode;
  /** Repo-relative path of the snapshot the observations belong to. */
  snapshot: string;
  notes: string[];
  deletedPods: string[];
  /** Pod name → IP, to map answers to addresses without reading the snapshot. */
  podIPs: Record<string, string>;
  observations: Observation[];
}

export interface ScenarioRun {
  snapshot: Snapshot;
  fixture: Omit<OracleFixture, 'snapshot'>;
}

/** `observe: false` dumps without asking the oracle (a mode whose traffic this kernel cannot carry: ipvs). */
export async function runScenario(scenario: Scenario, topology: Topology, proxyMode: ProxyMode, opts: { observe?: boolean } = {}): Promise<ScenarioRun> {
  if (scenario.topologies && !scenario.topologies.includes(topology)) {
    throw new Error(`scenario ${scenario.name} does not apply to ${topology}`);
  }
  const base = standardSpec(topology, proxyMode);
  const spec = scenario.spec ? scenario.spec(base) : base;
  const lab = await buildLab({ ...spec, name: `${topology}-${proxyMode}-${scenario.name}` });
  try {
    const state: ScenarioState = { deletedPods: new Set(), notes: [] };
    // A fresh lab's conntrack holds only set-up noise; the stale-flow scenario creates its own entry after this.
    for (const n of lab.plan.nodes) await lab.inNode(n.name, ['conntrack', '-F'], false);
    if (scenario.apply) await scenario.apply(lab, state);
    const snapshot = await dumpLab(lab, {
      deletedPods: state.deletedPods,
      description: `netx lab scenario ${scenario.name} (${topology}, kube-proxy ${proxyMode}): ${scenario.description}`,
    });
    const observations: Observation[] = [];
    if (opts.observe !== false) for (const c of scenario.cases(lab, state)) observations.push(await observe(lab, c));
    return {
      snapshot,
      fixture: {
        scenario: scenario.name,
        description: scenario.description,
        topology,
        proxyMode,
        notes: state.notes,
        deletedPods: [...state.deletedPods],
        podIPs: Object.fromEntries(lab.plan.pods.map((p) => [p.name, p.ip])),
        observations,
      },
    };
  } finally {
    await lab.teardown();
  }
}
