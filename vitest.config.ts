import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/build.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // End-to-end files start their own servers on random loopback ports; two workers fit the 2-core machine.
    maxWorkers: 2,
  },
});
