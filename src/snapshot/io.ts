/**
 * Snapshot text ⇄ Snapshot value. Pure: no file access here (cli/snapshot-file.ts reads and writes the files).
 * Loading checks, in this order, that the text holds no more JSON objects and arrays than a snapshot
 * can (limits.ts), that it is JSON, that it is a NetxSnapshot of a version this
 * build reads, that it nests no deeper than a snapshot does, and that it matches
 * schemas/snapshot.schema.json; each failure names the exact place. Then API objects that do not
 * have their Kubernetes shape are set aside (screen.ts).
 */
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import { UserError } from '../util/errors.js';
import { checkEnvelopeDepth, ownKeysOnly, screenObjects } from './screen.js';
import { MAX_JSON_CONTAINERS, scanJson } from './limits.js';
import { SNAPSHOT_KIND, SNAPSHOT_VERSION, type Snapshot } from './types.js';

/** How many schema problems one message lists before saying "and N more". */
const MAX_LISTED = 3;

let validator: ValidateFunction | undefined;

/**
 * The build compiles the schema into standalone code beside this module (scripts/snapshot-validator.mjs); where it
 * is absent (the sources run directly, as in tests) the schema is compiled here with the same options. The schema
 * ships beside dist/ and src/ (package.json "files"), so one relative path serves both.
 */
function validate(): ValidateFunction {
  if (!validator) {
    const require = createRequire(import.meta.url);
    validator = prebuilt(require) ?? compileSchema(require);
  }
  return validator;
}

