import { defineConfig } from 'vitest/config';

// Three projects: fast pure tests; lab tests that build network namespaces and ask the kernel; and the
// cluster project, which runs upstream Kubernetes (test/kube-lab, brought up once for the project).
// Lab and cluster files run one at a time: each drives a whole cluster and 2 cores are all we have.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/lab/**', 'test/kube-lab/*.test.ts', '**/node_modules/**'],
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
      {
        test: {
          name: 'cluster',
          include: ['test/kube-lab/*.test.ts'],
          // A group of its own: its files never share the 2 cores with the unit tests' workers.
          sequence: { groupOrder: 1 },
          globalSetup: ['test/kube-lab/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
