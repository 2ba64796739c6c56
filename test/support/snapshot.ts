/** The one builder for snapshots tests write by hand: the fixed envelope, then only what the test is about. */
import type { Snapshot } from '../../src/snapshot/types.js';

export interface SnapshotParts {
  objects?: Snapshot['cluster']['objects'];
  /** Other cluster fields (views, serverVersion, …). */
  cluster?: Omit<Partial<Snapshot['cluster']>, 'objects'>;
  nodes?: Snapshot['nodes'];
  source?: Snapshot['source'];
  capturedAt?: string;
}

export function snapshotOf(parts: SnapshotParts = {}): Snapshot {
  return {
    kind: 'NetxSnapshot',
    version: 1,
    capturedAt: parts.capturedAt ?? '2026-11-22T00:00:00Z',
    source: parts.source ?? { type: 'synthetic' },
    cluster: { objects: parts.objects ?? {}, ...parts.cluster },
    nodes: parts.nodes ?? {},
  };
}
