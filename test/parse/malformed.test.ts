/**
 * Real dumps, damaged one place at a time, against golden files (test/fixtures/golden/malformed/): what each parser
 * makes of a cut line, a missing word, a stray token, letters where a number goes, and (in JSON) a field of the wrong
 * type or missing. For each damage the file records what changed against the undamaged dump: the ParseError, the
 * warnings added, and whether the value read changed (a short hash). The fuzz and property tests prove no damage
 * crashes a parser or goes unreported; this pins which message each gets and what is still read, so a change to
 * either is a diff to read. `npx vitest run -u test/parse/malformed.test.ts` rewrites the files; review the diff first.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/util/parse-error.js';
import { REPO_ROOT } from '../support/corpus.js';
import { readers } from './readers.js';

const GOLDEN = path.join(REPO_ROOT, 'test', 'fixtures', 'golden', 'malformed');
/** Places damaged per file, spread evenly over it. */
const PLACES = 12;

interface Outcome {
  error?: string;
  warnings: string[];
  value: string;
}

function outcomeOf(parse: () => unknown): Outcome {
  try {
    const r = parse() as { warnings?: { code: string; message: string; line?: number }[] };
    const { warnings = [], ...rest } = Array.isArray(r) ? { value: r } : r;
    const json = JSON.stringify(rest, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v));
    return { warnings: warnings.map((w) => `${w.code}${w.line === undefined ? '' : ` L${w.line}`}: ${w.message}`), value: createHash('sha256').update(json).digest('hex').slice(0, 8) };
  } catch (e) {
    if (e instanceof ParseError) return { error: `ParseError ${e.line ?? ''}:${e.column ?? ''} ${e.message}`, warnings: [], value: '' };
    throw e;
  }
}

/** Evenly spread picks of n items. */
const spread = <T>(items: T[], n: number): T[] => (items.length <= n ? items : Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!));

/** Damaged copies of one line: cut in half, second word gone, last word junk, letters for the first number's digits. */
function lineVariants(line: string): [string, string][] {
  const words = line.trim().split(/\s+/);
  const lead = /^\s*/.exec(line)![0];
  const numbered = words.findIndex((w) => /\d/.test(w));
  const out: [string, string][] = [
    ['cut', lead + words.slice(0, Math.ceil(words.length / 2)).join(' ')],
    ['no-2nd-word', lead + words.filter((_, i) => i !== 1).join(' ')],
    ['junk-last', lead + [...words.slice(0, -1), '%junk'].join(' ')],
    ['letters', lead + words.map((w, i) => (i === numbered ? w.replace(/\d/g, 'x') : w)).join(' ')],
  ];
  return out.filter(([, v], i) => v !== line && out.findIndex(([, w]) => w === v) === i);
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Paths to every leaf of a JSON value. */
function leaves(v: Json, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...at, i]));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, [...at, k]));
  return [at];
}

function withLeaf(doc: Json, at: (string | number)[], value: Json | undefined): string {
  const copy = structuredClone(doc) as Record<string | number, Json>;
  let o = copy;
  for (const k of at.slice(0, -1)) o = o[k] as Record<string | number, Json>;
  const last = at.at(-1)!;
  if (value === undefined) {
    if (Array.isArray(o)) o.splice(last as number, 1);
    else delete o[last];
  } else o[last] = value;
  return JSON.stringify(copy);
}

/** Damaged copies of a JSON dump: one leaf (spread over the document) null, a string, a number, or gone. */
function jsonVariants(doc: Json): [string, string][] {
  return spread(leaves(doc), PLACES * 2).flatMap((at) => {
    const where = at.join('.');
    return ([['null', null], ['string', 'x'], ['number', 7], ['gone', undefined]] as [string, Json | undefined][]).map(([k, v]): [string, string] => [`${where} ${k}`, withLeaf(doc, at, v)]);
  });
}

function report(base: Outcome, o: Outcome): string {
  if (o.error) return o.error;
  const added = o.warnings.filter((w) => !base.warnings.includes(w));
  const lost = base.warnings.length + added.length - o.warnings.length;
  const value = o.value === base.value ? 'value same' : `value ${o.value}`;
  return [value, ...(lost > 0 ? [`${lost} warning(s) fewer`] : []), ...added.map((w) => `+ ${w}`)].join('\n    ');
}

function parseJson(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

describe('every parser on damaged real dumps matches its golden file', () => {
  for (const r of readers()) {
    it(r.name, async () => {
      const text = r.text();
      const base = outcomeOf(() => r.parse(text, r.file));
      const json = parseJson(text);
      const damaged: [string, string][] =
        json !== undefined && typeof json === 'object'
          ? jsonVariants(json)
          : spread(
              text.split('\n').flatMap((l, i) => (l.trim() ? [i] : [])),
              PLACES,
            ).flatMap((i) => {
              const ls = text.split('\n');
              return lineVariants(ls[i]!).map(([k, v]): [string, string] => [`L${i + 1} ${k}`, [...ls.slice(0, i), v, ...ls.slice(i + 1)].join('\n')]);
            });
      const body = damaged.map(([what, t]) => `${what}: ${report(base, outcomeOf(() => r.parse(t, r.file)))}`);
      await expect(`undamaged: ${base.error ?? `value ${base.value}, ${base.warnings.length} warning(s)`}\n${body.join('\n')}\n`).toMatchFileSnapshot(path.join(GOLDEN, `${r.name}.txt`));
    });
  }
});
