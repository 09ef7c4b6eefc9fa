// Expectations against measured results (scripts/runner/checks.ts, docs/results.md#expectations): every bound gives
// one check with its measured value, and what could not be measured fails rather than passing.
import { describe, expect, it } from 'vitest';
import { Scenario, type ScenarioInput } from '../../scenarios/schema.ts';
import { evaluateChecks } from '../../scripts/runner/checks.ts';
import { BASE_SCENARIO, clientResult, event, modeResultOf } from '../helpers/modeResults.ts';

const expectOf = (expect: ScenarioInput['expect'], extra: Partial<ScenarioInput> = {}) => Scenario.parse({ ...BASE_SCENARIO, ...extra, expect }).expect;

const hot = modeResultOf('direct', { a: { requests: [80, 80, 80] }, b: { requests: [10, 10, 10] }, c: { requests: [10, 10, 10] } });
const even = modeResultOf('l7', { a: { requests: [34, 33, 33] }, b: { requests: [33, 34, 33] }, c: { requests: [33, 33, 34] } });

describe('evaluateChecks', () => {
  it('range metrics: one check per bound with the measured value', () => {
    const checks = evaluateChecks(expectOf({ direct: { maxOverMean: { min: 2 } }, l7: { maxOverMean: { max: 1.1 }, hottestShare: { max: 0.34 } } }), [
      hot,
      even,
    ]);
    expect(checks.map((c) => [c.mode, c.metric, c.ok])).toEqual([
      ['direct', 'maxOverMean', true],
      ['l7', 'maxOverMean', true],
      ['l7', 'hottestShare', true],
    ]);
    expect(checks[0]!.actual).toBeCloseTo(2.4);
    expect(checks[0]!.expected).toBe('>= 2');
    const failing = evaluateChecks(expectOf({ direct: { maxOverMean: { max: 1.5 } } }), [hot]);
    expect(failing[0]).toMatchObject({ ok: false, expected: '<= 1.5' });
  });

  it('a metric that could not be measured fails its check', () => {
    const silent = modeResultOf('direct', { a: { requests: [0, 0] }, b: { requests: [0, 0] } }, { clients: [clientResult('ctl', 0)] });
    const [check] = evaluateChecks(expectOf({ direct: { maxOverMean: { max: 10 } } }), [silent]);
    expect(check!.actual).toBeNaN();
    expect(check!.ok).toBe(false);
  });

  it('conservation compares what clients were answered with what replicas counted', () => {
    const lost = modeResultOf('direct', { a: { requests: [10] } }, { clients: [clientResult('ctl', 12)] });
    const [check] = evaluateChecks(expectOf({ direct: { conservation: true } }), [lost]);
    expect(check).toMatchObject({ metric: 'conservation', actual: false, ok: false });
    const inDoubt = modeResultOf('direct', { a: { requests: [12] } }, { clients: [clientResult('ctl', 10, { inDoubt: 2 })] });
    expect(evaluateChecks(expectOf({ direct: { conservation: true } }), [inDoubt])[0]!.ok).toBe(true);
  });

  it('convergenceSeconds: a number bound, or "never"; an event that failed is a failing check of its own', () => {
    const scenario = { events: [{ name: 'scale', at: '1s', type: 'scale-apiservers', replicas: 4 }], duration: '5s' } as Partial<ScenarioInput>;
    const events = [event('scale', 1000, 200)];
    const balanced = modeResultOf('l7', { a: { requests: [10, 10, 10, 10, 10, 1] }, b: { requests: [10, 10, 10, 10, 10, 1] } }, { events });
    const skewed = modeResultOf('direct', { a: { requests: [30, 30, 30, 30, 30, 1] }, b: { requests: [10, 10, 10, 10, 10, 1] } }, { events });
    const checks = evaluateChecks(
      expectOf({ l7: { convergenceSeconds: { scale: { max: 2 } } }, direct: { convergenceSeconds: { scale: 'never' } } }, scenario),
      [balanced, skewed],
    );
    expect(checks.map((c) => [c.mode, c.actual, c.ok])).toEqual([
      ['l7', 0.8, true],
      ['direct', 'never', true],
    ]);
    const failed = modeResultOf('l7', { a: { requests: [1, 1] } }, { events: [event('scale', 1000, undefined, 'there is no kube-apiserver replica 5 now')] });
    expect(evaluateChecks(expectOf({}), [failed])).toEqual([
      { mode: 'l7', metric: 'event[scale]', actual: 'there is no kube-apiserver replica 5 now', expected: 'applied', ok: false },
    ]);
  });

  it('relative bounds between modes; a mode that did not run fails the bound', () => {
    const scenario = { modes: ['direct', 'l7'] } as Partial<ScenarioInput>;
    const [ok] = evaluateChecks(expectOf({ compare: ['l7.maxOverMean <= 0.5 * direct.maxOverMean'] }, scenario), [hot, even]);
    expect(ok).toMatchObject({ mode: 'compare', ok: true });
    expect(ok!.expected).toBe('<= 1.2');
    const [missing] = evaluateChecks(expectOf({ compare: ['l7.maxOverMean <= 0.5 * direct.maxOverMean'] }, scenario), [even]);
    expect(missing).toMatchObject({ ok: false, expected: '<= n/a (a mode was not run)' });
  });

  it("group bounds read the group's own accounting", () => {
    const flood = { ...clientResult('flood', 100), attempts: 120, answeredByCode: { '200': 40, '429': 60 }, errors: { reset: 20 } };
    const scenario = {
      clients: [
        { name: 'flood', rate: 1 },
        { name: 'quiet', rate: 1 },
      ],
    } as Partial<ScenarioInput>;
    const result = modeResultOf(
      'direct',
      { a: { requests: [100] } },
      { scenario: { ...BASE_SCENARIO, ...scenario }, clients: [flood, clientResult('quiet', 10)] },
    );
    const checks = evaluateChecks(
      expectOf({ direct: { groups: { flood: { tooManyRequestsRate: { min: 0.5 }, errorRate: { max: 0.1 } }, quiet: { errorRate: { max: 0 } } } } }, scenario),
      [result],
    );
    expect(checks.map((c) => [c.metric, c.actual, c.ok])).toEqual([
      ['groups[flood].errorRate', 20 / 120, false],
      ['groups[flood].tooManyRequestsRate', 0.6, true],
      ['groups[quiet].errorRate', 0, true],
    ]);
  });

  it('identity: every pod of the group authenticated as the user', () => {
    const alice = (pod: string, username: string) => ({ ...clientResult('ctl', 5), pod, identity: { username, groups: [] } });
    const agree = modeResultOf('l7', { a: { requests: [10] } }, { clients: [alice('p0', 'alice'), alice('p1', 'alice')] });
    const differ = modeResultOf('l7', { a: { requests: [10] } }, { clients: [alice('p0', 'alice'), alice('p1', 'system:anonymous')] });
    const bound = expectOf({ l7: { identity: { ctl: 'alice' } } });
    expect(evaluateChecks(bound, [agree])[0]).toMatchObject({ metric: 'identity[ctl]', ok: true });
    expect(evaluateChecks(bound, [differ])[0]).toMatchObject({ actual: 'alice, system:anonymous', ok: false });
  });
});
