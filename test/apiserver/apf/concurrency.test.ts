// Concurrency limits: the nominal split of 600 seats over the bootstrap levels (numbers computed by hand from
// default.go, see docs/apf.md), the idle allocation, computeConcurrencyAllocation's contract, and borrowing.
import { describe, expect, it } from 'vitest';
import {
  FakeClock,
  PriorityAndFairness,
  bootstrapConfiguration,
  computeConcurrencyAllocation,
  computeLevelConcurrency,
  updateSeatDemandStats,
  ZERO_SEAT_DEMAND_STATS,
  type AllocProblemItem,
  type PriorityLevelConfiguration,
} from '../../../sim/apiserver/apf/index.ts';
import { everyoneTo, flush, prng, queuedLevel, resourceDigest } from './helpers.ts';

describe('nominal limits of the bootstrap configuration at 600 seats', () => {
  // Shares: exempt 0, catch-all 5, system 30, node-high 40, leader-election 10, workload-high 40, workload-low 100,
  // global-default 20; sum 245. nominal = ceil(600 x shares / 245); lendable = round(nominal x lendable% / 100).
  const expected: Record<string, { nominal: number; lendable: number; lower: number; upper: number; maxSeats: number }> = {
    exempt: { nominal: 0, lendable: 0, lower: 0, upper: 600, maxSeats: 0 },
    'catch-all': { nominal: 13, lendable: 0, lower: 13, upper: 613, maxSeats: 0 },
    system: { nominal: 74, lendable: 24, lower: 50, upper: 674, maxSeats: 12 },
    'node-high': { nominal: 98, lendable: 25, lower: 73, upper: 698, maxSeats: 15 },
    'leader-election': { nominal: 25, lendable: 0, lower: 25, upper: 625, maxSeats: 4 },
    'workload-high': { nominal: 98, lendable: 49, lower: 49, upper: 698, maxSeats: 15 },
    'workload-low': { nominal: 245, lendable: 221, lower: 24, upper: 845, maxSeats: 37 },
    'global-default': { nominal: 49, lendable: 25, lower: 24, upper: 649, maxSeats: 8 },
  };

  it('matches the hand-computed table', () => {
    const table = computeLevelConcurrency(600, bootstrapConfiguration().priorityLevels);
    expect(table.shareSum).toBe(245);
    expect(table.nominalCLSum).toBe(602);
    const got = Object.fromEntries(
      table.levels.map((l) => [l.name, { nominal: l.nominalCL, lendable: l.lendableCL, lower: l.minCL, upper: l.maxCL, maxSeats: l.maxSeats }]),
    );
    expect(got).toEqual(expected);
  });

  it('starts, and stays while idle, at the fair split of the lower limits (602/258 of each)', () => {
    // At rest every target is the level's lower limit; 602 seats are shared in proportion: 13, 50, 73, 25, 49, 24,
    // 24 times 602/258 = 30.33, 116.67, 170.33, 58.33, 114.33, 56, 56, rounded.
    const clock = new FakeClock(0);
    const apf = new PriorityAndFairness({ clock });
    const idle = {
      exempt: 0,
      'catch-all': 30,
      system: 117,
      'node-high': 170,
      'leader-election': 58,
      'workload-high': 114,
      'workload-low': 56,
      'global-default': 56,
    };
    const current = () => Object.fromEntries(apf.snapshot().map((s) => [s.name, s.currentCL]));
    expect(current()).toEqual(idle);
    clock.advance(30_000);
    expect(current()).toEqual(idle);
    apf.close();
  });
});

describe('seat demand statistics', () => {
  it('tracks the envelope avg + stddev with exponential smoothing (0.977)', () => {
    let s = updateSeatDemandStats(ZERO_SEAT_DEMAND_STATS, { duration: 10, average: 10, deviation: 2, min: 0, max: 14.4 });
    expect(s).toEqual({ avg: 10, stdDev: 2, highWatermark: 14, smoothed: 12 });
    s = updateSeatDemandStats(s, { duration: 10, average: 2, deviation: NaN, min: 0, max: 3 });
    expect(s.highWatermark).toBe(3);
    expect(s.stdDev).toBe(0);
    expect(s.smoothed).toBeCloseTo(0.977 * 12 + 0.023 * 2, 12);
    // no time passed: only the high watermark moves
    expect(updateSeatDemandStats(s, { duration: 0, average: NaN, deviation: NaN, min: 7, max: 7 })).toEqual({ ...s, highWatermark: 7 });
  });
});

