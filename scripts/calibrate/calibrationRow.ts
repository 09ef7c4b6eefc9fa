// One row of a calibration (docs/fidelity.md#expected-error): a figure of one mode on the simulator (`local`) and
// on the real components (`binary`), their difference, the difference chance alone allows (the expected error) and
// where that bound comes from. Every bound is derived (a Monte Carlo of the random choices, a Poisson or
// order-statistic sampling error, the measurement's resolution, or exactness); none is a constant picked to pass.

/** Two-sided level of every bound: a row of two runs of the same mechanism exceeds its bound with probability 0.001. */
export const LEVEL = 0.999;
/** The standard normal quantile for LEVEL, two-sided: Φ⁻¹(1 − 0.0005). */
export const Z = 3.29;

/**
 * - within / outside: the difference is inside or outside the expected error;
 * - not-measured: one target does not measure the figure (the row is listed, it does not decide the exit code);
 * - info: shown side by side, not judged (absolute figures that a user does not compare across targets);
 * - inconclusive: outside, in a mode whose simulator self-check says the machine limited it (other programs held the
 *   CPUs, docs/performance.md#self-check), so the machine, not the model, may have made the difference: the same rule
 *   as the scenario checks' (docs/scenarios.md#inconclusive-and-not-applicable). Exact rows are always judged.
 */
export type RowStatus = 'within' | 'outside' | 'not-measured' | 'info' | 'inconclusive';

export interface CalibrationRow {
  scenario: string;
  mode: string;
  metric: string;
  simulated: number | string | boolean | null;
  real: number | string | boolean | null;
  /** real − simulated for numbers; undefined otherwise. */
  difference?: number;
  /** The largest |difference| chance allows; 0 for an exact figure. */
  expectedError?: number;
  /** Where the expected error comes from, e.g. "Monte Carlo, kube-proxy random per connection, 10000 trials". */
  basis: string;
  status: RowStatus;
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** A numeric row judged against its expected error. */
export function numericRow(
  base: Pick<CalibrationRow, 'scenario' | 'mode' | 'metric' | 'basis'>,
  simulated: number | null | undefined,
  real: number | null | undefined,
  expectedError: number,
): CalibrationRow {
  const sim = finite(simulated) ? simulated : null;
  const act = finite(real) ? real : null;
  if (sim === null || act === null) return { ...base, simulated: sim, real: act, expectedError, status: 'not-measured' };
  const difference = act - sim;
  // A tiny slack for floating-point sums (1e-9 relative), not for the figures.
  const within = Math.abs(difference) <= expectedError + 1e-9 * Math.max(1, Math.abs(sim), Math.abs(act));
  return { ...base, simulated: sim, real: act, difference, expectedError, status: within ? 'within' : 'outside' };
}

/** Counts of independent rare events (429s, failures by kind, GOAWAYs): Z·√(var_sim + var_real), Poisson variances. */
export function poissonBound(varianceSim: number, varianceReal: number): number {
  return Z * Math.sqrt(Math.max(0, varianceSim) + Math.max(0, varianceReal));
}

/** A row that must match exactly (conservation, "never"). */
export function exactRow(
  base: Pick<CalibrationRow, 'scenario' | 'mode' | 'metric' | 'basis'>,
  simulated: string | boolean | number,
  real: string | boolean | number,
): CalibrationRow {
  return { ...base, simulated, real, expectedError: 0, status: simulated === real ? 'within' : 'outside' };
}

export function infoRow(base: Pick<CalibrationRow, 'scenario' | 'mode' | 'metric' | 'basis'>, simulated: unknown, real: unknown): CalibrationRow {
  const value = (x: unknown) => (finite(x) || typeof x === 'string' || typeof x === 'boolean' ? x : null);
  return { ...base, simulated: value(simulated), real: value(real), status: 'info' };
}

/** An outside, non-exact row of a mode the machine limited becomes inconclusive, saying why. */
export function inconclusiveWhenLimited(row: CalibrationRow, limitedBy: string | undefined): CalibrationRow {
  if (!limitedBy || row.status !== 'outside' || row.expectedError === 0) return row;
  return { ...row, status: 'inconclusive', basis: `${row.basis}; inconclusive: ${limitedBy}` };
}

/** The rows that fail a calibration, one name each ("hot-client/l7 per-second max/mean"). */
export function outsideRows(rows: readonly CalibrationRow[]): string[] {
  return rows.filter((r) => r.status === 'outside').map((r) => `${r.scenario}/${r.mode} ${r.metric}`);
}
