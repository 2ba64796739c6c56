/** How a list is rendered: a typed List, a meta.k8s.io Table, or a PartialObjectMetadataList. */
import type { RawObject } from '../../../src/snapshot/types.js';
import { groupVersion, type ServedResource } from './resources.js';

export type Rendering = 'list' | 'table' | 'metadata';

/** kube-apiserver picks the first media type it can serve from the Accept list. */
export function renderingFor(accept: string | undefined): Rendering {
  for (const part of (accept ?? '').split(',')) {
    if (/as=Table/.test(part) && /g=meta\.k8s\.io/.test(part)) return 'table';
    if (/as=PartialObjectMetadataList/.test(part)) return 'metadata';
    if (/application\/json|\*\/\*/.test(part)) return 'list';
  }
  return 'list';
}

const partial = (o: RawObject): RawObject => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata ?? {} });

const col = (name: string, type = 'string', format = ''): Record<string, unknown> => ({ name, type, format, description: '', priority: 0 });

function tableColumns(r: ServedResource): { columns: Record<string, unknown>[]; cells: (o: RawObject) => unknown[] } {
  const name = (o: RawObject): string => o.metadata?.name ?? '';
  const spec = (o: RawObject): Record<string, unknown> => (o.spec ?? {}) as Record<string, unknown>;
  const st = (o: RawObject): Record<string, unknown> => (o.status ?? {}) as Record<string, unknown>;
  if (r.resource === 'pods') {
    return {
      columns: [col('Name', 'string', 'name'), col('Ready'), col('Status'), col('Restarts'), col('Age'), col('IP'), col('Node'), col('Nominated Node'), col('Readiness Gates')],
      cells: (o) => [name(o), '1/1', String(st(o).reason ?? st(o).phase ?? 'Unknown'), '0', '5m', String(st(o).podIP ?? '<none>'), String(spec(o).nodeName ?? '<none>'), '<none>', '<none>'],
    };
  }
  if (r.resource === 'nodes') {
    const info = (o: RawObject): Record<string, unknown> => (st(o).nodeInfo ?? {}) as Record<string, unknown>;
    const address = (o: RawObject, type: string): string => ((st(o).addresses ?? []) as { type: string; address: string }[]).find((a) => a.type === type)?.address ?? '<none>';
    return {
      // kubectl get nodes -o wide: the last five are priority 1.
      columns: [
        col('Name', 'string', 'name'), col('Status'), col('Roles'), col('Age'), col('Version'),
        ...['Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime'].map((c) => ({ ...col(c), priority: 1 })),
      ],
      cells: (o) => [
        name(o), 'Ready', '<none>', '5d', String(info(o).kubeletVersion ?? ''),
        address(o, 'InternalIP'), address(o, 'ExternalIP'), String(info(o).osImage ?? ''), String(info(o).kernelVersion ?? ''), String(info(o).containerRuntimeVersion ?? ''),
      ],
    };
  }
  return { columns: [col('Name', 'string', 'name'), col('Created At', 'date')], cells: (o) => [name(o), String(o.metadata?.creationTimestamp ?? '')] };
}

/** The `includeObject` query parameter of a Table request (TableOptions); the API's default is Metadata. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function includeObjectPolicy(value: string | null): IncludeObject | undefined {
  if (value === null || value === '') return 'Metadata';
  return value === 'None' || value === 'Metadata' || value === 'Object' ? value : undefined;
}

/**
 * A list in the requested rendering. Table rows carry, per `includeObject`, nothing but their cells
 * (None: kube-apiserver leaves the row's object out), PartialObjectMetadata, or the whole object.
 */
export function renderList(r: ServedResource, items: RawObject[], rendering: Rendering, meta: Record<string, unknown>, includeObject: IncludeObject = 'Metadata'): unknown {
  if (rendering === 'metadata') return { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: items.map(partial) };
  if (rendering === 'table') {
    const t = tableColumns(r);
    const object = includeObject === 'None' ? undefined : includeObject === 'Object' ? (o: RawObject) => renderObject(r, o, 'list') : partial;
    return {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: meta,
      columnDefinitions: t.columns,
      rows: items.map((o) => (object ? { cells: t.cells(o), object: object(o) } : { cells: t.cells(o) })),
    };
  }
  // Typed lists carry apiVersion/kind once, not per item.
  const stripped = items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
  return { kind: `${r.kind}List`, apiVersion: groupVersion(r), metadata: meta, items: stripped };
}

export function renderObject(r: ServedResource, o: RawObject, rendering: Rendering): unknown {
  if (rendering === 'metadata') return partial(o);
  return { apiVersion: groupVersion(r), kind: r.kind, ...o };
}
