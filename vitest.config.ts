import { defineConfig } from 'vitest/config';

// Tests drive real sockets on 127.0.0.0/8 and spawn worker threads; the machine has 2 cores. Most files run two at a
// time. The files whose assertions are measurements of balance and timing (a heavy client's one connection, how fast
// a new replica takes its share) run afterwards, one at a time, so that no other test file competes with them for
// the CPU: on 2 cores that competition alone can push a hot client past 100 concurrent streams and make client-go
// open a second connection. The short calibration (sim against real components) is one of them: alongside another
// file, the real heavy client once opened such a second connection and put 9 % of its load on a second replica.
// Performance targets live in `npm run bench`, never here.
// The JSON report feeds the plain "N passed, N failed" line that .ci/run prints.
// simStop runs `npm run sim`, which pins the replayable address block 127.100.0.0/16: alone, so that no other test's
// cluster prefers that block while the simulator's listeners are still closing.
const MEASURED = [
  'test/e2e/hotClient.test.ts',
  'test/e2e/envoyGateway.test.ts',
  'test/e2e/timeline.test.ts',
  'test/e2e/theory.test.ts',
  'test/e2e/simStop.test.ts',
  'test/calibrate/calibration.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: '.ci/vitest-results.json' }]],
    projects: [
      { extends: true, test: { name: 'parallel', include: ['test/**/*.test.ts'], exclude: MEASURED, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'measured', include: MEASURED, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
