// The latency rows of a calibration (docs/fidelity.md#expected-error): absolute latencies of a simulated replica and a real
// one differ by design (the simulated service times are scenario knobs), so the rows compare what a user compares
// within one target: each mode's client p50 and p99 against the direct mode's, as a ratio.
//
// Expected error: the sampling error of a quantile estimated from n requests. The p-quantile's rank has standard
// deviation √(n·p(1−p)) (order statistics), i.e. a standard error of √(p(1−p)/n)·dq/dp in time; dq/dp comes from the
// next percentile up (p90 for p50, p99.9 for p99), the steeper side of a right-skewed latency distribution, so the
// bound is the wide one. A ratio's relative errors add in quadrature, and so do the two targets'. Requests are not
// independent (queues correlate neighbours), which this does not cover: a row outside it says so plainly.
import type { LatencySummary } from '../measure/latency.ts';
import type { ModeResult } from '../runner/results.ts';
import { numericRow, Z, type CalibrationRow } from './calibrationRow.ts';

const BASIS = 'order-statistic sampling error of both quantiles of both targets, √(p(1−p)/n)·dq/dp';

interface QuantileEstimate {
  value: number;
  /** Standard error, ms. */
  se: number;
}

export function quantileEstimate(latency: LatencySummary, which: 'p50' | 'p99'): QuantileEstimate {
  const n = latency.count;
  if (which === 'p50') return { value: latency.p50Ms, se: Math.sqrt(0.25 / n) * ((latency.p90Ms - latency.p50Ms) / 0.4) };
  return { value: latency.p99Ms, se: Math.sqrt((0.99 * 0.01) / n) * ((latency.p999Ms - latency.p99Ms) / 0.009) };
}

/** a/b with its standard error. */
function ratio(a: QuantileEstimate, b: QuantileEstimate): QuantileEstimate {
  const value = a.value / b.value;
  return { value, se: value * Math.hypot(a.se / a.value, b.se / b.value) };
}

export function latencyRows(scenario: string, simulated: ModeResult[], real: ModeResult[]): CalibrationRow[] {
  const simDirect = simulated.find((m) => m.mode === 'direct');
  const realDirect = real.find((m) => m.mode === 'direct');
  if (!simDirect || !realDirect) return [];
  const rows: CalibrationRow[] = [];
  for (const sim of simulated) {
    const act = real.find((m) => m.mode === sim.mode);
    if (!act || sim.mode === 'direct') continue;
    for (const which of ['p50', 'p99'] as const) {
      const a = ratio(quantileEstimate(sim.latency, which), quantileEstimate(simDirect.latency, which));
      const b = ratio(quantileEstimate(act.latency, which), quantileEstimate(realDirect.latency, which));
      rows.push(
        numericRow({ scenario, mode: sim.mode, metric: `client ${which} / direct's ${which}`, basis: BASIS }, a.value, b.value, Z * Math.hypot(a.se, b.se)),
      );
    }
  }
  return rows;
}
