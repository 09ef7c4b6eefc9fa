// Expectations against measured results (scripts/runner/checks.ts, docs/results.md#expectations): every bound gives
// one check with its measured value, and what could not be measured fails rather than passing; a latency the machine
// limited makes its check inconclusive, a comparison with a mode that did not run is not applicable
// (docs/scenarios.md#inconclusive-and-not-applicable).
import { describe, expect, it } from 'vitest';
import { Scenario, type ScenarioInput } from '../../scenarios/schema.ts';
import { evaluateChecks } from '../../scripts/runner/checks.ts';
import type { ModeResult } from '../../scripts/runner/results.ts';
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
      { mode: 'l7', metric: 'event[scale]', actual: 'there is no kube-apiserver replica 5 now', expected: 'applied', ok: false, status: 'fail' },
    ]);
  });

  it('relative bounds between modes; a mode that did not run makes the bound not applicable, not failed', () => {
    const scenario = { modes: ['direct', 'l7'] } as Partial<ScenarioInput>;
    const [ok] = evaluateChecks(expectOf({ compare: ['l7.maxOverMean <= 0.5 * direct.maxOverMean'] }, scenario), [hot, even]);
    expect(ok).toMatchObject({ mode: 'compare', ok: true, status: 'pass' });
    expect(ok!.expected).toBe('<= 1.2');
    const [missing] = evaluateChecks(expectOf({ compare: ['l7.maxOverMean <= 0.5 * direct.maxOverMean'] }, scenario), [even]);
    expect(missing).toMatchObject({
      ok: true,
      status: 'not-applicable',
      expected: '<= n/a',
      reason: 'it compares with direct, which did not run (this run: l7)',
    });
    expect(missing!.actual).toBeCloseTo(1);
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

  describe('latency in a mode the self-check says the machine limited', () => {
    const limitedBy = 'other programs used 54 % of the machine';
    /** The mode's client latency p99 and each group's, and the self-check's warnings. */
    const measured = (r: ModeResult, p99Ms: number, groups: Record<string, number>, warnings: string[]): ModeResult => ({
      ...r,
      latency: { ...r.latency, p99Ms },
      clients: r.clients.map((c) => (groups[c.group] !== undefined ? { ...c, latency: { ...c.latency, p99Ms: groups[c.group]! } } : c)),
      selfCheck: { ...r.selfCheck, warnings, clean: warnings.length === 0 },
    });
    const scenario = {
      clients: [
        { name: 'flood', rate: 1 },
        { name: 'quiet', rate: 1 },
      ],
      modes: ['direct', 'l7'],
    } as Partial<ScenarioInput>;
    const base = (mode: 'direct' | 'l7') =>
      modeResultOf(
        mode,
        { a: { requests: [10] } },
        { scenario: { ...BASE_SCENARIO, ...scenario }, clients: [clientResult('flood', 5), clientResult('quiet', 5)] },
      );

    it('an upper bound that failed is inconclusive there, with the reason; one that held passes; a clean mode fails', () => {
      const bound = expectOf({ l7: { p99Ms: { max: 100 }, groups: { quiet: { p99Ms: { max: 100 } } } } }, scenario);
      const warnings = [`${limitedBy}: every latency includes waiting`, 'apiserver event loop p99 41 ms: replica latencies are inflated'];
      const [slow, slowGroup] = evaluateChecks(bound, [measured(base('l7'), 150, { quiet: 150 }, warnings)]);
      expect(slow).toMatchObject({ metric: 'p99Ms', actual: 150, ok: true, status: 'inconclusive' });
      expect(slow!.reason).toBe(
        `it would have failed, but the self-check says the machine limited l7 (${limitedBy}; apiserver event loop p99 41 ms): the simulator's lag adds to every latency there`,
      );
      expect(slowGroup).toMatchObject({ metric: 'groups[quiet].p99Ms', status: 'inconclusive' });
      expect(evaluateChecks(bound, [measured(base('l7'), 50, { quiet: 50 }, [limitedBy])]).map((c) => c.status)).toEqual(['pass', 'pass']);
      expect(evaluateChecks(bound, [measured(base('l7'), 150, { quiet: 150 }, [])]).map((c) => [c.status, c.ok])).toEqual([
        ['fail', false],
        ['fail', false],
      ]);
    });

    it('a lower bound on a latency that held there is inconclusive (the lag could have lifted it); a latency not measured still fails', () => {
      const bound = expectOf({ l7: { p99Ms: { min: 100 } } }, scenario);
      expect(evaluateChecks(bound, [measured(base('l7'), 150, {}, [limitedBy])])[0]).toMatchObject({ status: 'inconclusive', ok: true });
      expect(evaluateChecks(bound, [measured(base('l7'), 50, {}, [limitedBy])])[0]).toMatchObject({ status: 'fail', ok: false });
      expect(evaluateChecks(expectOf({ l7: { p99Ms: { max: 100 } } }, scenario), [measured(base('l7'), NaN, {}, [limitedBy])])[0]).toMatchObject({
        status: 'fail',
      });
    });

    it('relative bounds on client groups: judged when clean; inconclusive where the limited side could have decided it', () => {
      const bound = expectOf({ compare: ['direct.groups[quiet].p99Ms <= 0.5 * direct.groups[flood].p99Ms', 'l7.p99Ms <= direct.p99Ms + 20'] }, scenario);
      const clean = evaluateChecks(bound, [measured(base('direct'), 30, { quiet: 40, flood: 500 }, []), measured(base('l7'), 60, {}, [])]);
      expect(clean.map((c) => [c.status, c.actual, c.expected])).toEqual([
        ['pass', 40, '<= 250'],
        ['fail', 60, '<= 50'],
      ]);
      // l7 limited: the failure of "l7 <= direct + 20" could be its lag. direct limited: its inflated baseline could
      // have made either bound hold.
      const l7Limited = evaluateChecks(bound, [measured(base('direct'), 30, { quiet: 40, flood: 500 }, []), measured(base('l7'), 60, {}, [limitedBy])]);
      expect(l7Limited.map((c) => c.status)).toEqual(['pass', 'inconclusive']);
      const directLimited = evaluateChecks(bound, [measured(base('direct'), 50, { quiet: 40, flood: 500 }, [limitedBy]), measured(base('l7'), 60, {}, [])]);
      expect(directLimited.map((c) => c.status)).toEqual(['inconclusive', 'inconclusive']);
    });
  });

  describe('any other check in a mode the self-check says the machine limited', () => {
    const limit = (r: ModeResult): ModeResult => ({
      ...r,
      selfCheck: { ...r.selfCheck, warnings: ['apiserver event loop p99 54 ms: inflated'], clean: false },
    });
    const scenario = { modes: ['direct', 'goaway'] } as Partial<ScenarioInput>;
    // The heavy client of a slowed replica opened more connections under direct, and its load spread (max/mean 1.14).
    const spread = modeResultOf('direct', { a: { requests: [40, 40] }, b: { requests: [35, 35] }, c: { requests: [30, 30] } });
    const goaway = { ...hot, mode: 'goaway' as const };

    it('a failure is inconclusive there, with the reason; the same failure in a clean mode fails; a pass stands', () => {
      const bound = expectOf({ direct: { maxOverMean: { min: 2 } }, compare: ['goaway.maxOverMean <= direct.maxOverMean'] }, scenario);
      const [pinned, compared] = evaluateChecks(bound, [limit(spread), goaway]);
      expect(pinned).toMatchObject({ metric: 'maxOverMean', ok: true, status: 'inconclusive' });
      expect(pinned!.reason).toBe(
        'it would have failed, but the self-check says the machine limited direct (apiserver event loop p99 54 ms): its lag slows the replicas there, so requests queue and client-go opens more connections than the scenario asks for',
      );
      expect(compared).toMatchObject({ metric: 'goaway.maxOverMean <= direct.maxOverMean', status: 'inconclusive' });
      expect(evaluateChecks(bound, [spread, goaway]).map((c) => c.status)).toEqual(['fail', 'fail']);
      expect(evaluateChecks(bound, [limit(hot), goaway]).map((c) => c.status)).toEqual(['pass', 'pass']);
    });

    it('exact checks are judged whatever the machine did: conservation, identity, rejected pods, events', () => {
      const lost = limit(
        modeResultOf('direct', { a: { requests: [10] } }, { clients: [clientResult('ctl', 12)], events: [event('scale', 1000, undefined, 'no replica 5')] }),
      );
      const checks = evaluateChecks(expectOf({ direct: { conservation: true, rejectedPods: { min: 1 }, identity: { ctl: 'alice' } } }), [lost]);
      expect(checks.map((c) => [c.metric, c.status])).toEqual([
        ['rejectedPods', 'fail'],
        ['conservation', 'fail'],
        ['identity[ctl]', 'fail'],
        ['event[scale]', 'fail'],
      ]);
    });
  });
});
