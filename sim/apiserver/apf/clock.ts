// The clock APF runs on, injected so that timing (wait limits, the final-seats phase, the 10 s borrowing
// adjustment, the per-second dropped-request statistics) can be driven by a fake in tests. Upstream uses
// k8s.io/utils/clock and fairqueuing/eventclock (EventAfterDuration) with a fake event clock in its tests
// (fairqueuing/testing/eventclock/fake.go); FakeClock here plays that role.
//
// Times are milliseconds. realClock reads performance.timeOrigin + performance.now(): epoch-based (the
// dropped-requests tracker buckets by Unix second) but monotonic. Its timers are unref'd: APF bookkeeping alone
// never keeps the process alive.

export interface ApfClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: ApfClock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, Math.max(0, ms));
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/** A manually advanced clock: timers fire in due-time order (ties in creation order) while advance() runs. */
export class FakeClock implements ApfClock {
  private current: number;
  private nextId = 1;
  private timers: FakeTimer[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.current + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer due on the way (including ones scheduled by fired timers). */
  advance(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  advanceTo(target: number): void {
    if (target < this.current) throw new RangeError(`cannot go back in time from ${this.current} to ${target}`);
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.timers) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      }
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = next.at;
      next.fn();
    }
    this.current = target;
  }
}
