/**
 * The build compiles the snapshot schema into standalone code (scripts/snapshot-validator.mjs) that the built CLI
 * loads instead of compiling the schema itself. Property: on the bundled snapshots with hostile edits it accepts
 * and rejects exactly what the schema compiled at run time does, with the same errors in the same order (messages
 * list the first ones).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUZZ_RUNS } from '../parse/fixtures.js';
import { ensureBuilt } from '../support/cli.js';
import { REPO_ROOT } from '../support/corpus.js';
import { applyMutations, mutation } from './mutations.js';
import { seeds } from './hostile-seeds.js';

const require = createRequire(import.meta.url);
let prebuilt: ValidateFunction;
let compiled: ValidateFunction;

beforeAll(() => {
  ensureBuilt();
  prebuilt = require(path.join(REPO_ROOT, 'dist', 'snapshot', 'snapshot-validate.cjs')) as ValidateFunction;
  compiled = new Ajv({ allErrors: true, strict: false }).compile(require(path.join(REPO_ROOT, 'schemas', 'snapshot.schema.json')) as object);
}, 180_000);

const verdict = (check: ValidateFunction, doc: unknown) => ({ ok: check(doc), errors: check.errors ?? [] });

describe('the prebuilt snapshot validator', () => {
  it('accepts every bundled snapshot', () => {
    for (const s of seeds) expect(verdict(prebuilt, s.doc), s.file).toEqual({ ok: true, errors: [] });
  });

  it('agrees with the schema compiled at run time on edited snapshots', () => {
    let rejected = 0;
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (s, edits) => {
        const seed = seeds[s % seeds.length]!;
        const doc = JSON.parse(applyMutations(seed.doc, seed.places, edits)) as unknown;
        const want = verdict(compiled, doc);
        if (!want.ok) rejected++;
        expect(verdict(prebuilt, doc)).toEqual(want);
      }),
      { numRuns: Math.max(100, Math.round(FUZZ_RUNS / 5)) },
    );
    expect(rejected).toBeGreaterThan(0);
  }, 120_000);
});
