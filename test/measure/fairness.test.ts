import { describe, expect, it } from 'vitest';
import { expectedRandomAssignment, fairnessOf, hotClientMaxOverMean } from '../../scripts/measure/fairness.ts';

describe('fairness metrics (docs/theory.md)', () => {
  it('one replica holding everything: max/mean = m, CoV = √2 for m=3, Jain = 1/m', () => {
    const f = fairnessOf([30, 0, 0]);
    expect(f.maxOverMean).toBeCloseTo(3, 10);
    expect(f.minOverMean).toBe(0);
    expect(f.cov).toBeCloseTo(Math.SQRT2, 10);
    expect(f.jain).toBeCloseTo(1 / 3, 10);
  });

  it('reproduces the kubernetes#126378 point: 13/2/12 → max/mean 1.44, Jain 0.767', () => {
    const f = fairnessOf([13, 2, 12]);
    expect(f.maxOverMean).toBeCloseTo(13 / 9, 10);
    expect(f.jain).toBeCloseTo(729 / 951, 10);
  });

  it('Jain = 1/(1+CoV²) for any load vector', () => {
    for (const loads of [[1, 2, 3], [5, 5, 5, 1], [100, 1], [7]]) {
      const f = fairnessOf(loads);
      expect(f.jain).toBeCloseTo(1 / (1 + f.cov ** 2), 12);
    }
  });

  it('empty or all-zero loads give NaN, not a crash', () => {
    expect(fairnessOf([0, 0, 0]).maxOverMean).toBeNaN();
    expect(fairnessOf([]).jain).toBeNaN();
  });

  it('hot client formula matches table D.3(b)', () => {
    const table: [number, number][] = [
      [0.2, 1.4],
      [0.34, 1.68],
      [0.5, 2.0],
      [0.8, 2.6],
      [1.0, 3.0],
    ];
    for (const [h, expected] of table) expect(hotClientMaxOverMean(h, 3)).toBeCloseTo(expected, 2);
  });

  it('exact random-assignment expectations match table D.3(a) for m=3', () => {
    const table: [number, number, number, number][] = [
      // k, E[max]/mean, E[Jain], E[CoV]
      [1, 3.0, 0.333, 1.414],
      [2, 2.0, 0.556, 0.943],
      [3, 1.889, 0.659, 0.701],
      [5, 1.667, 0.753, 0.573],
      [10, 1.478, 0.851, 0.4],
      [20, 1.333, 0.915, 0.282],
      [30, 1.272, 0.941, 0.229],
      [50, 1.21, 0.963, 0.178],
    ];
    for (const [k, max, jain, cov] of table) {
      const e = expectedRandomAssignment(3, k);
      expect(e.maxOverMean, `k=${k} max`).toBeCloseTo(max, 2);
      expect(e.jain, `k=${k} jain`).toBeCloseTo(jain, 2);
      expect(e.cov, `k=${k} cov`).toBeCloseTo(cov, 2);
      expect(e.allOnOne).toBeCloseTo(3 ** (1 - k), 12);
    }
  });
});