describe('computeConcurrencyAllocation', () => {
  it('allocates fairProp x target within bounds, summing to the required total', () => {
    const rand = prng(1234567890);
    for (let n = 0; n < 3000; n++) {
      const len = [1, 2, 3, 4, 6, 9][Math.floor(rand() * 6)]!;
      const items: AllocProblemItem[] = [];
      let lowSum = 0;
      let highSum = 0;
      for (let j = 0; j < len; j++) {
        const lowerBound = Math.max(0, rand() * 5 - 1);
        const item = { lowerBound, target: lowerBound + 2 * rand(), upperBound: lowerBound + 3 * rand() };
        lowSum += item.lowerBound;
        highSum += item.upperBound;
        items.push(item);
      }
      const required = Math.ceil(lowSum) + Math.floor(rand() * Math.max(0, Math.floor(highSum) - Math.ceil(lowSum) + 1));
      if (required > highSum || required < lowSum) continue;
      const { allocs, fairProp } = computeConcurrencyAllocation(required, items);
      expect(allocs.reduce((a, b) => a + b, 0)).toBeCloseTo(required, 6);
      items.forEach((item, j) => {
        const a = allocs[j]!;
        const t = Math.max(item.target, 0.001);
        expect(a).toBeGreaterThanOrEqual(item.lowerBound - 1e-9);
        expect(a).toBeLessThanOrEqual(item.upperBound + 1e-9);
        const fair = fairProp * t;
        const ok =
          Math.abs(a - fair) < 1e-6 ||
          (Math.abs(a - item.lowerBound) < 1e-9 && item.lowerBound >= fair - 1e-6) ||
          (Math.abs(a - item.upperBound) < 1e-9 && item.upperBound <= fair + 1e-6);
        expect(ok, JSON.stringify({ item, a, fairProp })).toBe(true);
      });
    }
  });

  it('rejects impossible problems', () => {
    expect(() =>
      computeConcurrencyAllocation(10, [
        { lowerBound: 6, target: 6, upperBound: 6 },
        { lowerBound: 6, target: 6, upperBound: 7 },
      ]),
    ).toThrow(/lower bounds sum/);
    expect(() => computeConcurrencyAllocation(100, [{ lowerBound: 1, target: 1, upperBound: 2 }])).toThrow(/upper bounds sum/);
  });
});

describe('borrowing', () => {
  // serverCL 100 over catch-all (5 shares, lends 0), busy (45 shares, lends 0), idle (50 shares, lends 40%):
  // nominal 5 / 45 / 50; idle's lendable = 20, so its lower limit is 30.
  const idleLevel = (): PriorityLevelConfiguration => {
    const pl = queuedLevel('idle', 50, 16, 4, 50);
    pl.spec.limited!.lendablePercent = 40;
    return pl;
  };
  // 'idle-user' goes to the idle level (precedence 50 beats to-busy's 100), everybody else to busy
  const toIdle = everyoneTo('to-idle', 'idle', 50);
  toIdle.spec.rules![0]!.subjects = [{ kind: 'User', user: { name: 'idle-user' } }];
  const setup = () => {
    const clock = new FakeClock(0);
    const apf = new PriorityAndFairness({
      clock,
      serverConcurrencyLimit: 100,
      configurationBase: 'empty',
      priorityLevels: [queuedLevel('busy', 45, 1, 1, 1000), idleLevel()],
      flowSchemas: [everyoneTo('to-busy', 'busy', 100), toIdle],
      requestTimeoutMs: 240_000,
    });
    const level = (name: string) => apf.snapshot().find((s) => s.name === name)!;
    return { clock, apf, level };
  };

  it('lets a busy level borrow what an idle level may lend, never more', async () => {
    const { clock, apf, level } = setup();
    expect([level('busy').nominalCL, level('idle').nominalCL, level('idle').minCL]).toEqual([45, 50, 30]);
    // 200 long-running one-seat requests: the busy level's demand is 200 seats for the whole period
    const leases = [];
    for (let i = 0; i < 200; i++) {
      leases.push(apf.dispatch(resourceDigest(`u${i}`, ['system:authenticated'], 'get', 'pods', { namespace: 'x', name: 'p' }), undefined).catch((e) => e));
    }
    await flush();
    const before = level('busy');
    expect(before.executing).toBe(before.currentCL);
    clock.advance(10_000); // one adjustment period with demand 200
    // Bounds: busy [45, 145] target 200, idle [30, 150] target 30, catch-all [5, 105] target 5; 100 seats to share:
    // idle and catch-all stay at their lower bounds, busy gets the rest, 65 = 45 + idle's 20 lendable seats.
    expect(level('busy').currentCL).toBe(65);
    expect(level('idle').currentCL).toBe(30);
    expect(level('busy').executing).toBe(65);
    expect(level('busy').demand.highWatermark).toBe(200);
    for (let k = 0; k < 5; k++) {
      clock.advance(10_000);
      expect(level('idle').currentCL).toBeGreaterThanOrEqual(level('idle').minCL);
      expect(level('busy').currentCL).toBeLessThanOrEqual(65);
    }
    apf.close();
    await Promise.all(leases);
  });

  it('gives the seats back when the idle level gets busy', async () => {
    const { clock, apf, level } = setup();
    const held = [];
    for (let i = 0; i < 200; i++)
      held.push(apf.dispatch(resourceDigest(`u${i}`, ['system:authenticated'], 'get', 'pods', { namespace: 'x', name: 'p' })).catch((e) => e));
    clock.advance(10_000);
    expect(level('busy').currentCL).toBe(65);
    for (let i = 0; i < 80; i++)
      held.push(apf.dispatch(resourceDigest('idle-user', ['system:authenticated'], 'get', 'pods', { namespace: 'x', name: `p${i}` })).catch((e) => e));
    clock.advance(10_000);
    // Now both want more than their nominal seats: the lower bounds become min(nominal, high watermark) = 45 for
    // busy, 50 for idle, 5 for catch-all; they sum to the 100 seats, so there is nothing left to lend.
    expect(level('idle').currentCL).toBe(50);
    expect(level('busy').currentCL).toBe(45);
    expect(level('idle').executing).toBe(50);
    apf.close();
    await Promise.all(held);
  });
});
