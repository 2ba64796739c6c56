/**
 * Server-side Table listings (meta.k8s.io/v1 Table) turned into minimal objects. Pure.
 * Pods keep what address questions need: metadata, spec.nodeName, status.podIP(s), status.phase.
 */
import type { RawObject } from '../snapshot/types.js';

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
export const METADATA_ACCEPT = 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json';

export interface Table {
  kind: 'Table';
  columnDefinitions: { name: string }[];
  /** `object` is absent (or null) when the listing asked for includeObject=None. */
  rows: { cells: unknown[]; object?: { metadata?: Record<string, unknown> } | null }[];
  metadata?: { continue?: string; resourceVersion?: string };
}

export function isTable(body: unknown): body is Table {
  const b = body as Partial<Table> | null;
  return !!b && b.kind === 'Table' && Array.isArray(b.columnDefinitions) && Array.isArray(b.rows);
}

const PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);

/** STATUS column → phase; states that are not phases (CrashLoopBackOff, Terminating, …) give undefined. */
export function phaseFromStatus(status: string): string | undefined {
  if (PHASES.has(status)) return status;
  if (status === 'Completed') return 'Succeeded';
  return undefined;
}

const NONE = new Set(['<none>', '<pending>', '']);
const cell = (value: unknown): string | undefined => (typeof value === 'string' && !NONE.has(value) ? value : undefined);

/**
 * Strings repeated across many rows (node names, namespaces, phases) shared instead of one copy per
 * row: 150,000 pods name only a few thousand nodes.
 */
export class Interner {
  private readonly seen = new Map<string, string>();
  get(s: string): string {
    const hit = this.seen.get(s);
    if (hit !== undefined) return hit;
    this.seen.set(s, s);
    return s;
  }
}

/**
 * Rows → objects of `kind`/`apiVersion`; pods get the fields above, others metadata only.
 * `namespace`: the namespace the listing was made in, for rows without an object (includeObject=None,
 * whose cells hold no namespace). A row's metadata loses managedFields (often half a row, never read).
 */
export function tableToObjects(table: Table, kind: string, apiVersion: string, namespace?: string, strings: Interner = new Interner()): RawObject[] {
  const col = (name: string): number => table.columnDefinitions.findIndex((c) => c.name.toLowerCase() === name);
  const nameCol = col('name');
  const ipCol = col('ip');
  const nodeCol = col('node');
  const statusCol = col('status');
  return table.rows.map((row) => {
    let metadata: NonNullable<RawObject['metadata']>;
    if (row.object?.metadata) {
      const { managedFields: _dropped, ...rest } = row.object.metadata;
      metadata = rest as NonNullable<RawObject['metadata']>;
    } else {
      metadata = {};
      if (namespace !== undefined) metadata.namespace = strings.get(namespace);
    }
    if (metadata.name === undefined && nameCol >= 0) metadata.name = cell(row.cells[nameCol]);
    const obj: RawObject = { apiVersion, kind, metadata };
    if (kind === 'Pod') {
      const podIP = cell(row.cells[ipCol]);
      const nodeName = cell(row.cells[nodeCol]);
      const phase = phaseFromStatus(String(row.cells[statusCol] ?? ''));
      obj.spec = nodeName ? { nodeName: strings.get(nodeName) } : {};
      obj.status = { ...(phase ? { phase } : {}), ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}) };
    }
    return obj;
  });
}
