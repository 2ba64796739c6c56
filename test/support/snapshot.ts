/** The one builder for snapshots tests write by hand: the fixed envelope, then only what the test is about. */
import type { DumpResult, Snapshot } from '../../src/snapshot/types.js';

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

/** `s` with one dump of one node changed by `change`, or gone where `change` gives undefined. */
export function withDump(s: Snapshot, node: string, key: string, change: (d: DumpResult | undefined) => DumpResult | undefined): Snapshot {
  const dumps = { ...s.nodes[node]!.dumps };
  const d = change(dumps[key]);
  if (d) dumps[key] = d;
  else delete dumps[key];
  return { ...s, nodes: { ...s.nodes, [node]: { ...s.nodes[node]!, dumps } } };
}
