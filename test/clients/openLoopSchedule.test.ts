// The open-loop schedule (sim/clients/openLoopSchedule.ts) on a fake clock: every arrival due when the timer fires is
// sent in that turn, so a pod's rate is not capped by the timer's ~1 ms resolution; the count and the budget hold.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OpenLoopSchedule } from '../../sim/clients/openLoopSchedule.ts';
import { Rng } from '../../scripts/core/random.ts';

describe('OpenLoopSchedule', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('5,000 req/s constant for 1 s: 5,000 sends, each within 1 ms of its intended time', async () => {
    const lags: number[] = [];
    const epoch = performance.now();
    const schedule = new OpenLoopSchedule(epoch, 1000, 1_000_000, 'constant', 5000, new Rng(1), (intended) => lags.push(performance.now() - intended));
    await vi.advanceTimersByTimeAsync(1100);
    await schedule.done;
    expect(lags).toHaveLength(5000);
    expect(Math.min(...lags)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...lags)).toBeLessThanOrEqual(1);
  });

  it('stops at the request budget, and a rate change applies from that moment', async () => {
    let sent = 0;
    const epoch = performance.now();
    const capped = new OpenLoopSchedule(epoch, 1000, 10, 'constant', 5000, new Rng(2), () => sent++);
    await vi.advanceTimersByTimeAsync(1000);
    await capped.done;
    expect(sent).toBe(10);

    sent = 0;
    const changing = new OpenLoopSchedule(performance.now(), 1000, 1_000_000, 'constant', 100, new Rng(3), () => sent++);
    await vi.advanceTimersByTimeAsync(500);
    const before = sent;
    changing.setRate(1000);
    await vi.advanceTimersByTimeAsync(600);
    await changing.done;
    expect(before).toBeGreaterThanOrEqual(49);
    expect(before).toBeLessThanOrEqual(51);
    expect(sent - before).toBeGreaterThanOrEqual(499);
    expect(sent - before).toBeLessThanOrEqual(501);
  });
});
