import { describe, expect, it } from 'vitest';
import { isTable, phaseFromStatus, tableToObjects, type Table } from '../../src/cluster/table.js';

// Shape and cells as kube-apiserver 1.33 answers `kubectl get pods -o wide` (Accept: as=Table).
const podTable: Table = {
  kind: 'Table',
  columnDefinitions: ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates'].map((name) => ({ name })),
  rows: [
    { cells: ['web-1', '1/1', 'Running', 0, '3d', '10.244.1.5', 'kind-worker', '<none>', '<none>'], object: { metadata: { name: 'web-1', namespace: 'shop', uid: 'u1' } } },
    { cells: ['job-1', '0/1', 'Completed', 0, '1h', '10.244.2.9', 'kind-worker2', '<none>', '<none>'], object: { metadata: { name: 'job-1', namespace: 'shop' } } },
    { cells: ['crash', '0/1', 'CrashLoopBackOff', 7, '1h', '10.244.2.10', 'kind-worker2', '<none>', '<none>'], object: { metadata: { name: 'crash', namespace: 'shop' } } },
    { cells: ['new', '0/1', 'Pending', 0, '1s', '<none>', '<none>', '<none>', '<none>'], object: { metadata: { name: 'new', namespace: 'shop' } } },
  ],
};

describe('Table listings', () => {
  it('recognises a Table', () => {
    expect(isTable(podTable)).toBe(true);
    expect(isTable({ kind: 'PodList', items: [] })).toBe(false);
  });

  it('turns pod rows into minimal pods without guessing phases', () => {
    const pods = tableToObjects(podTable, 'Pod', 'v1');
    expect(pods[0]).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'shop', uid: 'u1' },
      spec: { nodeName: 'kind-worker' },
      status: { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }] },
    });
    expect(pods[1]!.status).toMatchObject({ phase: 'Succeeded' });
    expect(pods[2]!.status).toEqual({ podIP: '10.244.2.10', podIPs: [{ ip: '10.244.2.10' }] });
    expect(pods[3]).toMatchObject({ spec: {}, status: { phase: 'Pending' } });
  });

  it('takes rows without objects (includeObject=None) from the cells and the listing\'s namespace', () => {
    const bare: Table = { ...podTable, rows: podTable.rows.map((r) => ({ cells: r.cells })) };
    const pods = tableToObjects(bare, 'Pod', 'v1', 'shop');
    expect(pods[0]).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: 'shop', name: 'web-1' },
      spec: { nodeName: 'kind-worker' },
      status: { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }] },
    });
    expect(pods.map((p) => p.metadata?.name)).toEqual(['web-1', 'job-1', 'crash', 'new']);
    // A real apiserver may also send "object": null.
    expect(tableToObjects({ ...bare, rows: [{ cells: podTable.rows[0]!.cells, object: null }] }, 'Pod', 'v1')[0]!.metadata).toEqual({ name: 'web-1' });
  });

  it('drops managedFields from row metadata', () => {
    const withFields: Table = { ...podTable, rows: [{ cells: podTable.rows[0]!.cells, object: { metadata: { name: 'web-1', namespace: 'shop', managedFields: [{ manager: 'kubelet' }] } } }] };
    expect(tableToObjects(withFields, 'Pod', 'v1')[0]!.metadata).toEqual({ name: 'web-1', namespace: 'shop' });
  });

  it('maps STATUS to phases only where it is one', () => {
    expect(phaseFromStatus('Failed')).toBe('Failed');
    expect(phaseFromStatus('Terminating')).toBeUndefined();
    expect(phaseFromStatus('Init:0/1')).toBeUndefined();
  });

  it('keeps only metadata for other kinds', () => {
    const t: Table = { kind: 'Table', columnDefinitions: [{ name: 'Name' }, { name: 'Created At' }], rows: [{ cells: ['a', 'x'] }] };
    expect(tableToObjects(t, 'ConfigMap', 'v1')).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }]);
  });
});
