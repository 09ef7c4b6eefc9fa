import { describe, expect, it } from 'vitest';
import { createArrivals } from '../../sim/clients/arrivals.ts';
import { TokenBucket } from '../../sim/clients/tokenBucket.ts';
import { Rng } from '../../scripts/core/random.ts';

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

  it('poisson: memoryless from the start, so a short window holds rate × duration on average (no extra half request)', () => {
    // 20,000 pods at 0.5 req/s for 3 s: 1.5 expected per pod (Poisson, variance 1.5), 30,000 in all with sd ~173. A
    // first arrival at a uniform phase of the mean gap instead would add half a request per pod (+10,000).
    expect(Math.abs(sendsInWindow('poisson', 0.5, 3_000, 20_000) - 30_000)).toBeLessThan(4 * 173);
  });

  it('constant: a short window holds rate × duration on average over random phases', () => {
    // 1 or 2 per pod (phase uniform over the 2 s gap): 1.5 on average, sd per pod 0.5, in all ~71.
    expect(Math.abs(sendsInWindow('constant', 0.5, 3_000, 20_000) - 30_000)).toBeLessThan(4 * 71);
  });
});

/** Intended sends of `pods` schedules (seeds 0..pods-1) within the first `windowMs`. */
function sendsInWindow(kind: 'constant' | 'poisson', ratePerSecond: number, windowMs: number, pods: number): number {
  let count = 0;
  for (let pod = 0; pod < pods; pod++) {
    const arrivals = createArrivals(kind, ratePerSecond, new Rng(pod));
    for (let t = arrivals.next(); t < windowMs; t = arrivals.next()) count++;
  }
  return count;
}
