// The adaptive Retry-After (dropped_requests_tracker.go): the step table of upstream's TestDroppedRequestsTracker
// and its per-priority-level independence test, on a fake clock.
import { describe, expect, it } from 'vitest';
import { DroppedRequestsTracker, FakeClock } from '../../../sim/apiserver/apf/index.ts';

describe('dropped requests tracker', () => {
  it('doubles and decays retryAfter like upstream', () => {
    const clock = new FakeClock(1_700_000_000_000);
    const tracker = new DroppedRequestsTracker(clock);
    const steps = [
      { secondsElapsed: 0, droppedRequests: 5, retryAfter: 1 },
      { secondsElapsed: 1, droppedRequests: 11, retryAfter: 2 },
      { secondsElapsed: 2, droppedRequests: 1, retryAfter: 2 },
      { secondsElapsed: 3, droppedRequests: 11, retryAfter: 4 },
      { secondsElapsed: 4, droppedRequests: 1, retryAfter: 4 },
      { secondsElapsed: 7, droppedRequests: 1, retryAfter: 8 },
      { secondsElapsed: 11, droppedRequests: 1, retryAfter: 8 },
      { secondsElapsed: 15, droppedRequests: 1, retryAfter: 7 },
      { secondsElapsed: 17, droppedRequests: 1, retryAfter: 6 },
      { secondsElapsed: 21, droppedRequests: 14, retryAfter: 5 },
      { secondsElapsed: 22, droppedRequests: 1, retryAfter: 10 },
    ];
    let elapsed = 0;
    for (const step of steps) {
      clock.advance((step.secondsElapsed - elapsed) * 1000);
      elapsed = step.secondsElapsed;
      for (let i = 0; i < step.droppedRequests; i++) tracker.recordDroppedRequest('pl');
      expect(tracker.retryAfter('pl'), `after ${step.secondsElapsed}s`).toBe(step.retryAfter);
    }
  });

  it('needs at least 3 x retryAfter drops in the last retryAfter seconds to double', () => {
    const clock = new FakeClock(0);
    const tracker = new DroppedRequestsTracker(clock);
    tracker.recordDroppedRequest('a');
    tracker.recordDroppedRequest('a');
    for (let i = 0; i < 3; i++) tracker.recordDroppedRequest('b');
    clock.advance(1000);
    tracker.recordDroppedRequest('a');
    tracker.recordDroppedRequest('b');
    expect(tracker.retryAfter('a')).toBe(1);
    expect(tracker.retryAfter('b')).toBe(2);
  });

  it('keeps priority levels independent and caps at 32', () => {
    const clock = new FakeClock(0);
    const tracker = new DroppedRequestsTracker(clock);
    for (let i = 0; i < 10; i++) tracker.recordDroppedRequest(`pl-${i}`);
    clock.advance(1000);
    for (let i = 0; i < 10; i++) {
      tracker.recordDroppedRequest(`pl-${i}`);
      expect(tracker.retryAfter(`pl-${i}`)).toBe(1);
    }
    for (let i = 0; i < 5; i++) tracker.recordDroppedRequest('pl-0');
    clock.advance(1000);
    for (let i = 0; i < 10; i++) {
      tracker.recordDroppedRequest(`pl-${i}`);
      expect(tracker.retryAfter(`pl-${i}`)).toBe(i === 0 ? 2 : 1);
    }
    expect(tracker.retryAfter('other-pl')).toBe(1);
    // a sustained storm: 1000 drops every second
    for (let s = 0; s < 200; s++) {
      clock.advance(1000);
      for (let i = 0; i < 1000; i++) tracker.recordDroppedRequest('storm');
    }
    expect(tracker.retryAfter('storm')).toBe(32);
  });
});
