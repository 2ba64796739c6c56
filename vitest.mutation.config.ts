import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests that run the built CLI (through test/support/cli.js) run dist/, which a mutant of src/ does not change:
// they cannot kill a mutant and cost most of a mutation run's time.
const runsBuiltCli = (file: string): boolean => /from '(\.\.\/)+support\/cli\.js'/.test(readFileSync(file, 'utf8'));
const testFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? testFiles(p) : e.name.endsWith('.test.ts') ? [p] : [];
  });

// Kernel oracles that hold one pure function to the kernel in a throwaway namespace, in seconds: they kill mutants
// no unit test can judge (route lookups against `ip route get`; ct state before conntrack, `fib … oif` and nft
// matches against rule counters).
// They need root and network namespaces, as the lab does (test/lab/README.md): `npm run mutation` sets NETX_REQUIRE_LAB=1,
// so a machine without them fails the dry run instead of counting their mutants as survivors.
const KERNEL_ORACLES = ['test/lab/rule-selectors.test.ts', 'test/lab/ct-before-conntrack.test.ts', 'test/lab/fib.test.ts', 'test/lab/match-oracle.test.ts', 'test/lab/nat-oracle.test.ts'];

// The tests a mutation run uses: the pure unit tests that import src/ directly and the kernel oracles. Left out: the
// rest of the real-kernel lab and the real-cluster lab (minutes each: every mutant they cover would re-run them) and
// whole-repo checks (knip, layering) that read files, not behaviour.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [
      ...testFiles('test/lab').filter((f) => !KERNEL_ORACLES.includes(f)),
      'test/kube-lab/**',
      'test/commands/**',
      'test/cli/**',
      'test/knip.test.ts',
      'test/layering.test.ts',
      '**/node_modules/**',
      ...testFiles('test').filter(runsBuiltCli),
    ],
    setupFiles: ['test/support/fast-check-setup.ts'],
    testTimeout: 60_000,
  },
});
