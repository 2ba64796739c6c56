/** Reads the kernel-produced fixtures committed under test/fixtures. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/corpus.js';

export const fixture = (...parts: string[]): string => readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', ...parts), 'utf8');

/** fast-check runs per property: NETX_FUZZ_RUNS (CI sets 10000), default 1000. */
export const FUZZ_RUNS = Number(process.env.NETX_FUZZ_RUNS ?? 1000) || 1000;

/** The value a function throws (fails the test when it does not throw). */
export function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