function prebuilt(require: NodeJS.Require): ValidateFunction | undefined {
  try {
    return require('./snapshot-validate.cjs') as ValidateFunction;
  } catch (e) {
    if ((e as { code?: string }).code === 'MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}

function compileSchema(require: NodeJS.Require): ValidateFunction {
  const schema = require('../../schemas/snapshot.schema.json') as object;
  // Required on first use: ajv costs ~150 ms to load, and live runs never validate a file.
  const { Ajv } = require('ajv') as { Ajv: typeof AjvClass };
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

/**
 * Parses and validates a snapshot. `source` names the input in messages (a file path, "stdin").
 * Throws UserError (code 'snapshot') saying what is wrong and where.
 */
export function parseSnapshot(text: string, source: string): Snapshot {
  const scan = scanJson(text);
  const doc = parseJson(text, source, scan.pastLimit);
  // Only a JSON error needs the text: let it go before the (allocating) checks below.
  text = '';
  checkKindAndVersion(doc, source);
  checkEnvelopeDepth(doc, source, scan.depth);
  const check = validate();
  if (!check(doc)) {
    const errors = check.errors ?? [];
    const listed = errors.slice(0, MAX_LISTED).map(describeSchemaError);
    const more = errors.length > MAX_LISTED ? ` (and ${errors.length - MAX_LISTED} more)` : '';
    throw new UserError(`${source} is not a valid snapshot: ${listed.join('; ')}${more}`, {
      code: 'snapshot',
      hint: 'the format is described in docs/snapshot.md (schema: schemas/snapshot.schema.json); re-capture with kubectl netx collect -o FILE',
    });
  }
  return screenObjects(ownKeysOnly(doc as unknown as Snapshot), scan.depth);
}

/**
 * The on-disk form, keys in the order built, with a trailing newline: indented down to the items of the snapshot's
 * lists and maps (each API object, each node dump), and each item on one line. Indenting everything doubled a
 * 10,000-Service capture (52 MB instead of 28 MB) with whitespace every load then reads, scans and parses: 0.15 s of
 * a 1 s trace (bench/README.md). One item per line still reads, greps and diffs well.
 */
export function serializeSnapshot(snapshot: Snapshot): string {
  return `${indentedTo(snapshot, ITEM_DEPTH, '')}\n`;
}

/** `cluster.objects.<kind>[i]` and `nodes.<name>.dumps.<key>`: the depth at which a snapshot's items sit. */
const ITEM_DEPTH = 4;

/** JSON.stringify(value, null, 2) down to `depth` levels, JSON.stringify(value) below: the same JSON value. */
function indentedTo(value: unknown, depth: number, indent: string): string | undefined {
  const v = hasToJSON(value) ? value.toJSON() : value;
  if (depth === 0 || v === null || typeof v !== 'object') return JSON.stringify(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const items = v.map((x: unknown) => `${inner}${indentedTo(x, depth - 1, inner) ?? 'null'}`);
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const members: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    const text = indentedTo(x, depth - 1, inner);
    if (text !== undefined) members.push(`${inner}${JSON.stringify(k)}: ${text}`);
  }
  return members.length === 0 ? '{}' : `{\n${members.join(',\n')}\n${indent}}`;
}

function hasToJSON(v: unknown): v is { toJSON(): unknown } {
  return typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function';
}

function parseJson(text: string, source: string, past: number): unknown {
  if (!/\S/.test(text)) throw new UserError(`${source} is empty, expected a snapshot (JSON)`, { code: 'snapshot' });
  if (past >= 0) {
    throw new UserError(`${source} holds more than ${MAX_JSON_CONTAINERS.toLocaleString('en-US')} JSON objects and arrays (the limit is passed at ${lineColumn(text, past)}), the most kubectl-netx reads (see docs/snapshot.md, "Limits")`, {
      code: 'snapshot',
      hint: 'a capture of a real cluster stays well below it: check that this is a snapshot written by kubectl netx collect',
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const message = (e as Error).message;
    const pos = /position (\d+)/.exec(message);
    const offset = pos ? Number(pos[1]) : /end of JSON input/.test(message) ? text.length : undefined;
    const where = offset === undefined ? '' : ` at ${lineColumn(text, offset)}`;
    const what = message.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/, '');
    throw new UserError(`${source} is not valid JSON${where}: ${what}`, {
      code: 'snapshot',
      hint: 'a snapshot is the JSON written by kubectl netx collect -o FILE (optionally gzip-compressed)',
    });
  }
}

/** "line L, column C", both 1-based, for a 0-based character offset. */
export function lineColumn(text: string, offset: number): string {
  // Counted in place: the text may be hundreds of MB, too big to copy or split.
  let line = 1;
  let lastBreak = -1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lastBreak = i;
  }
  return `line ${line}, column ${offset - lastBreak}`;
}

function checkKindAndVersion(doc: unknown, source: string): asserts doc is Record<string, unknown> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new UserError(`${source} is not a snapshot: the top level must be a JSON object`, { code: 'snapshot' });
  }
  const { kind, version } = doc as { kind?: unknown; version?: unknown };
  if (kind !== SNAPSHOT_KIND) {
    throw new UserError(
      `${source} is not a kubectl-netx snapshot: kind is ${JSON.stringify(kind) ?? 'missing'}, expected "${SNAPSHOT_KIND}"`,
      { code: 'snapshot', hint: 'capture one with kubectl netx collect -o FILE' },
    );
  }
  if (version === SNAPSHOT_VERSION) return;
  if (typeof version === 'number' && Number.isInteger(version) && version > SNAPSHOT_VERSION) {
    throw new UserError(
      `${source} is snapshot version ${version}, written by a newer kubectl-netx; upgrade (this one reads version ${SNAPSHOT_VERSION})`,
      { code: 'snapshot' },
    );
  }
  throw new UserError(
    `${source} has unsupported snapshot version ${JSON.stringify(version) ?? '(missing)'}: this kubectl-netx reads version ${SNAPSHOT_VERSION}`,
    { code: 'snapshot' },
  );
}

function describeSchemaError(error: ErrorObject): string {
  const segments = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/').map(unescapePointer);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') segments.push(String(params.missingProperty));
  const path = formatPath(segments);
  if (error.keyword === 'required') return `${path}: is required`;
  if (error.keyword === 'enum') {
    return `${path}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (error.keyword === 'const') return `${path}: must be ${JSON.stringify(params.allowedValue)}`;
  return `${path === '' ? '(top level)' : path}: ${error.message ?? error.keyword}`;
}

const unescapePointer = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** JSON-pointer segments → `nodes.kind-worker.dumps.route.exitCode`, `objects.pods[3]`, `files["/etc/cni/x"]`. */
export function formatPath(segments: string[]): string {
  let out = '';
  for (const seg of segments) {
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
