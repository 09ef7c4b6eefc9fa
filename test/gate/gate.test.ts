// The gate's pieces (docs/scenarios.md#the-gate): which scenarios it runs and how long, the exit code a suite earns,
// failure lines that name scenario, mode, metric, bound and value, and the JUnit XML. The end-to-end run of
// `npm run gate` is in test/e2e/gate.test.ts.
import { describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { renderJUnit } from '../../scripts/gate/junit.ts';
import { selectGateSuite } from '../../scripts/gate/suite.ts';
import { failureLines, outcomeOf, summarize, type GateScenarioOutcome } from '../../scripts/gate/summary.ts';
import type { CheckResult, ScenarioResults } from '../../scripts/runner/results.ts';

const FIXTURE = 'test/fixtures/scenarios/gated.yaml';
const entry = { name: 'hot', file: 'scenarios/hot.yaml', durationMs: 4000, shortened: true };
const check = (metric: string, ok: boolean, actual: number | string | boolean = 1.5): CheckResult => ({
  mode: 'l7',
  metric,
  actual,
  expected: '<= 1.1',
  ok,
  status: ok ? 'pass' : 'fail',
});
const undecided = (metric: string, status: 'inconclusive' | 'not-applicable', reason: string): CheckResult => ({
  ...check(metric, true, 150),
  status,
  reason,
});
const flags = { failOnSelfCheck: false, failOnInconclusive: false };

function outcome(checks: CheckResult[], extra: Partial<GateScenarioOutcome> = {}): GateScenarioOutcome {
  return { scenario: 'hot', file: 'scenarios/hot.yaml', durationMs: 4000, shortened: true, wallMs: 1234, seed: 7, checks, selfCheckWarnings: [], ...extra };
}

const meta = { startedAt: new Date(0), wallMs: 10, target: 'local', ...flags };

describe('gate suite selection', () => {
  it('runs a named scenario even when it is left out of the default suite, with its gate duration', () => {
    const selection = selectGateSuite([FIXTURE]);
    expect(selection.problems).toEqual([]);
    expect(selection.entries.map((e) => [e.name, e.durationMs, e.shortened, e.scenario.duration])).toEqual([['gated', 4000, true, 4000]]);
  });

  it('the default suite is every shipped scenario with gate.include', () => {
    const selection = selectGateSuite([]);
    expect(selection.entries.map((e) => e.name)).toContain('hot-client');
    expect(selection.entries.every((e) => e.scenario.gate.include)).toBe(true);
  });

  it('a --duration that ends before an event, and a bad file, are problems: nothing runs', () => {
    expect(selectGateSuite([FIXTURE], { durationMs: 2000 }).problems).toEqual([
      'gated: --duration 2s: events[0] (scale-apiservers@3s): at 3s is not before the end of the load phase (duration 2s); give a longer --duration',
    ]);
    const bad = selectGateSuite(['test/fixtures/scenarios/broken.yaml', 'no-such-scenario']);
    expect(bad.entries).toEqual([]);
    expect(bad.problems).toHaveLength(2);
    expect(bad.problems[1]).toMatch(/cannot read scenario file/);
  });
});

describe('gate summary', () => {
  it('exit code: 0 all pass, 1 an expectation failed, 3 a run failed (which wins)', () => {
    expect(summarize([outcome([check('maxOverMean', true)])], meta).exitCode).toBe(0);
    expect(summarize([outcome([check('maxOverMean', false)])], meta).exitCode).toBe(1);
    const crashed = outcomeOf(entry, { error: new Error('gateway-0 crashed'), wallMs: 5 }, flags);
    const summary = summarize([outcome([check('maxOverMean', false)]), crashed], meta);
    expect(summary).toMatchObject({ exitCode: 3, passed: 0, failed: 1, errors: 1 });
  });

  it('every failure line names scenario, mode, metric, measured value and bound', () => {
    const summary = summarize(
      [outcome([check('maxOverMean', false, 1.2345), check('p99Ms', true)]), outcomeOf(entry, { error: new Error('boom'), wallMs: 5 }, flags)],
      meta,
    );
    expect(failureLines(summary)).toEqual(['FAIL  hot l7: maxOverMean = 1.235, expected <= 1.1', 'ERROR hot: the run failed: boom']);
    expect(failureLines(summarize([outcome([check('p50Ms', false, NaN)])], meta))).toEqual(['FAIL  hot l7: p50Ms = not measured, expected <= 1.1']);
  });
});

describe('inconclusive and not applicable checks', () => {
  const limited = 'it would have failed, but the self-check says the machine limited l7 (other programs used 54 %)';
  const notRun = 'it compares with goaway, which did not run (this run: direct)';

  it('exit 0 and counted apart; --fail-on-inconclusive makes an inconclusive check a failure, a not-applicable one never', () => {
    const checks = [check('maxOverMean', true), undecided('p99Ms', 'inconclusive', limited), undecided('goaway vs direct', 'not-applicable', notRun)];
    const summary = summarize([outcome(checks)], meta);
    expect(summary).toMatchObject({ exitCode: 0, passed: 1, failed: 0, inconclusive: 1, notApplicable: 1 });
    expect(failureLines(summary)).toEqual([`INCONCLUSIVE  hot l7: p99Ms = 150, expected <= 1.1: ${limited}`]);

    const strict = { failOnSelfCheck: false, failOnInconclusive: true };
    const results = { modes: [], checks, wallMs: 1, seed: 7 } as unknown as ScenarioResults;
    const failing = summarize([outcomeOf(entry, { results }, strict)], { ...meta, ...strict });
    expect(failing).toMatchObject({ exitCode: 1, passed: 1, failed: 1, inconclusive: 0, notApplicable: 1 });
    expect(failureLines(failing)).toEqual(['FAIL  hot l7: p99Ms = 150, expected <= 1.1 (inconclusive: --fail-on-inconclusive)']);
  });

  it('JUnit: <skipped> with a message saying which and why', () => {
    const summary = summarize([outcome([undecided('p99Ms', 'inconclusive', limited), undecided('goaway vs direct', 'not-applicable', notRun)])], meta);
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(renderJUnit(summary));
    expect(xml.testsuites).toMatchObject({ tests: '2', failures: '0', errors: '0', skipped: '2' });
    expect(xml.testsuites.testsuite.testcase.map((c: { skipped: { message: string } }) => c.skipped.message)).toEqual([
      `inconclusive: p99Ms = 150, expected <= 1.1: ${limited}`,
      `not-applicable: goaway vs direct = 150, expected <= 1.1: ${notRun}`,
    ]);
  });
});

describe('gate JUnit XML', () => {
  it('one testsuite per scenario, one testcase per check, failures and errors with their messages', () => {
    const summary = summarize(
      [
        outcome([check('maxOverMean', false), check('conservation', true, true)]),
        outcomeOf({ ...entry, name: 'crashy' }, { error: new Error('no <cluster> & no luck'), wallMs: 5 }, flags),
      ],
      meta,
    );
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(renderJUnit(summary));
    const suites = xml.testsuites.testsuite;
    expect(xml.testsuites).toMatchObject({ tests: '3', failures: '1', errors: '1' });
    expect(suites[0]).toMatchObject({ name: 'hot', tests: '2', failures: '1' });
    expect(suites[0].testcase[0]).toMatchObject({ classname: 'hot.l7', name: 'maxOverMean', failure: { message: 'maxOverMean = 1.5, expected <= 1.1' } });
    expect(suites[1].testcase).toMatchObject({ name: 'run', error: { message: 'no <cluster> & no luck' } });
  });
});
