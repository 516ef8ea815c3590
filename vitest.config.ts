import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Ceilings against hangs, never measurements: a loaded machine (npm run test:loaded) is slow.
    testTimeout: 120_000,
    // Two files at a time even on two cores: most tests wait on child processes, leases and
    // heartbeats, and one file at a time left a core idle for much of the run.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    hookTimeout: 180_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
