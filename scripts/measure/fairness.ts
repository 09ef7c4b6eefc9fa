// Imbalance and fairness over per-replica loads (docs/theory.md#metric-definitions): max/mean is the headline (the hottest replica
// sets the capacity you need), plus min/mean, the population coefficient of variation and Jain's index
// J = (Σx)² / (n·Σx²) = 1/(1+CoV²) (Jain, Chiu, Hawe, DEC-TR-301, 1984).

export interface Fairness {
  n: number;
  total: number;
  mean: number;
  maxOverMean: number;
  minOverMean: number;
  cov: number;
  jain: number;
}

export function fairnessOf(loads: readonly number[]): Fairness {
  const n = loads.length;
  const total = loads.reduce((a, b) => a + b, 0);
  if (n === 0 || total === 0) return { n, total, mean: 0, maxOverMean: NaN, minOverMean: NaN, cov: NaN, jain: NaN };
  const mean = total / n;
  const variance = loads.reduce((sum, x) => sum + (x - mean) ** 2, 0) / n;
  const sumSquares = loads.reduce((sum, x) => sum + x * x, 0);
  return {
    n,
    total,
    mean,
    maxOverMean: Math.max(...loads) / mean,
    minOverMean: Math.min(...loads) / mean,
    cov: Math.sqrt(variance) / mean,
    jain: (total * total) / (n * sumSquares),
  };
}

/** One hot client with traffic share h on m replicas under L4, the rest perfectly spread: 1 + h(m−1) (docs/theory.md#one-hot-client). */
export function hotClientMaxOverMean(h: number, m: number): number {
  return 1 + h * (m - 1);
}

export interface RandomAssignmentExpectation {
  maxOverMean: number;
  jain: number;
  cov: number;
  allOnOne: number;
}

/**
 * Exact expectation for k equal-rate clients assigned uniformly at random to m replicas (kube-proxy iptables, and the
 * stationary state goaway-chance converges to): enumerate the compositions of k into m parts with multinomial
 * probability k!/(Πx_i!)/m^k (docs/theory.md#random-assignment-of-k-clients).
 */
export function expectedRandomAssignment(m: number, k: number): RandomAssignmentExpectation {
  if (m < 1 || k < 1) throw new RangeError('m and k must be >= 1');
  const logFactorial = [0];
  for (let i = 1; i <= k; i++) logFactorial[i] = logFactorial[i - 1]! + Math.log(i);
  const mean = k / m;
  let eMax = 0;
  let eJain = 0;
  let eCov = 0;
  const parts = new Array<number>(m).fill(0);
  const visit = (index: number, remaining: number) => {
    if (index === m - 1) {
      parts[index] = remaining;
      let logP = logFactorial[k]! - k * Math.log(m);
      for (const x of parts) logP -= logFactorial[x]!;
      const p = Math.exp(logP);
      const f = fairnessOf(parts);
      eMax += p * (Math.max(...parts) / mean);
      eJain += p * f.jain;
      eCov += p * f.cov;
      return;
    }
    for (let x = 0; x <= remaining; x++) {
      parts[index] = x;
      visit(index + 1, remaining - x);
    }
  };
  visit(0, k);
  return { maxOverMean: eMax, jain: eJain, cov: eCov, allOnOne: m ** (1 - k) };
}
