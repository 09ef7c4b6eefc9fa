// Imbalance over time and how fast it recovers after an event (docs/results.md#convergence).
// - Per bucket (1 s): max/mean of the requests of the replicas that were up in it (scripts/measure/loadSampler.ts:
//   answered the scrapes at both ends). A bucket without traffic has no value (NaN).
// - Convergence of an event: from the moment the event was done (its replica ready again, its new pods running), the
//   seconds until the start of the first full bucket whose max/mean is under the threshold and stays under it for
//   CONVERGENCE_HOLD_BUCKETS buckets in a row; "never" when that does not happen within the run. Resolution: one
//   bucket. The last bucket of a run is partial (it ends when the clients stop) and is not used.
// - "final" fairness: over the last complete buckets, what a run ends with (after a rolling restart, say).
import { fairnessOf, type Fairness } from '../measure/fairness.ts';
import type { Convergence, AppliedEvent } from './results.ts';

/** How many consecutive balanced buckets count as "back under the threshold" (2 s with 1 s buckets). */
export const CONVERGENCE_HOLD_BUCKETS = 2;

/** One replica's requests per bucket of the load phase, and whether it was up (ready) in each. */
export interface ReplicaBuckets {
  requests: number[];
  up: boolean[];
}

/** max/mean per bucket over the replicas up in it. */
export function bucketMaxOverMean(replicas: readonly ReplicaBuckets[]): number[] {
  const length = Math.max(0, ...replicas.map((r) => r.requests.length));
  const out: number[] = [];
  for (let b = 0; b < length; b++) {
    const loads = replicas.filter((r) => r.up[b]).map((r) => r.requests[b] ?? 0);
    const f = fairnessOf(loads);
    out.push(f.total > 0 ? f.maxOverMean : NaN);
  }
  return out;
}

/** Mean of the per-bucket max/mean over buckets with traffic: the instantaneous imbalance, which goaway hides. */
export function meanOfFinite(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length > 0 ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
}

/** How many complete buckets at the end of a run the `final*` metrics look at. */
export const FINAL_BUCKETS = 2;

/**
 * Fairness over the last FINAL_BUCKETS complete buckets of the load phase (the last, partial one left out), replicas
 * up in all of them. `loadBuckets`: how many whole buckets the load phase has; the sampler keeps reading while the
 * clients drain and report (seconds on a real target), and those buckets after the load are empty by design.
 */
export function finalFairness(replicas: readonly ReplicaBuckets[], loadBuckets = Infinity): Fairness {
  const length = Math.min(Math.max(0, ...replicas.map((r) => r.requests.length)), loadBuckets + 1);
  const buckets = Array.from({ length: FINAL_BUCKETS }, (_, k) => length - 2 - k).filter((b) => b >= 0);
  const loads = replicas.filter((r) => buckets.every((b) => r.up[b])).map((r) => buckets.reduce((sum, b) => sum + (r.requests[b] ?? 0), 0));
  return fairnessOf(loads);
}

export function convergenceOf(event: AppliedEvent, maxOverMean: readonly number[], bucketMs: number, threshold: number): Convergence {
  const doneAtMs = event.startedAtMs + (event.readyMs ?? event.appliedMs ?? 0);
  const usable = maxOverMean.length - 1; // the last bucket is partial
  const first = Math.ceil(doneAtMs / bucketMs);
  for (let b = first; b + CONVERGENCE_HOLD_BUCKETS <= usable; b++) {
    let holds = true;
    for (let k = b; k < b + CONVERGENCE_HOLD_BUCKETS; k++) if (!(maxOverMean[k]! < threshold)) holds = false;
    if (holds) return { event: event.name, threshold, seconds: round((b * bucketMs - doneAtMs) / 1000) };
  }
  return { event: event.name, threshold, seconds: 'never' };
}

function round(x: number): number {
  return Math.round(Math.max(0, x) * 100) / 100;
}
