import { defineConfig } from 'vitest/config';

// Tests drive real sockets on 127.0.0.0/8 and spawn worker threads; the machine has 2 cores, so keep
// file parallelism modest and timeouts generous. Performance targets live in `npm run bench`, never here.
// The JSON report feeds the plain "N passed, N failed" line that .ci/run prints.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: '.ci/vitest-results.json' }]],
  },
});
