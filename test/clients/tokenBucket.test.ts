import { describe, expect, it } from 'vitest';
import { createArrivals } from '../../sim/clients/arrivals.ts';
import { TokenBucket } from '../../sim/clients/tokenBucket.ts';
import { Rng } from '../../scripts/cluster/random.ts';

describe('client-go token bucket (x/time/rate semantics)', () => {
  it('releases the i-th of N requests at t=0 at max(0, (i − b + 1)/r)', () => {
    const now = 0;
    const bucket = new TokenBucket(5, 10, () => now);
    const waits = Array.from({ length: 20 }, () => bucket.reserve());
    waits.forEach((w, i) => expect(w).toBeCloseTo(Math.max(0, (i - 10 + 1) / 5) * 1000, 6));
  });

  it('sustains exactly qps in the long run, whatever the burst', () => {
    let now = 0;
    const bucket = new TokenBucket(50, 3, () => now);
    let released = 0;
    // Offer 200/s for 10 s; count how many would have been released by t=10 s.
    for (let i = 0; i < 2000; i++) {
      now = i * 5;
      if (now + bucket.reserve() <= 10_000) released++;
    }
    expect(released).toBeGreaterThanOrEqual(50 * 10 + 3 - 1);
    expect(released).toBeLessThanOrEqual(50 * 10 + 3 + 1);
  });

  it('refills to burst, never beyond, while idle', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 4, () => now);
    for (let i = 0; i < 4; i++) expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toBeCloseTo(100, 6);
    now = 60_000; // a minute idle
    for (let i = 0; i < 4; i++) expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toBeGreaterThan(0);
  });

  it('rejects nonsense parameters', () => {
    expect(() => new TokenBucket(0, 10)).toThrow(/qps/);
    expect(() => new TokenBucket(5, 0)).toThrow(/burst/);
  });
});

describe('open-loop arrivals', () => {
  it('constant: exactly rate × duration intended sends, evenly spaced', () => {
    const arrivals = createArrivals('constant', 100, new Rng(1));
    const times: number[] = [];
    for (let t = arrivals.next(); t < 10_000; t = arrivals.next()) times.push(t);
    expect(times.length).toBe(1000);
    expect(times[1]! - times[0]!).toBeCloseTo(10, 9);
  });

  it('poisson: count close to rate × duration, exponential gaps (seeded)', () => {
    const arrivals = createArrivals('poisson', 200, new Rng(7));
    let count = 0;
    for (let t = arrivals.next(); t < 50_000; t = arrivals.next()) count++;
    // 10,000 expected, sd 100.
    expect(Math.abs(count - 10_000)).toBeLessThan(400);
  });
});
