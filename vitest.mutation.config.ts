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

// The tests a mutation run uses: the pure unit tests that import src/ directly. Left out besides those: the
// real-kernel and real-cluster labs (minutes each) and whole-repo checks (knip, layering) that read files, not behaviour.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [
      'test/lab/**',
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
