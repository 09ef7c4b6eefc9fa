// The calibration's rules on two real runs of hot-client (test/calibrate/fixtures/README.md): what they judge within,
// what they find outside when the real run is changed to what a wrong simulator would show, and when a row is
// inconclusive rather than outside.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../scenarios/loader.ts';
import { calibrateScenario, summarize } from '../../scripts/calibrate/calibration.ts';
import { numericRow, poissonBound, type CalibrationRow } from '../../scripts/calibrate/calibrationRow.ts';
import { eventRows } from '../../scripts/calibrate/eventRows.ts';
import { quantileEstimate } from '../../scripts/calibrate/latencyRows.ts';
import type { ModeResult, ScenarioResults } from '../../scripts/runner/results.ts';

const read = (name: string) => JSON.parse(fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as ScenarioResults;
const scenario = loadScenarioFile('hot-client').scenario;
const row = (rows: CalibrationRow[], mode: string, metric: string) => rows.find((r) => r.mode === mode && r.metric === metric)!;

describe('calibrating hot-client', () => {
  const rows = calibrateScenario(scenario, read('hot-client-local.json'), read('hot-client-binary.json'));

  it('judges the balance of the real runs within the expected error of random assignment', () => {
    for (const mode of ['direct', 'l7']) {
      for (const metric of ['max/mean', 'min/mean', 'per-second max/mean', 'share of the busiest replica']) {
        expect(row(rows, mode, metric).status, `${mode} ${metric}`).toBe('within');
      }
    }
    // Direct: one heavy client of 400 req/s among 12 light ones pins ~92 % on one replica; chance moves that little.
    expect(row(rows, 'direct', 'max/mean').expectedError).toBeGreaterThan(0.05);
    expect(row(rows, 'direct', 'max/mean').expectedError).toBeLessThan(0.3);
    expect(row(rows, 'direct', 'conservation (every answer counted by one replica)').status).toBe('within');
  });

  it('finds a simulator that balanced the direct mode per request outside, by several expected errors', () => {
    const local = read('hot-client-local.json');
    const l7 = local.modes.find((m) => m.mode === 'l7')!;
    // What a simulator that ignored L4 pinning would report for direct: the l7 figures.
    local.modes = local.modes.map((m) => (m.mode === 'direct' ? ({ ...l7, mode: 'direct', selfCheck: m.selfCheck } as ModeResult) : m));
    const wrong = calibrateScenario(scenario, local, read('hot-client-binary.json'));
    const maxOverMean = row(wrong, 'direct', 'max/mean');
    expect(maxOverMean.status).toBe('outside');
    expect(Math.abs(maxOverMean.difference!)).toBeGreaterThan(5 * maxOverMean.expectedError!);
    expect(summarize(wrong).outsideRows).toContain('hot-client/direct max/mean');
  });

  it('calls a latency row of a mode the simulator self-check flagged inconclusive, not outside', () => {
    const latency = row(rows, 'l7', "client p99 / direct's p99");
    expect(latency.status).toBe('inconclusive');
    expect(latency.basis).toMatch(/self-check flagged the l7 mode/);
  });
});

describe('the bounds', () => {
  it('Poisson: Z·√(a+b), so 0 against 0 allows nothing and 100 against 0 is outside', () => {
    expect(poissonBound(0, 0)).toBe(0);
    expect(numericRow({ scenario: 's', mode: 'm', metric: 'x', basis: 'b' }, 100, 0, poissonBound(100, 0)).status).toBe('outside');
    expect(numericRow({ scenario: 's', mode: 'm', metric: 'x', basis: 'b' }, 100, 80, poissonBound(100, 80)).status).toBe('within');
  });

  it('a quantile from n samples has the order-statistic standard error √(p(1−p)/n)·dq/dp', () => {
    const latency = { count: 2500, p50Ms: 10, p90Ms: 18, p99Ms: 40, p999Ms: 58, maxMs: 80, meanMs: 12 };
    expect(quantileEstimate(latency, 'p50').se).toBeCloseTo(Math.sqrt(0.25 / 2500) * (8 / 0.4), 9);
    expect(quantileEstimate(latency, 'p99').se).toBeCloseTo(Math.sqrt(0.0099 / 2500) * (18 / 0.009), 9);
  });

  it('convergence: within two buckets, and "never" only matches "never"', () => {
    const base = read('hot-client-binary.json').modes[0]!;
    const withEvent = (seconds: number | 'never'): ModeResult => ({
      ...base,
      timeline: { ...base.timeline, events: [{ name: 'scale-out', type: 'scale-apiservers', atMs: 1000, startedAtMs: 1000, readyMs: 500, detail: '' }] },
      convergence: [{ event: 'scale-out', threshold: 1.25, seconds }],
    });
    const judged = (a: number | 'never', b: number | 'never') =>
      eventRows('s', withEvent(a), withEvent(b)).find((r) => r.metric.endsWith('until balanced'))!.status;
    expect(judged(1, 2.9)).toBe('within');
    expect(judged(1, 3.1)).toBe('outside');
    expect(judged('never', 'never')).toBe('within');
    expect(judged('never', 1)).toBe('outside');
  });
});
