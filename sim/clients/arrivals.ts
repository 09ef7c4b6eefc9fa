// Open-loop arrival schedules (docs/measurement.md#open-loop-schedules): requests are *intended* at fixed times regardless of how fast
// answers come back, and latency is measured from those intended times, so a stalled server shows up as latency
// instead of hiding in a lower request rate (coordinated omission).
import type { Rng } from '../../scripts/core/random.ts';

export interface ArrivalSchedule {
  /** Milliseconds from the epoch of the run to the next intended request. */
  next(): number;
}

/** Arrivals from `fromMs` on (a rate that changes mid-run starts a new schedule at the moment of the change). */
export function createArrivals(kind: 'constant' | 'poisson', ratePerSecond: number, rng: Rng, fromMs = 0): ArrivalSchedule {
  if (!(ratePerSecond > 0)) throw new RangeError(`rate must be > 0, got ${ratePerSecond}`);
  const meanGapMs = 1000 / ratePerSecond;
  // Constant: a random phase, so that pods with the same rate do not fire in lockstep (over random phases a window of
  // T ms holds T / gap requests on average). Poisson: memoryless from the start, the first arrival an exponential
  // gap after fromMs like every other; a uniform phase there would add half a request per pod per window, which at
  // low per-pod rates is a large share (docs/measurement.md#open-loop-schedules).
  let t = fromMs + (kind === 'constant' ? rng.next() * meanGapMs : rng.exponential(meanGapMs));
  return {
    next() {
      const current = t;
      t += kind === 'constant' ? meanGapMs : rng.exponential(meanGapMs);
      return current;
    },
  };
}
