// The short calibration of `npm test` (docs/fidelity.md#in-ci): hot-client's direct and l7 modes, 3 s each, on the
// simulator and on the real components (binary target), judged by the same rules as `npm run calibrate`. The balance
// figures (max/mean, min/mean, per-second max/mean, shares by rank) and conservation must be within their expected
// error, which comes from the null model (kube-proxy's unseeded random choice per connection; per-request sampling),
// not from a constant. Needs root, ip/iptables/sysctl and the binaries: skipped with what to install without them,
// failing under CI=true (test/helpers/requirement.ts).
import { describe, expect } from 'vitest';
import { loadScenarioFile } from '../../scenarios/loader.ts';
import { calibrateScenario } from '../../scripts/calibrate/calibration.ts';
import type { CalibrationRow } from '../../scripts/calibrate/calibrationRow.ts';
import { runScenario } from '../../scripts/runner/runScenario.ts';
import { createBinaryTarget } from '../../scripts/targets/binary/binaryTarget.ts';
import { localTarget } from '../../scripts/targets/local/localTarget.ts';
import { itUnless } from '../helpers/requirement.ts';

const binary = createBinaryTarget();
const missing = (await binary.preflight())[0];

const JUDGED = /^(max\/mean|min\/mean|per-second max\/mean|share of |conservation)/;

describe('calibration in CI: hot-client, direct and l7', () => {
  itUnless(missing)(
    'the balance figures of the simulator and the real components agree within their expected error',
    async () => {
      const loaded = loadScenarioFile('hot-client');
      const scenario = { ...loaded.scenario, duration: 3000 };
      const run = (target: typeof localTarget) => runScenario({ scenario, file: loaded.file, modes: ['direct', 'l7'], target });
      const simulated = await run(localTarget);
      const real = await run(binary);
      const rows = calibrateScenario(scenario, simulated, real);
      const judged = rows.filter((r) => JUDGED.test(r.metric));
      const describeRow = (r: CalibrationRow) => `${r.mode} ${r.metric}: ${String(r.simulated)} vs ${String(r.real)} (±${r.expectedError})`;
      // Both modes, every balance figure: 3 + 3 shares + conservation per mode.
      expect(judged.length).toBe(14);
      expect(judged.filter((r) => r.status !== 'within').map(describeRow)).toEqual([]);
      // The two modes differ as the mechanism says, on both targets: the heavy client pins one replica under L4.
      for (const results of [simulated, real]) {
        const byMode = Object.fromEntries(results.modes.map((m) => [m.mode, m.fairness.maxOverMean]));
        expect(byMode.direct).toBeGreaterThan(2);
        expect(byMode.l7).toBeLessThan(1.2);
      }
    },
    150_000,
  );
});
