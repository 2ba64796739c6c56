/**
 * Hostile edits of a real snapshot for property tests: a value of the wrong type, null, a deleted key,
 * nesting thousands deep, a huge array, an odd string or key — on the API objects and on the envelope
 * (source, views, node dumps). Each edit is a plain value so fast-check can shrink and print it.
 */
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonPath = (string | number)[];

/** Where an edit lands: inside an API object, or in the envelope around them (source, views, nodes' dumps). */
type Region = 'objects' | 'envelope';

export type Mutation = { in: Region; at: number } & (
  | { op: 'replace'; value: Json }
  | { op: 'delete' }
  | { op: 'nest'; depth: number; shape: 'array' | 'object' }
  | { op: 'repeat'; count: number }
  | { op: 'add-key'; key: string; value: Json }
);

/** Values of every JSON type, including ones an API server never sends where a name or number belongs. */
const ODD_VALUES: Json[] = [
  null, true, false, 0, -1, 42, 1.5, 1e308, -1e308, 65536, 4294967296,
  '', ' ', '42', 'None', 'null', 'true', '-', '::', '0.0.0.0/0', '10.0.0.1/33', '999.1.1.1', '[::1]:80', 'fe80::1%eth0',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', '%s%n', '\u0000', 'a\nb', '\u202e', 'ü🙂',
  [], [null], [42], [''], [[]], {}, { '': null }, { name: 42 },
];

const ODD_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '', ' ', 'valueOf', 'length', '0'];

const value: fc.Arbitrary<Json> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ODD_VALUES) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(1 << 20)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
);

const edit = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('replace' as const), value }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('nest' as const), depth: fc.constantFrom(64, 5_000, 100_000), shape: fc.constantFrom('array' as const, 'object' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('repeat' as const), count: fc.constantFrom(2, 1_000, 10_000) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('add-key' as const), key: fc.constantFrom(...ODD_KEYS), value }) },
);

/** One edit; `at` picks a place in its region (taken modulo the region's size). Objects get most edits. */
export const mutation: fc.Arbitrary<Mutation> = fc
  .tuple(fc.constantFrom<Region>('objects', 'objects', 'objects', 'envelope'), fc.nat(), edit)
  .map(([region, at, e]) => ({ in: region, at, ...e }) as Mutation);

export type Places = Record<Region, JsonPath[]>;

/** Every path in the document (root excluded), split into API objects' insides and the rest. */
export function places(doc: Json): Places {
  const all = allPaths(doc);
  const inObject = (p: JsonPath) => p.length >= 4 && p[0] === 'cluster' && p[1] === 'objects';
  return { objects: all.filter(inObject), envelope: all.filter((p) => !inObject(p)) };
}

/** Every path in the document (root excluded), objects' and arrays' own places included. */
function allPaths(doc: Json): JsonPath[] {
  const out: JsonPath[] = [];
  const walk = (v: Json, path: JsonPath): void => {
    if (path.length) out.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(doc, []);
  return out;
}

const NEST_MARK = '"\u0000netx-nest\u0000"';

/**
 * The mutated document as text. Deep nesting is spliced into the text: building it as a value would
 * overflow JSON.stringify's own stack before netx ever sees it.
 */
export function applyMutations(doc: Json, where: Places, mutations: Mutation[]): string {
  const copy = structuredClone(doc);
  const nests: { depth: number; shape: 'array' | 'object'; inner: Json }[] = [];
  for (const m of mutations) {
    const region = where[m.in];
    if (region.length === 0) continue;
    const path = region[m.at % region.length]!;
    const parent = get(copy, path.slice(0, -1));
    const key = path[path.length - 1]!;
    if (parent === null || typeof parent !== 'object') continue; // an earlier edit replaced the parent
    const container = parent as Record<string | number, Json>;
    const current = container[key];
    if (current === undefined) continue;
    switch (m.op) {
      case 'replace':
        container[key] = m.value;
        break;
      case 'delete':
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete container[key];
        break;
      case 'nest':
        nests.push({ depth: m.depth, shape: m.shape, inner: current });
        container[key] = `\u0000netx-nest\u0000${nests.length - 1}`;
        break;
      case 'repeat':
        container[key] = Array.isArray(current) ? Array.from({ length: m.count }, (_, i) => current[i % Math.max(1, current.length)] ?? null) : Array.from({ length: m.count }, () => current);
        break;
      case 'add-key':
        if (current !== null && typeof current === 'object' && !Array.isArray(current)) Object.defineProperty(current, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
        break;
    }
  }
  let text = JSON.stringify(copy);
  nests.forEach((n, i) => {
    const [open, close] = n.shape === 'array' ? ['[', ']'] : ['{"a":', '}'];
    text = text.replace(`${NEST_MARK.slice(0, -1)}${i}"`, () => open.repeat(n.depth) + JSON.stringify(n.inner) + close.repeat(n.depth));
  });
  return text;
}

function get(doc: Json, path: JsonPath): Json | undefined {
  let v: Json | undefined = doc;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, Json>)[k];
  }
  return v;
}
