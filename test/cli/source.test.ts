import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSnapshotCovers, defaultNamespace, obtainSnapshot } from '../../src/cli/source.js';
import { writeSnapshotFile } from '../../src/cli/snapshot-file.js';
import type { CollectPlan } from '../../src/snapshot/plan.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { snapshotOf } from '../support/snapshot.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const snap: Snapshot = snapshotOf({
  capturedAt: '2026-11-22T10:00:00Z',
  source: { type: 'live', gaps: [{ what: 'servicecidrs', reason: 'forbidden: list servicecidrs', code: 'forbidden' }] },
  objects: { nodes: [], pods: [] },
  cluster: { views: { pods: 'table' } },
});

describe('obtainSnapshot --snapshot', () => {
  it('loads the file when it covers the plan (optional resources may be missing)', async () => {
    const p = path.join(dir, 'ok.json');
    writeSnapshotFile(p, snap);
    const plan: CollectPlan = {
      resources: [
        { resource: 'nodes' },
        { resource: 'pods', view: 'table' },
        { resource: 'ippools', optional: true },
        // Optional requests never fail a file, even when it holds a lighter listing.
        { resource: 'pods', namespace: 'kube-system', view: 'full', optional: true },
      ],
    };
    await expect(obtainSnapshot({ snapshot: p }, plan)).resolves.toEqual(snap);
  });

  it('names each missing resource, why it was not collected, and how to capture', () => {
    const plan: CollectPlan = { resources: [{ resource: 'services' }, { resource: 'servicecidrs' }, { resource: 'pods', view: 'full' }] };
    expect(() => checkSnapshotCovers(snap, plan, 'x.json')).toThrow(
      'snapshot x.json lacks what this command needs: services (not in the file); servicecidrs (not collected: forbidden: list servicecidrs); pods as full objects (the file holds only a table listing)',
    );
    try {
      checkSnapshotCovers(snap, plan, 'x.json');
    } catch (e) {
      expect((e as { hint?: string }).hint).toMatch(/kubectl netx collect/);
    }
  });
});

describe('defaultNamespace', () => {
  it('is -n, else the namespace of the context at capture time, else default', () => {
    expect(defaultNamespace({ namespace: 'shop' }, { ...snap, source: { type: 'live', namespace: 'team-1' } })).toBe('shop');
    expect(defaultNamespace({}, { ...snap, source: { type: 'live', namespace: 'team-1' } })).toBe('team-1');
    expect(defaultNamespace({}, snap)).toBe('default');
  });
});
