/**
 * The committed lab snapshots and oracle files (no root needed): valid, small, readable by the
 * node-model builder, and consistent with each other (who answered is what the API objects say).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSnapshotFile } from '../../src/cli/snapshot-file.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { REPO_ROOT } from '../support/corpus.js';
import { MAX_SNAPSHOT_BYTES, TARGETS, oraclePath, readLabFixture } from './fixture-index.js';
import { unexpectedDumpWarnings } from './support.js';

const abs = (rel: string): string => path.join(REPO_ROOT, rel);

describe.each(TARGETS.map((t) => [t.name, t] as const))('lab fixture %s', (_name, target) => {
  it('snapshot and oracle exist, the snapshot is valid and under the size limit', () => {
    expect(existsSync(abs(target.snapshot))).toBe(true);
    expect(existsSync(abs(oraclePath(target)))).toBe(target.oracle !== false);
    expect(statSync(abs(target.snapshot)).size).toBeLessThan(MAX_SNAPSHOT_BYTES);
    const snap = readSnapshotFile(abs(target.snapshot));
    expect(snap.source.type).toBe('lab');
    expect(Object.keys(snap.nodes)).toEqual(['node-a', 'node-b']);
  });

  it('every node dump parses into the node model without parse errors', () => {
    const snap = readSnapshotFile(abs(target.snapshot));
    for (const [name, capture] of Object.entries(snap.nodes)) {
      const model = buildNodeModel(name, capture);
      expect(unexpectedDumpWarnings(model.warnings)).toEqual([]);
    }
  });

});

// Only targets with a kernel oracle (an ipvs-mode snapshot has none: no IPVS here to carry traffic). Filtered, not
// skipped: CI fails on any skipped lab test.
describe.each(TARGETS.filter((t) => t.oracle !== false).map((t) => [t.name, t] as const))('lab fixture %s, its oracle', (_name, target) => {
  it('the oracle belongs to this snapshot: answering pods are endpoints of the probed service in the API objects', () => {
    const { oracle, snapshot: snap } = readLabFixture(target.name);
    expect(oracle).toMatchObject({ scenario: target.scenario, topology: target.topology, proxyMode: target.proxyMode, snapshot: target.snapshot });
    const services = (snap.cluster.objects['services'] ?? []) as { metadata: { name: string }; spec: { clusterIP: string } }[];
    const slices = (snap.cluster.objects['endpointslices'] ?? []) as {
      metadata: { labels: Record<string, string> };
      endpoints: { addresses: string[] }[] | null;
    }[];
    for (const o of oracle.observations) {
      expect(o.attempts).toBe(o.case.count ?? 1);
      const svc = services.find((s) => s.spec.clusterIP === o.case.to.ip);
      if (!svc) continue;
      const ips = slices
        .filter((s) => s.metadata.labels['kubernetes.io/service-name'] === svc.metadata.name)
        .flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses));
      // A stale conntrack entry may still send a flow to a deleted pod: that is the point of that scenario.
      for (const pod of Object.keys(o.endpoints).filter((p) => !oracle.deletedPods.includes(p))) {
        expect(ips).toContain(oracle.podIPs[pod]);
      }
    }
  });
});
