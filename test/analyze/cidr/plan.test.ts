import { describe, expect, it } from 'vitest';
import { cidrFilePlan, cidrPlan } from '../../../src/analyze/cidr/plan.js';

describe('cidr collect plan', () => {
  const plan = cidrPlan();
  const pods = plan.resources.filter((r) => r.resource === 'pods');

  it('never lists full pods cluster-wide: a Table listing, plus full kube-system mirror pods by label first', () => {
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

  it('a snapshot file must hold only the required resources', () => {
    expect(cidrFilePlan().resources.map((r) => `${r.resource}:${r.view}`)).toEqual(['nodes:full', 'pods:table', 'services:full']);
  });
});
