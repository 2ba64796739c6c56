/** A workload as SRC: its pods by owner reference, and the one kubectl exec would pick (ActivePods, reversed). */
import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import type { RawObject, Snapshot } from '../../../src/snapshot/types.js';
import { snapshotOf as build } from '../../support/snapshot.js';
import { byExecPreference, ownerWorkload, parseWorkloadRef, pickWorkloadPod } from '../../../src/analyze/trace/workload.js';
import { resolveSource } from '../../../src/analyze/trace/resolve.js';

const T0 = '2026-11-01T10:00:00Z';
const T1 = '2026-11-01T11:00:00Z';

interface PodOpts {
  name: string;
  owner?: { kind: string; name: string };
  hash?: string;
  node?: string;
  phase?: string;
  readySince?: string;
  restarts?: number;
  created?: string;
  ns?: string;
}

function pod(o: PodOpts): V1Pod {
  return {
    metadata: {
      name: o.name,
      namespace: o.ns ?? 'default',
      creationTimestamp: (o.created ?? T0) as unknown as Date,
      labels: o.hash ? { 'pod-template-hash': o.hash } : {},
      ownerReferences: o.owner ? [{ apiVersion: 'apps/v1', kind: o.owner.kind, name: o.owner.name, uid: 'u', controller: true }] : [],
    },
    spec: { containers: [], ...(o.node === '' ? {} : { nodeName: o.node ?? 'node-a' }) },
    status: {
      phase: o.phase ?? 'Running',
      podIP: '10.244.0.9',
      conditions: o.readySince ? [{ type: 'Ready', status: 'True', lastTransitionTime: o.readySince as unknown as Date }] : [{ type: 'Ready', status: 'False' }],
      containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: true, restartCount: o.restarts ?? 0 }],
    },
  };
}

const snapshotOf = (pods: V1Pod[]): Snapshot =>
  build({ capturedAt: T0, source: { type: 'live' }, objects: { pods: pods as unknown as RawObject[], nodes: [], services: [] } });

const rs = (name: string) => ({ kind: 'ReplicaSet', name });

describe('workload references', () => {
  it('reads kubectl\'s short and long kind names, with the namespace from -n or the reference', () => {
    expect(parseWorkloadRef('deploy/web', 'shop')).toEqual({ kind: 'Deployment', namespace: 'shop', name: 'web' });
    expect(parseWorkloadRef('statefulsets/db', 'x')).toMatchObject({ kind: 'StatefulSet', name: 'db' });
    expect(parseWorkloadRef('ds/agent', 'x')).toMatchObject({ kind: 'DaemonSet' });
    expect(parseWorkloadRef('rs/web-7c9d', 'x')).toMatchObject({ kind: 'ReplicaSet' });
    expect(parseWorkloadRef('job/migrate', 'x')).toMatchObject({ kind: 'Job' });
    expect(parseWorkloadRef('deploy/prod/web', 'x')).toEqual({ kind: 'Deployment', namespace: 'prod', name: 'web' });
    expect(parseWorkloadRef('pod/web', 'x')).toBeUndefined();
    expect(parseWorkloadRef('web', 'x')).toBeUndefined();
  });

  it('a Deployment owns its pods through ReplicaSets named <deployment>-<pod-template-hash>', () => {
    expect(ownerWorkload(pod({ name: 'web-7c9d-a', owner: rs('web-7c9d'), hash: '7c9d' }))).toEqual({ kind: 'Deployment', name: 'web' });
    expect(ownerWorkload(pod({ name: 'x', owner: rs('standalone') }))).toEqual({ kind: 'ReplicaSet', name: 'standalone' });
    expect(ownerWorkload(pod({ name: 'db-0', owner: { kind: 'StatefulSet', name: 'db' } }))).toEqual({ kind: 'StatefulSet', name: 'db' });
  });

  it('deploy/web takes only web\'s pods (not web-api\'s, whose ReplicaSet name also starts with web-)', () => {
    const pods = [pod({ name: 'web-api-5f-a', owner: rs('web-api-5f'), hash: '5f', readySince: T0 }), pod({ name: 'web-7c-b', owner: rs('web-7c'), hash: '7c', readySince: T1 })];
    expect(pickWorkloadPod(snapshotOf(pods), 'deploy/web', 'default')?.pod.metadata?.name).toBe('web-7c-b');
    expect(pickWorkloadPod(snapshotOf(pods), 'deploy/web-api', 'default')?.pod.metadata?.name).toBe('web-api-5f-a');
  });

  it('no pods: an error that names the workload and suggests the near names', () => {
    const pods = [pod({ name: 'web-7c-b', owner: rs('web-7c'), hash: '7c', readySince: T1 })];
    expect(() => pickWorkloadPod(snapshotOf(pods), 'deploy/wbe', 'default')).toThrow(/no pods of deployment\/wbe in namespace default/);
    try {
      pickWorkloadPod(snapshotOf(pods), 'deploy/wbe', 'default');
    } catch (e) {
      expect((e as { hint?: string }).hint).toBe('did you mean web?');
    }
  });

  it('resolveSource follows the choice', () => {
    const pods = [pod({ name: 'db-0', owner: { kind: 'StatefulSet', name: 'db' }, readySince: T0 })];
    expect(resolveSource(snapshotOf(pods), { kind: 'workload', workload: 'StatefulSet', namespace: 'default', name: 'db' })).toMatchObject({ kind: 'pod', name: 'default/db-0' });
  });
});

describe('the pod kubectl exec picks (kubectl GetFirstPod with sort.Reverse(ActivePods))', () => {
  const pick = (...pods: V1Pod[]) => [...pods].sort(byExecPreference)[0]!.metadata!.name;

  it('1. scheduled before unscheduled', () => {
    expect(pick(pod({ name: 'a', node: '', readySince: T0 }), pod({ name: 'b', phase: 'Pending' }))).toBe('b');
  });
  it('2. Running before Unknown before Pending; Succeeded/Failed rank with Pending', () => {
    expect(pick(pod({ name: 'a', phase: 'Pending' }), pod({ name: 'b', phase: 'Unknown' }))).toBe('b');
    expect(pick(pod({ name: 'a', phase: 'Unknown' }), pod({ name: 'b', phase: 'Running' }))).toBe('b');
    expect(pick(pod({ name: 'a', phase: 'Succeeded' }), pod({ name: 'b', phase: 'Unknown' }))).toBe('b');
  });
  it('3. ready before not ready', () => {
    expect(pick(pod({ name: 'a' }), pod({ name: 'b', readySince: T1 }))).toBe('b');
  });
  it('4. ready the longest first', () => {
    expect(pick(pod({ name: 'a', readySince: T1 }), pod({ name: 'b', readySince: T0 }))).toBe('b');
  });
  it('5. fewer restarts first', () => {
    expect(pick(pod({ name: 'a', readySince: T0, restarts: 3 }), pod({ name: 'b', readySince: T0, restarts: 1 }))).toBe('b');
  });
  it('6. older first; then by name, so every run picks the same', () => {
    expect(pick(pod({ name: 'a', readySince: T0, created: T1 }), pod({ name: 'b', readySince: T0, created: T0 }))).toBe('b');
    expect(pick(pod({ name: 'b', readySince: T0 }), pod({ name: 'a', readySince: T0 }))).toBe('a');
  });
});
