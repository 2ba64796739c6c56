import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { traceAddresses, tracePlan } from '../../../src/analyze/trace/plan.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { REPO_ROOT } from '../../support/corpus.js';

const lab = JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', 'lab-flannel-iptables.snapshot.json'), 'utf8')) as Snapshot;

describe('the conntrack filter of a live trace', () => {
  it('is the client pod and the service VIP, worked out from the listed objects', () => {
    expect(traceAddresses(lab.cluster.objects, 'client', 'svc/web:80', 'default')).toEqual(['10.244.0.10', '10.96.0.10']);
    const from = tracePlan({ src: 'default/client', dst: 'pod/web-1', namespace: 'default' }).nodes?.conntrackAddressesFrom;
    expect(from?.(lab.cluster.objects)).toEqual(['10.244.0.10', '10.244.1.10']);
  });

  it('uses the external client address as given', () => {
    expect(traceAddresses(lab.cluster.objects, 'external:203.0.113.7', 'svc/web-np', 'default')).toEqual(['203.0.113.7', '10.96.0.11']);
  });

  it('reads the whole table (undefined) when a name does not resolve, so the trace can say which name is wrong', () => {
    expect(traceAddresses(lab.cluster.objects, 'no-such-pod', 'svc/web', 'default')).toBeUndefined();
    expect(tracePlan({}).nodes?.conntrackAddressesFrom).toBeUndefined();
  });
});
