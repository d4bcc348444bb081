import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/build.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // End-to-end files start their own servers on random loopback ports; two workers fit the 2-core machine.
    maxWorkers: 2,
    // The stand-in tests poll CloudFront faster than a deployment may (config.ts refuses under 1 s).
    env: { INVALIDATOR_ALLOW_FAST_POLLING: 'true' },
  },
});
