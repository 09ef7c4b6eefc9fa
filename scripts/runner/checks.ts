// Evaluates a scenario's `expect:` block against the measured results. `npm run scenario` prints the checks and
// exits non-zero when one fails, like k6 thresholds (which exit 99); `npm run gate` builds on the same checks.
import type { Expectations, ModeName } from '../../scenarios/schema.ts';
import type { CheckResult, ModeResult } from './results.ts';

type RangeKey = Exclude<keyof Expectations, 'conservation'>;

const METRICS: Record<RangeKey, (r: ModeResult) => number> = {
  maxOverMean: (r) => r.fairness.maxOverMean,
  minOverMean: (r) => r.fairness.minOverMean,
  jain: (r) => r.fairness.jain,
  cov: (r) => r.fairness.cov,
  p99Ms: (r) => r.latency.p99Ms,
  errorRate: (r) => r.errorRate,
};

export function evaluateChecks(expect: Partial<Record<ModeName, Expectations>>, results: ModeResult[]): CheckResult[] {
  const checks: CheckResult[] = [];
  for (const result of results) {
    const expectations = expect[result.mode];
    if (!expectations) continue;
    for (const key of Object.keys(METRICS) as RangeKey[]) {
      const range = expectations[key];
      if (!range) continue;
      const actual = METRICS[key](result);
      const okMin = range.min === undefined || actual >= range.min;
      const okMax = range.max === undefined || actual <= range.max;
      const expected = [range.min !== undefined ? `>= ${range.min}` : '', range.max !== undefined ? `<= ${range.max}` : ''].filter(Boolean).join(' and ');
      checks.push({ mode: result.mode, metric: key, actual, expected, ok: Number.isFinite(actual) && okMin && okMax });
    }
    if (expectations.conservation) {
      checks.push({
        mode: result.mode,
        metric: 'conservation',
        actual: result.conservation.ok,
        expected: 'every answered request counted by exactly one replica',
        ok: result.conservation.ok,
      });
    }
  }
  return checks;
}
