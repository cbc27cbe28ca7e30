import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/polyfills.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the CPUs: one worker on a 2-core CI machine, where the suite
    // then ran its files one after another (1,106 s of tests in CI; 733 s with two workers, both cores busy).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
