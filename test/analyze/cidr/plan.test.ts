import { describe, expect, it } from 'vitest';
import { checkSnapshotCovers } from '../../../src/cli/source.js';
import { cidrPlan } from '../../../src/analyze/cidr/plan.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { snapshotOf } from '../../support/snapshot.js';

describe('cidr collect plan', () => {
  const plan = cidrPlan();
  const pods = plan.resources.filter((r) => r.resource === 'pods');

  it('never lists full pods cluster-wide: a Table listing, plus full kube-system mirror pods by label first', () => {
    expect(pods.at(-1)?.includeObject).toBe('None');
    expect(pods.map((r) => [r.namespace, r.labelSelector, r.view])).toEqual([
      ['kube-system', 'component=kube-apiserver', 'full'],
      ['kube-system', 'component=kube-controller-manager', 'full'],
      [undefined, undefined, 'table'],
    ]);
  });

  it('asks for the probe and the server version; CRDs and ServiceCIDRs are optional', () => {
    expect(plan.serviceCidrProbe).toBe(true);
    expect(plan.serverVersion).toBe(true);
    for (const r of ['servicecidrs', 'ippools', 'ciliumnodes', 'daemonsets']) {
      expect(plan.resources.find((x) => x.resource === r)?.optional).toBe(true);
    }
    expect(plan.resources.find((x) => x.resource === 'daemonsets')?.view).toBe('metadata');
  });

  it('is what a --snapshot file is checked against: a Table capture without the optional resources passes, a file without pods does not', () => {
    const snap = (objects: Snapshot['cluster']['objects']): Snapshot => snapshotOf({ capturedAt: '2026-11-22T10:00:00Z', source: { type: 'live' }, objects, cluster: { views: { pods: 'table' } } });
    expect(() => checkSnapshotCovers(snap({ nodes: [], pods: [], services: [] }), plan, 'f.json')).not.toThrow();
    expect(() => checkSnapshotCovers(snap({ nodes: [], services: [] }), plan, 'f.json')).toThrow('snapshot f.json lacks what this command needs: pods (not in the file)');
  });
});
