/**
 * Property: a hostile snapshot never makes a command crash. The bundled snapshots (examples/ and the
 * lab fixtures, with NetworkPolicies and an Ingress added so those readers are reached) get 1–3 edits
 * each — wrong types, nulls, deletions, deep nesting, huge arrays, odd strings and keys, on the API
 * objects and on the envelope — and every command (trace, cidr, proxy-mode, policy) runs on the result
 * through the entry the CLI uses. Each must end with exit 0, 1 or 3, print no stack trace and finish
 * in bounded time. Every distinct failure is collected and listed, with an edit that produces it.
 *
 * Cases: NETX_FUZZ_RUNS / 25 (CI: 400, locally 40), seeded by NETX_FUZZ_SEED (test/support/fast-check-setup.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FUZZ_RUNS } from '../parse/fixtures.js';
import { runInProcess } from '../support/in-process.js';
import { ensureBuilt, runCli, type CliRun } from '../support/cli.js';
import { applyMutations, mutation, type Mutation } from './mutations.js';
import { seeds, type Seed } from './hostile-seeds.js';

const CASES = Math.max(20, Math.round(FUZZ_RUNS / 25));
/** A hang detector, not a performance figure (bench/ has those): a command on a 150 KB snapshot takes milliseconds. */
const COMMAND_BUDGET_MS = 20_000;
const EXITS = [0, 1, 3];
const STACK = /\n\s+at .+:\d+:\d+/;

const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-mutation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  seed: Seed;
  edits: Mutation[];
  trace: string[];
  policy: string[];
  format: 'text' | 'json';
}

const cases: fc.Arbitrary<Case> = fc
  .tuple(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.nat(), fc.nat(), fc.constantFrom('text' as const, 'json' as const))
  .map(([s, edits, t, p, format]) => {
    const sd = seeds[s % seeds.length]!;
    return { seed: sd, edits, trace: sd.traces[t % sd.traces.length]!, policy: sd.policies[p % sd.policies.length]!, format };
  });

const commandsOf = (c: Case): string[][] => [
  ['trace', ...c.trace, '-o', c.format],
  ['policy', ...c.policy, '-o', c.format],
  ['cidr', '-o', c.format],
  ['proxy-mode', '-o', c.format],
];

/** What is wrong with one run, or undefined: the key groups runs that fail the same way. */
function violation(r: CliRun, ms: number): string | undefined {
  if (r.status === null || !EXITS.includes(r.status)) return `exit ${r.status}: ${firstLine(r.stderr)}`;
  if (STACK.test(r.stderr) || STACK.test(r.stdout)) return `stack trace: ${firstLine(r.stderr)}`;
  if (r.status === 1 && !/^error: /.test(r.stderr)) return `exit 1 without an error line: ${firstLine(r.stderr)}`;
  if (ms > COMMAND_BUDGET_MS) return `took ${Math.round(ms / 1000)} s`;
  return undefined;
}

const firstLine = (s: string): string => (s.split('\n').find((l) => l.trim() !== '') ?? '(nothing on stderr)').slice(0, 200);
/** Messages differ by names and numbers; the shape of the message is the failure. */
const failureKey = (command: string, v: string): string => `${command}: ${v.replace(/\d+/g, 'N').replace(/"[^"]*"/g, '"…"')}`;
const editText = (edits: Mutation[]): string => JSON.stringify(edits, (_k, v: unknown) => (typeof v === 'string' && v.length > 40 ? `${v.slice(0, 20)}…(${v.length})` : v));

describe('hostile snapshots never crash a command', () => {
  it(`${CASES} edited snapshots × trace, policy, cidr, proxy-mode (in-process)`, async () => {
    const failures = new Map<string, string>();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const file = path.join(dir, `case-${n++}.json`);
        writeFileSync(file, applyMutations(c.seed.doc, c.seed.places, c.edits));
        for (const argv of commandsOf(c)) {
          const t0 = performance.now();
          const r = await runInProcess([...argv, '--snapshot', file, '--no-color']);
          const v = violation(r, performance.now() - t0);
          const key = v && failureKey(argv[0]!, v);
          if (key && !failures.has(key)) failures.set(key, `${argv.join(' ')} on ${c.seed.file} edited ${editText(c.edits)}`);
        }
        rmSync(file);
      }),
      { numRuns: CASES },
    );
    expect(Object.fromEntries(failures)).toEqual({});
  }, CASES * 10_000);

  it('the built CLI agrees on a few of them', () => {
    ensureBuilt();
    const sample = fc.sample(cases, { numRuns: 3, seed: Number(process.env.NETX_FUZZ_SEED) || 7 });
    for (const [i, c] of sample.entries()) {
      const file = path.join(dir, `cli-${i}.json`);
      writeFileSync(file, applyMutations(c.seed.doc, c.seed.places, c.edits));
      for (const argv of commandsOf(c)) {
        const r = runCli([...argv, '--snapshot', file, '--no-color']);
        expect(violation(r, 0), `${argv.join(' ')} on ${c.seed.file} edited ${editText(c.edits)}`).toBeUndefined();
      }
    }
  }, 300_000);
});
