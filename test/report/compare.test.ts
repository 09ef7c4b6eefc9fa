// The compare logic and its --fail-on thresholds (scripts/report/compare.ts): pure functions over loaded results.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareResults,
  evaluateThresholds,
  formatDelta,
  formatOutcome,
  parseThreshold,
  relativeChange,
  ThresholdSyntaxError,
  type Comparison,
} from '../../scripts/report/compare.ts';
import { loadResultsFile, normalizeResults, ResultsError, type ReportResults } from '../../scripts/report/load.ts';

const fixture = (name: string) => path.join(import.meta.dirname, 'fixtures', name);
const base = loadResultsFile(fixture('hot-client-v2.json'));

/** A copy of the v2 fixture with some values changed. */
function variant(change: (doc: any) => void): ReportResults {
  const doc = JSON.parse(JSON.stringify(base));
  change(doc);
  return normalizeResults(doc);
}

const mode = (doc: any, name: string) => doc.modes.find((m: any) => m.mode === name);

describe('parseThreshold', () => {
  it('reads metric, optional modes, direction, bound and whether it is relative', () => {
    expect(parseThreshold('maxOverMean:+10%')).toEqual({ text: 'maxOverMean:+10%', metric: 'maxOverMean', direction: 'up', bound: 10, relative: true });
    expect(parseThreshold('p99Ms@l7:+20%')).toMatchObject({ metric: 'p99Ms', modes: ['l7'], direction: 'up', bound: 20, relative: true });
    expect(parseThreshold('errorRate:+0.01')).toMatchObject({ metric: 'errorRate', direction: 'up', bound: 0.01, relative: false });
    expect(parseThreshold('jain@direct,goaway:-0.05')).toMatchObject({ metric: 'jain', modes: ['direct', 'goaway'], direction: 'down', bound: 0.05 });
    expect(parseThreshold(' tooManyRequests:+0 ')).toMatchObject({ metric: 'tooManyRequests', bound: 0, relative: false });
  });

  it.each([
    ['maxOverMean', /missing ":<\+\|-><bound>"/],
    ['maxOverMean:10%', /needs a sign/],
    ['maxOverMean:+ten', /not of the form/],
    ['maxOverMean:+10%%', /not of the form/],
    ['maxOverMean@:+10%', /not of the form/],
    ['maxovermean:+10%', /unknown metric "maxovermean" \(did you mean maxOverMean\?\)/],
    ['latency:+10%', /unknown metric "latency"; known: maxOverMean, /],
  ])('refuses %s', (text, message) => {
    expect(() => parseThreshold(text)).toThrow(ThresholdSyntaxError);
    expect(() => parseThreshold(text)).toThrow(message);
  });
});

describe('relativeChange', () => {
  it('is relative to run a, infinite from a zero baseline, zero when both are zero, NaN when data is missing', () => {
    expect(relativeChange(2, 3)).toBeCloseTo(0.5);
    expect(relativeChange(-2, -1)).toBeCloseTo(0.5);
    expect(relativeChange(0, 0)).toBe(0);
    expect(relativeChange(0, 1)).toBe(Infinity);
    expect(relativeChange(0, -1)).toBe(-Infinity);
    expect(relativeChange(NaN, 1)).toBeNaN();
  });
});

describe('compareResults', () => {
  it('compares every metric of every shared mode, with direction-aware verdicts', () => {
    const b = variant((doc) => {
      mode(doc, 'l7').fairness.maxOverMean = 1.5;
      mode(doc, 'l7').fairness.jain = 0.5;
      mode(doc, 'direct').latency.p99Ms = mode(doc, 'direct').latency.p99Ms * 0.5;
    });
    const c = compareResults(base, b);
    expect(c.modes).toEqual(['direct', 'l7', 'passthrough', 'goaway']);
    const row = (m: string, metric: string) => c.rows.find((r) => r.mode === m && r.metric === metric)!;
    expect(row('l7', 'maxOverMean').verdict).toBe('worse');
    expect(row('l7', 'jain').verdict).toBe('worse');
    expect(row('direct', 'p99Ms').verdict).toBe('better');
    expect(row('direct', 'maxOverMean')).toMatchObject({ delta: 0, relative: 0, verdict: 'same' });
    expect(row('l7', 'maxOverMean').delta).toBeCloseTo(1.5 - base.modes[1]!.fairness.maxOverMean);
    expect(c.notes).toEqual([]);
  });

  it('lists modes only one run has and notes how the runs differ', () => {
    const b = variant((doc) => {
      doc.modes = doc.modes.filter((m: any) => m.mode !== 'goaway');
      doc.seed = 7;
      for (const m of doc.modes) m.loadPhaseMs *= 3;
    });
    const c = compareResults(base, b, { a: 'a.json', b: 'b.json' });
    expect(c.onlyInA).toEqual(['goaway']);
    expect(c.onlyInB).toEqual([]);
    expect(c.notes.join('\n')).toMatch(/seeds differ \(20250703 vs 7\)/);
    expect(c.notes.join('\n')).toMatch(/direct: load phases differ/);
  });

  it('refuses runs of different scenarios, and runs that share no mode', () => {
    const other = variant((doc) => (doc.scenario.name = 'watch-skew'));
    expect(() => compareResults(base, other, { a: 'a.json', b: 'b.json' })).toThrow(ResultsError);
    expect(() => compareResults(base, other, { a: 'a.json', b: 'b.json' })).toThrow(/different scenarios: a\.json ran "hot-client", b\.json ran "watch-skew"/);
    const disjoint = variant((doc) => (doc.modes = doc.modes.filter((m: any) => m.mode === 'l7')));
    const onlyDirect = variant((doc) => (doc.modes = doc.modes.filter((m: any) => m.mode === 'direct')));
    expect(() => compareResults(onlyDirect, disjoint)).toThrow(/share no mode/);
  });

  it('compares a v1 run with a v2 run; fields v1 lacks are n/a', () => {
    const c = compareResults(loadResultsFile(fixture('hot-client-v1.json')), base);
    const failed = c.rows.find((r) => r.mode === 'direct' && r.metric === 'finallyFailed')!;
    expect(failed.a).toBeNaN();
    expect(failed.verdict).toBe('n/a');
    expect(formatDelta(failed)).toBe('n/a');
    expect(c.notes.join('\n')).toMatch(/schema versions differ/);
  });
});

