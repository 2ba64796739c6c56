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
  rows: { cells: unknown[]; object?: { metadata?: Record<string, unknown> } }[];
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

/** Rows → objects of `kind`/`apiVersion`; pods get the fields above, others metadata only. */
export function tableToObjects(table: Table, kind: string, apiVersion: string): RawObject[] {
  const col = (name: string): number => table.columnDefinitions.findIndex((c) => c.name.toLowerCase() === name);
  const nameCol = col('name');
  const ipCol = col('ip');
  const nodeCol = col('node');
  const statusCol = col('status');
  return table.rows.map((row) => {
    const metadata = { ...(row.object?.metadata ?? {}) } as RawObject['metadata'] & object;
    if (metadata.name === undefined && nameCol >= 0) metadata.name = cell(row.cells[nameCol]);
    const obj: RawObject = { apiVersion, kind, metadata };
    if (kind === 'Pod') {
      const podIP = cell(row.cells[ipCol]);
      const nodeName = cell(row.cells[nodeCol]);
      const phase = phaseFromStatus(String(row.cells[statusCol] ?? ''));
      obj.spec = nodeName ? { nodeName } : {};
      obj.status = { ...(phase ? { phase } : {}), ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}) };
    }
    return obj;
  });
}
