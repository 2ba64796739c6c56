import { defineConfig } from 'vitest/config';

// Two projects: fast pure tests, and lab tests that build network namespaces and ask the kernel.
// Lab files run one at a time: each builds a whole cluster in namespaces and 2 cores are all we have.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/lab/**', '**/node_modules/**'],
          setupFiles: ['test/support/fast-check-setup.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
