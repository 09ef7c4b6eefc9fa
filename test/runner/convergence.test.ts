// Imbalance over time and convergence after events (scripts/runner/convergence.ts, docs/results.md#convergence).
import { describe, expect, it } from 'vitest';
import { bucketMaxOverMean, convergenceOf, finalFairness, meanOfFinite } from '../../scripts/runner/convergence.ts';
import { event } from '../helpers/modeResults.ts';

describe('per-bucket max/mean', () => {
  it('is taken over the replicas up in the bucket; a bucket without traffic has none', () => {
    const ratios = bucketMaxOverMean([
      { requests: [10, 30, 0], up: [true, true, true] },
      { requests: [10, 10, 0], up: [true, true, true] },
      { requests: [0, 0, 0], up: [false, true, true] },
    ]);
    expect(ratios[0]).toBeCloseTo(1);
    expect(ratios[1]).toBeCloseTo(30 / (40 / 3));
    expect(ratios[2]).toBeNaN();
    expect(meanOfFinite(ratios)).toBeCloseTo((1 + 2.25) / 2);
  });
});

describe('convergence', () => {
  // Buckets:            0    1    2    3    4    5    6 (partial)
  const series = [1.0, 2.0, 1.6, 1.1, 1.1, 1.1, 3.0];

  it('counts from the end of the event to the start of the first bucket that stays under the threshold for 2 s', () => {
    // Done at 1.5 s; bucket 2 is over, bucket 3 and 4 are under: 3 s − 1.5 s.
    expect(convergenceOf(event('e', 1000, 500), series, 1000, 1.25)).toEqual({ event: 'e', threshold: 1.25, seconds: 1.5 });
  });

  it('is "never" when the balance does not come back, and ignores the last, partial bucket', () => {
    expect(convergenceOf(event('e', 1000, 500), [1, 2, 2, 2, 2, 1.0], 1000, 1.25).seconds).toBe('never');
    // Only bucket 5 is under, and 6 (partial) cannot confirm it.
    expect(convergenceOf(event('e', 0), [2, 2, 2, 2, 2, 1.0, 1.0], 1000, 1.25).seconds).toBe('never');
  });

  it('a balance that never broke gives (almost) zero: the first whole bucket after the event', () => {
    expect(convergenceOf(event('e', 2200, 100), [1, 1, 1, 1, 1, 1, 1], 1000, 1.25).seconds).toBe(0.7);
  });

  it('a bucket without traffic does not count as balanced', () => {
    expect(convergenceOf(event('e', 0, 0), [1, NaN, 1, 1, 1], 1000, 1.25).seconds).toBe(2);
  });
});

describe('final fairness', () => {
  it('looks at the last two complete buckets, over the replicas up in both', () => {
    const f = finalFairness([
      { requests: [50, 10, 10, 1], up: [true, true, true, true] },
      { requests: [0, 30, 30, 2], up: [true, true, true, true] },
      { requests: [50, 0, 5, 0], up: [true, false, true, true] },
    ]);
    expect(f.n).toBe(2);
    expect(f.maxOverMean).toBeCloseTo(60 / 40);
  });

  it('ends with the load phase, not with the empty buckets read while the clients drain and report', () => {
    // A 4 s load phase, then 3 s of draining: the final buckets are 2 and 3 (bucket 4 is the partial one).
    const replicas = [
      { requests: [10, 10, 40, 40, 1, 0, 0, 0], up: Array(8).fill(true) as boolean[] },
      { requests: [10, 10, 0, 0, 1, 0, 0, 0], up: Array(8).fill(true) as boolean[] },
    ];
    expect(finalFairness(replicas).maxOverMean).toBeNaN();
    const f = finalFairness(replicas, 4);
    expect(f.total).toBe(80);
    expect(f.maxOverMean).toBeCloseTo(2);
  });
});
