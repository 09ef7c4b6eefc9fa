// The null model of a calibration (docs/fidelity.md#expected-error): how much two runs of the SAME balancing
// mechanism may differ by chance alone, by Monte Carlo over the random choices the real components make unseeded.
//
// - per-connection (direct, passthrough, goaway): each client connection is placed on a uniformly random ready replica
//   (a client-go pod holds one HTTP/2 connection, client-go's one connection per host, docs/client-go.md; an
//   http1-pool pod holds its pool, docs/load-client.md#the-http1-pool-profile) (kube-proxy iptables mode:
//   `-m statistic --mode random --probability 1/n` per rule, docs/kube-proxy.md#iptables-mode; docs/theory.md table
//   (a)). With goaway-chance p every request ends its connection with probability p (kube-apiserver
//   `WithProbabilisticGoaway`, docs/theory.md#goaway-reconnect-time), and the reconnect is a new draw. A connection
//   whose replica is down is redrawn. Envoy's passthrough picks per connection with LEAST_REQUEST over connections,
//   which spreads connections more evenly than random: random is the wider, conservative null here.
// - per-request (l7): each request goes to a uniformly random ready replica. Envoy's LEAST_REQUEST (P2C) is far
//   tighter than random (docs/theory.md#per-request-balls-into-bins), so random is the conservative sampling error of
//   per-request shares.
//
// The model is conditioned on what a run actually saw: its requests per 1 s bucket, the replicas up in each bucket
// (readiness, restarts) and each connection's share of the traffic; per-connection counts per bucket are Poisson (open-loop
// Poisson arrivals, scenarios/schema.ts `arrival`). It returns the metrics the results report, computed the same
// way (scripts/runner/convergence.ts, scripts/measure/fairness.ts), one value per trial.
import { Rng } from '../core/random.ts';
import { fairnessOf } from '../measure/fairness.ts';
import { bucketMaxOverMean, meanOfFinite } from '../runner/convergence.ts';

export type BalancingPolicy = 'per-connection' | 'per-request';

export interface ModelInput {
  policy: BalancingPolicy;
  /** Probability that a request ends its connection (goaway-chance), per-connection only. */
  reconnectChance: number;
  /** up[replica][bucket]: the replica was ready in that bucket. */
  up: boolean[][];
  /** Requests counted per bucket (all replicas). */
  bucketTotals: number[];
  /**
   * Each client connection's share of all requests (sums to 1): one connection per client-go pod; an http1-pool pod's
   * share split evenly over its pool (autocannon splits the rate per connection).
   */
  connectionShares: number[];
}

/** One trial's figures, as the results compute them. */
export interface ModelSample {
  maxOverMean: number;
  minOverMean: number;
  perSecondMaxOverMean: number;
  /** Replica shares, largest first. */
  sortedShares: number[];
}

export function sampleModel(input: ModelInput, trials: number, seed: number): ModelSample[] {
  const rng = new Rng(seed);
  const out: ModelSample[] = [];
  for (let t = 0; t < trials; t++) {
    const counts = input.policy === 'per-request' ? perRequestTrial(input, rng) : perConnectionTrial(input, rng);
    out.push(figures(counts, input.up));
  }
  return out;
}

/** counts[replica][bucket] -> the figures of one trial. */
function figures(counts: number[][], up: boolean[][]): ModelSample {
  const totals = counts.map((c) => c.reduce((a, b) => a + b, 0));
  const all = totals.reduce((a, b) => a + b, 0);
  const fairness = fairnessOf(totals);
  const perBucket = bucketMaxOverMean(counts.map((requests, r) => ({ requests, up: up[r]! })));
  return {
    maxOverMean: fairness.maxOverMean,
    minOverMean: fairness.minOverMean,
    perSecondMaxOverMean: meanOfFinite(perBucket),
    sortedShares: totals.map((x) => (all > 0 ? x / all : NaN)).sort((a, b) => b - a),
  };
}

function upIn(up: boolean[][], bucket: number): number[] {
  const ready: number[] = [];
  for (let r = 0; r < up.length; r++) if (up[r]![bucket]) ready.push(r);
  return ready;
}

function perRequestTrial(input: ModelInput, rng: Rng): number[][] {
  const counts = input.up.map((row) => row.map(() => 0));
  input.bucketTotals.forEach((total, b) => {
    const ready = upIn(input.up, b);
    if (ready.length === 0) return;
    let left = total;
    ready.forEach((r, i) => {
      const n = i === ready.length - 1 ? left : binomial(rng, left, 1 / (ready.length - i));
      counts[r]![b]! += n;
      left -= n;
    });
  });
  return counts;
}

function perConnectionTrial(input: ModelInput, rng: Rng): number[][] {
  const counts = input.up.map((row) => row.map(() => 0));
  const placed: (number | undefined)[] = input.connectionShares.map(() => undefined);
  const draw = (b: number) => {
    const ready = upIn(input.up, b);
    return ready.length > 0 ? ready[rng.int(ready.length)] : undefined;
  };
  input.bucketTotals.forEach((total, b) => {
    input.connectionShares.forEach((share, connection) => {
      let n = poisson(rng, total * share);
      if (n === 0) return;
      if (placed[connection] === undefined || !input.up[placed[connection]!]![b]) placed[connection] = draw(b);
      while (n > 0 && placed[connection] !== undefined) {
        const untilGoaway = input.reconnectChance > 0 ? geometric(rng, input.reconnectChance) : Infinity;
        const served = Math.min(n, untilGoaway);
        counts[placed[connection]!]![b]! += served;
        n -= served;
        if (served === untilGoaway) placed[connection] = draw(b);
      }
    });
  });
  return counts;
}

/** Standard normal (Box-Muller). */
function normal(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Poisson(lambda): exact (Knuth) below 30, the normal approximation above (error well under the quantiles used). */
export function poisson(rng: Rng, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda >= 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(rng)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

/** Binomial(n, p): exact below 40 trials, the normal approximation above. */
export function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n < 40) {
    let k = 0;
    for (let i = 0; i < n; i++) if (rng.next() < p) k++;
    return k;
  }
  const x = Math.round(n * p + Math.sqrt(n * p * (1 - p)) * normal(rng));
  return Math.min(n, Math.max(0, x));
}

/** Requests until and including the one that carries a GOAWAY: geometric on {1, 2, ...} with success p. */
function geometric(rng: Rng, p: number): number {
  return Math.max(1, Math.ceil(Math.log(1 - rng.next()) / Math.log(1 - p)));
}

/** The q-quantile of |x − y| over pairs of independent trials (a and b sampled with different seeds): the difference two runs exceed by chance with probability 1 − q. */
export function differenceQuantile(a: readonly number[], b: readonly number[], q: number): number {
  const n = Math.min(a.length, b.length);
  const diffs: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isFinite(d)) diffs.push(d);
  }
  if (diffs.length === 0) return NaN;
  diffs.sort((x, y) => x - y);
  return diffs[Math.min(diffs.length - 1, Math.ceil(q * diffs.length) - 1)]!;
}
