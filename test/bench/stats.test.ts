// The bench's small statistics (scripts/bench/stats.ts).
import { describe, expect, it } from 'vitest';
import { median, round, spread } from '../../scripts/bench/stats.ts';

describe('bench stats', () => {
  it('median of odd and even counts, ignoring non-finite values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 5, Infinity, 1])).toBe(3);
    expect(median([])).toBeNaN();
  });

  it('spread and rounding', () => {
    expect(spread([3, NaN, 1, 7])).toEqual({ min: 1, max: 7 });
    expect(round(1.23456)).toBe(1.23);
    expect(round(1.23456, 3)).toBe(1.235);
  });
});
