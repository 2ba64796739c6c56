/**
 * Load-time screening of a snapshot's API objects. The JSON Schema checks the envelope; this checks
 * the fields each analysis reads against the shape the API server gives them (k8s-shapes.ts). An
 * object that fails is taken out of `cluster.objects` and listed in `cluster.malformed` with each
 * field that is wrong: an analysis that needs it says so as an error, one that does not names it in a
 * finding, and no reader ever meets a value of the wrong type. No I/O; the snapshot is changed in place.
 */
import { UserError } from '../util/errors.js';
import { ANY_OBJECT, OBJECT_SHAPES } from './k8s-shapes.js';
import { checkShape, describeValue, isPlainObject, joinKey } from './shape.js';
import type { MalformedObject, RawObject, ResourceName, ShapeIssue, Snapshot } from './types.js';

/**
 * How deep an API object may nest. Built-in kinds reach about 15 levels (a pod's affinity terms,
 * managedFields' field sets), CRDs a few more; recursive readers and writers (JSON and YAML output,
 * structuredClone) overflow the stack a few thousand levels down.
 */
const MAX_OBJECT_DEPTH = 64;

/** How deep the rest of a snapshot may nest (it is mostly strings; `serverVersion` is free-form). */
const MAX_ENVELOPE_DEPTH = 100;

/** Where API objects sit: `{"cluster": {"objects": {"pods": [{…}]}}}` opens four levels above one. */
const OBJECT_LEVEL = 4;

/**
 * Throws when the snapshot outside its API objects nests deeper than MAX_ENVELOPE_DEPTH (`doc` is
 * a parsed snapshot whose top level is an object). `textDepth`: the deepest nesting of the whole
 * text (limits.ts scanJson); no walk is needed when it is within the limit.
 */
export function checkEnvelopeDepth(doc: Record<string, unknown>, source: string, textDepth = Infinity): void {
  if (textDepth <= MAX_ENVELOPE_DEPTH + 1) return;
  const cluster = isPlainObject(doc.cluster) ? { ...doc.cluster, objects: undefined } : doc.cluster;
  const deep = deepestPast({ ...doc, cluster }, MAX_ENVELOPE_DEPTH);
  if (deep === undefined) return;
  throw new UserError(`${source} nests deeper than ${MAX_ENVELOPE_DEPTH} levels at ${deep}: no snapshot does`, {
    code: 'snapshot',
    hint: 'the file is damaged or was not written by kubectl netx collect; re-capture it',
  });
}

/**
 * Records keyed by names from the cluster (nodes, dump keys, file paths, resources) lose their
 * prototype: `nodes["constructor"]` is a node called constructor or nothing, never a function.
 */
export function ownKeysOnly(snapshot: Snapshot): Snapshot {
  const bare = (o: object | undefined): void => void (o && Object.setPrototypeOf(o, null));
  bare(snapshot.nodes);
  for (const n of Object.values(snapshot.nodes)) {
    bare(n.dumps);
    bare(n.files);
  }
  bare(snapshot.cluster.objects);
  bare(snapshot.cluster.views);
  bare(snapshot.cluster.serverVersion);
  return snapshot;
}

/**
 * Screens every object: against its resource's shape, or ANY_OBJECT for a resource no analysis reads.
 * `textDepth` as above: objects are walked for their depth only when some text nests deep enough.
 */
export function screenObjects(snapshot: Snapshot, textDepth = Infinity): Snapshot {
  const walkDepth = textDepth > OBJECT_LEVEL + 1 + MAX_OBJECT_DEPTH;
  const malformed: MalformedObject[] = [];
  const objects = snapshot.cluster.objects;
  for (const [resource, items] of Object.entries(objects)) {
    if (!items) continue;
    const kept: RawObject[] = [];
    items.forEach((o, i) => {
      const issues = objectIssues(resource, o, walkDepth);
      if (issues.length === 0) kept.push(o);
      else malformed.push(describeObject(resource, o, i, issues));
    });
    if (kept.length !== items.length) objects[resource] = kept;
  }
  if (malformed.length) snapshot.cluster.malformed = malformed;
  else delete snapshot.cluster.malformed;
  return snapshot;
}

function objectIssues(resource: ResourceName, o: unknown, walkDepth: boolean): ShapeIssue[] {
  if (!isPlainObject(o)) return [{ code: 'wrong-type', path: '(the object)', expected: 'an object', found: describeValue(o) }];
  const deep = walkDepth ? deepestPast(o, MAX_OBJECT_DEPTH) : undefined;
  if (deep) return [{ code: 'too-deep', path: deep, expected: `at most ${MAX_OBJECT_DEPTH} levels of nesting`, found: `more than ${MAX_OBJECT_DEPTH} levels` }];
  return checkShape(o, OBJECT_SHAPES[resource]?.shape ?? ANY_OBJECT);
}

