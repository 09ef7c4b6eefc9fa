// The gate-repeat bench part's pure side (scripts/bench/gateRepeat.ts): one run's line from the gate's summary and
// exit code, the verdict --fail-on-self-check would have given, and the false-failure rate of a series. No gate runs
// here; `npm run bench -- gate-repeat` runs them.
import { describe, expect, it } from 'vitest';
import { gateRepeatRunOf, summarizeGateRepeat } from '../../scripts/bench/gateRepeat.ts';
import { summarize, type GateScenarioOutcome } from '../../scripts/gate/summary.ts';
import type { CheckResult } from '../../scripts/runner/results.ts';

const check = (status: CheckResult['status'], metric = 'maxOverMean'): CheckResult => ({
  mode: 'l7',
  metric,
  actual: 1.5,
  expected: '<= 1.1',
  ok: status !== 'fail',
  status,
});

function outcome(checks: CheckResult[], warnings: { mode: string; warning: string }[] = []): GateScenarioOutcome {
  return { scenario: 'hot', file: 'scenarios/hot.yaml', durationMs: 4000, shortened: false, wallMs: 1, checks, selfCheckWarnings: warnings };
}

const flags = { failOnSelfCheck: false, failOnInconclusive: false };
const summaryOf = (...outcomes: GateScenarioOutcome[]) => summarize(outcomes, { startedAt: new Date(0), wallMs: 1, target: 'local', ...flags });

describe('gate-repeat', () => {
  it("a run's counts come from its summary; self-check warnings count modes, and fail it under --fail-on-self-check", () => {
    const warned = outcome(
      [check('pass'), check('inconclusive', 'p99Ms')],
      [
        { mode: 'l7', warning: 'gateway-0 event loop p99 24 ms' },
        { mode: 'l7', warning: 'apiserver event loop p99 41 ms' },
        { mode: 'direct', warning: 'other programs used 54 %' },
      ],
    );
    const run = gateRepeatRunOf(1, 0, 1234, summaryOf(warned, outcome([check('not-applicable')])));
    expect(run).toMatchObject({
      exitCode: 0,
      passed: 1,
      failed: 0,
      inconclusive: 1,
      notApplicable: 1,
      selfCheckLimitedModes: 2,
      exitCodeWithFailOnSelfCheck: 1,
    });
    expect(gateRepeatRunOf(2, 0, 1, summaryOf(outcome([check('pass')])))).toMatchObject({ selfCheckLimitedModes: 0, exitCodeWithFailOnSelfCheck: 0 });
    const failed = gateRepeatRunOf(3, 1, 1, summaryOf(outcome([check('fail', 'p99Ms')])));
    expect(failed.failures).toEqual(['FAIL hot l7: p99Ms = 1.5, expected <= 1.1']);
    expect(gateRepeatRunOf(4, 2, 1, undefined)).toMatchObject({ problem: 'the gate wrote no summary (exit 2)', exitCodeWithFailOnSelfCheck: 2 });
  });

  it('the false-failure rate counts every run that did not pass; clean runs are the ones the self-check found clean', () => {
    const pass = gateRepeatRunOf(1, 0, 1, summaryOf(outcome([check('pass')])));
    const limited = gateRepeatRunOf(2, 0, 1, summaryOf(outcome([check('pass')], [{ mode: 'l7', warning: 'busy' }])));
    const fail = gateRepeatRunOf(3, 1, 1, summaryOf(outcome([check('fail')])));
    const r = summarizeGateRepeat([pass, limited, fail, pass], 'the default suite');
    expect(r).toMatchObject({ falseFailures: 1, falseFailureRate: 0.25, falseFailuresWithFailOnSelfCheck: 2, cleanRuns: 3 });
  });
});
