import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // No unit test asserts on time; this only bounds a hung test. The 5 s default failed CPU-bound tests (gzip,
          // tar, the CLI's module loading) with the machine's load average at 70-85 on 2 cores.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          setupFiles: ['test/integration/setup-logs.ts'],
          // The CLI's bundle (test/support/cli-io.ts) is loaded by Node as the user's shell loads it, untransformed.
          server: { deps: { external: [/\/dist\/cli\//] } },
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