function describeObject(resource: ResourceName, o: unknown, index: number, issues: ShapeIssue[]): MalformedObject {
  const meta = isPlainObject(o) && isPlainObject(o.metadata) ? o.metadata : {};
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const namespace = text(meta.namespace);
  const name = text(meta.name);
  const labels = isPlainObject(meta.labels) && Object.values(meta.labels).every((v) => typeof v === 'string') ? (meta.labels as Record<string, string>) : undefined;
  return {
    resource,
    kind: OBJECT_SHAPES[resource]?.kind ?? resource,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(labels ? { labels } : {}),
    at: `cluster.objects.${resource}[${index}]`,
    issues,
  };
}

/** One open object or array of the walk below: its entries and how far it has got. */
interface Frame {
  keys: string[];
  values: unknown[];
  list: boolean;
  next: number;
}

/**
 * The path of the first value more than `limit` keys below `value`, or undefined. Depth first with
 * one frame per open level: memory follows the depth (at most `limit`), never the breadth.
 */
function deepestPast(value: unknown, limit: number): string | undefined {
  const frames: Frame[] = [];
  const open = (v: unknown): void => {
    const list = Array.isArray(v);
    frames.push({ keys: list ? [] : Object.keys(v as object), values: list ? (v as unknown[]) : Object.values(v as object), list, next: 0 });
  };
  if (typeof value === 'object' && value !== null) open(value);
  while (frames.length) {
    const top = frames[frames.length - 1]!;
    if (top.next >= top.values.length) {
      frames.pop();
      continue;
    }
    const v = top.values[top.next++];
    if (typeof v !== 'object' || v === null) continue;
    if (frames.length > limit) return shortPath(frames);
    open(v);
  }
  return undefined;
}

/** The path to the value the innermost frame is at, its middle elided when it is long. */
function shortPath(frames: Frame[]): string {
  const keys = frames.map((f) => (f.list ? `[${f.next - 1}]` : joinKey('.', f.keys[f.next - 1]!).slice(1)));
  const join = (segs: string[]) => segs.join('').replace(/^\./, '');
  return keys.length <= 8 ? join(keys) : `${join(keys.slice(0, 6))}…`;
}

/** The Kind and name a message gives an object: `Service default/web`, `Node node-a`. */
export function objectLabel(m: MalformedObject): string {
  const name = m.name === undefined ? `at ${m.at}` : m.namespace ? `${m.namespace}/${m.name}` : m.name;
  return `${m.kind} ${name}`;
}

/** `spec.clusterIP is the number 42, expected an IP address, "None" or ""` (issues joined with "; "). */
export function describeIssues(m: MalformedObject): string {
  return m.issues.map(describeIssue).join('; ');
}

function describeIssue(i: ShapeIssue): string {
  if (i.code === 'missing') return `${i.path} is missing (${i.expected})`;
  if (i.code === 'too-deep') return `${i.path} nests ${i.found} deep`;
  return `${i.path} is ${i.found}, expected ${i.expected}`;
}

/** Left-out objects of a resource, optionally only one namespace's or one name's. */
export function malformedOf(snapshot: Snapshot, resource: ResourceName, where: { namespace?: string; name?: string } = {}): MalformedObject[] {
  return (snapshot.cluster.malformed ?? []).filter(
    (m) => m.resource === resource && (where.namespace === undefined || m.namespace === where.namespace) && (where.name === undefined || m.name === where.name),
  );
}

/**
 * The error for an object a question needs but cannot read. `why` says what it was needed for
 * (`the destination`, `the endpoints of service default/web`).
 */
export function malformedError(m: MalformedObject, why: string): UserError {
  return new UserError(`${objectLabel(m)}, ${why}, does not have the shape Kubernetes gives it: ${describeIssues(m)}`, {
    code: 'snapshot',
    hint: `the API server never returns such an object: re-capture the snapshot (kubectl netx collect -o FILE), or correct ${m.issues[0]?.path ?? 'the object'} at ${m.at} if the file was edited`,
  });
}

/** Throws the error above when the object `namespace/name` of `resource` was left out. */
export function assertNotMalformed(snapshot: Snapshot, resource: ResourceName, namespace: string | undefined, name: string, why: string): void {
  const hit = malformedOf(snapshot, resource, { ...(namespace !== undefined ? { namespace } : {}), name })[0];
  if (hit) throw malformedError(hit, why);
}