describe('evaluateThresholds', () => {
  const withL7 = (change: (m: any) => void) =>
    compareResults(
      base,
      variant((doc) => change(mode(doc, 'l7'))),
    );
  const outcomes = (c: Comparison, ...texts: string[]) => evaluateThresholds(c, texts.map(parseThreshold));
  const l7 = base.modes.find((m) => m.mode === 'l7')!;

  it('relative: fails just beyond the bound, holds at it', () => {
    const up15 = withL7((m) => (m.fairness.maxOverMean = l7.fairness.maxOverMean * 1.15));
    expect(outcomes(up15, 'maxOverMean@l7:+10%').map((o) => o.ok)).toEqual([false]);
    expect(outcomes(up15, 'maxOverMean@l7:+20%').map((o) => o.ok)).toEqual([true]);
    const up10 = withL7((m) => (m.fairness.maxOverMean = l7.fairness.maxOverMean * 1.1));
    expect(outcomes(up10, 'maxOverMean@l7:+10.0001%')[0]!.ok).toBe(true);
    expect(outcomes(up15, 'maxOverMean@l7:+10%')[0]!.change).toBeCloseTo(15);
  });

  it('without @mode, every shared mode is checked', () => {
    const up = withL7((m) => (m.latency.p99Ms = l7.latency.p99Ms * 2));
    const result = outcomes(up, 'p99Ms:+20%');
    expect(result.map((o) => [o.mode, o.ok])).toEqual([
      ['direct', true],
      ['l7', false],
      ['passthrough', true],
      ['goaway', true],
    ]);
  });

  it('absolute: errorRate:+0.01 allows one percentage point', () => {
    const worse = withL7((m) => (m.errorRate = 0.02));
    const slightly = withL7((m) => (m.errorRate = 0.005));
    expect(outcomes(worse, 'errorRate@l7:+0.01')[0]).toMatchObject({ ok: false, change: 0.02 });
    expect(outcomes(slightly, 'errorRate@l7:+0.01')[0]!.ok).toBe(true);
  });

  it('direction: - fails on a decrease only', () => {
    const lower = withL7((m) => (m.fairness.jain = 0.8));
    const higher = withL7((m) => (m.fairness.jain = 1));
    expect(outcomes(lower, 'jain@l7:-0.05')[0]!.ok).toBe(false);
    expect(outcomes(lower, 'jain@l7:+0.05')[0]!.ok).toBe(true);
    expect(outcomes(higher, 'jain@l7:-0.05')[0]!.ok).toBe(true);
  });

  it('a zero baseline: any increase exceeds a relative bound; +0 forbids any increase', () => {
    const some429 = withL7((m) => (m.replicas[0].tooManyRequests = 3));
    expect(outcomes(some429, 'tooManyRequests@l7:+50%')[0]).toMatchObject({ ok: false, change: Infinity });
    expect(outcomes(some429, 'tooManyRequests@l7:+0')[0]!.ok).toBe(false);
    expect(outcomes(some429, 'tooManyRequests@l7:+3')[0]!.ok).toBe(true);
    expect(outcomes(compareResults(base, base), 'tooManyRequests:+0%').every((o) => o.ok)).toBe(true);
  });

  it('a value that went missing in run b fails; one run a never had passes with a note; an absent mode fails', () => {
    const gone = withL7((m) => (m.latency.p99Ms = null));
    expect(outcomes(gone, 'p99Ms@l7:+20%')[0]).toMatchObject({ ok: false, note: expect.stringMatching(/n\/a in run b/) });
    const fromV1 = compareResults(loadResultsFile(fixture('hot-client-v1.json')), base);
    expect(outcomes(fromV1, 'finallyFailed@direct:+0')[0]).toMatchObject({ ok: true, note: expect.stringMatching(/n\/a in run a/) });
    const noGoaway = compareResults(
      base,
      variant((doc) => (doc.modes = doc.modes.filter((m: any) => m.mode !== 'goaway'))),
    );
    expect(outcomes(noGoaway, 'p99Ms@goaway:+20%')[0]).toMatchObject({ ok: false, note: 'only run a has mode goaway' });
    expect(outcomes(noGoaway, 'p99Ms@nosuch:+20%')[0]).toMatchObject({ ok: false, note: 'no mode nosuch in either run' });
  });

  it('formats an outcome with both values, the change and the bound', () => {
    const up = withL7((m) => (m.fairness.maxOverMean = 2));
    expect(formatOutcome(outcomes(up, 'maxOverMean@l7:+10%')[0]!)).toMatch(
      /^FAIL {2}maxOverMean@l7:\+10% \[l7\]: 1\.01 → 2\.00, change \+98\.5%, bound \+10%$/,
    );
    const same = compareResults(base, base);
    expect(formatOutcome(outcomes(same, 'errorRate@l7:+0.01')[0]!)).toBe('ok    errorRate@l7:+0.01 [l7]: 0.00% → 0.00%, change ±0.0000, bound +0.01');
  });
});
