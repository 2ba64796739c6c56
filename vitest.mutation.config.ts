import { defineConfig } from 'vitest/config';

// The tests a mutation run uses: the pure unit tests that import src/ directly. Left out: tests that spawn the built
// CLI (they run dist/, which a mutant of src/ does not change), the real-kernel and real-cluster labs (minutes each),
// and whole-repo checks (knip, layering) that read files, not behaviour.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/lab/**', 'test/kube-lab/**', 'test/commands/**', 'test/cli/**', 'test/knip.test.ts', 'test/layering.test.ts', '**/node_modules/**'],
    setupFiles: ['test/support/fast-check-setup.ts'],
    testTimeout: 60_000,
  },
});
