// `npm run scenario`'s exit code from its checks (scripts/cli/scenarioCommand.ts, README.md#exit-codes): a failed
// check is 1; a bound on a mode that did not run (`--modes direct` on rolling-restart) is not applicable and an
// inconclusive latency check does not fail the run, unless --fail-on-inconclusive; --fail-on-self-check fails a run
// the machine limited.
import { describe, expect, it } from 'vitest';
import { scenarioExitCode } from '../../scripts/cli/scenarioCommand.ts';
import type { CheckResult, ScenarioResults } from '../../scripts/runner/results.ts';

const check = (status: CheckResult['status']): CheckResult => ({ mode: 'compare', metric: 'm', actual: 1, expected: '<= 0', ok: status !== 'fail', status });
const results = (statuses: CheckResult['status'][], clean = true) =>
  ({ checks: statuses.map(check), modes: [{ selfCheck: { clean, warnings: clean ? [] : ['busy'] } }] }) as unknown as ScenarioResults;

describe('scenarioExitCode', () => {
  it('0 with passes, not-applicable and inconclusive checks; 1 with a failure', () => {
    expect(scenarioExitCode(results(['pass', 'not-applicable', 'inconclusive']), {})).toBe(0);
    expect(scenarioExitCode(results(['pass', 'fail']), {})).toBe(1);
  });

  it('--fail-on-inconclusive fails an inconclusive check, never a not-applicable one; --fail-on-self-check a limited run', () => {
    expect(scenarioExitCode(results(['pass', 'inconclusive']), { failOnInconclusive: true })).toBe(1);
    expect(scenarioExitCode(results(['pass', 'not-applicable']), { failOnInconclusive: true })).toBe(0);
    expect(scenarioExitCode(results(['pass'], false), {})).toBe(0);
    expect(scenarioExitCode(results(['pass'], false), { failOnSelfCheck: true })).toBe(1);
  });
});
