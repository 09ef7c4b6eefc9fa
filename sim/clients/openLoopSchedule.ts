// A pod's open-loop request schedule (docs/measurement.md#open-loop-schedules): requests are intended at the times
// the arrival process gives, whatever the answers do, until the load phase ends or the pod's request budget is used.
// A timeline event may change the rate (the schedule continues from that moment at the new rate) or stop the pod
// (it is deleted). One timer at a time: when it fires, every arrival due by then is sent, then the next is scheduled.
import type { Rng } from '../../scripts/core/random.ts';
import { createArrivals, type ArrivalSchedule } from './arrivals.ts';

export class OpenLoopSchedule {
  private arrivals: ArrivalSchedule;
  private timer: NodeJS.Timeout | undefined;
  private issued = 0;
  private finished = false;
  private resolveDone!: () => void;
  /** Resolves when no further request will be sent. */
  readonly done = new Promise<void>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(
    private readonly epoch: number,
    private readonly durationMs: number,
    private readonly maxRequests: number,
    private readonly kind: 'constant' | 'poisson',
    rate: number,
    private readonly rng: Rng,
    private readonly onSend: (intendedAt: number) => void,
  ) {
    this.arrivals = createArrivals(kind, rate, rng);
    this.scheduleNext();
  }

  /** From now on, requests arrive at `rate` per second. */
  setRate(rate: number): void {
    if (this.finished) return;
    clearTimeout(this.timer);
    this.arrivals = createArrivals(this.kind, rate, this.rng, performance.now() - this.epoch);
    this.scheduleNext();
  }

  /** No further requests. */
  stop(): void {
    clearTimeout(this.timer);
    this.finish();
  }

  private scheduleNext(): void {
    // Every arrival already due is sent in this turn: a timer fires at most about once a millisecond (Node clamps
    // setTimeout to >= 1 ms), so one timer per request would cap a pod near 1,000 req/s and let the lag grow without
    // bound beyond that (measured: 7 s send lag p99 at 2,000 req/s, docs/performance.md#load-generator).
    for (;;) {
      if (this.finished) return;
      const offset = this.arrivals.next();
      if (offset >= this.durationMs || this.issued >= this.maxRequests) return this.finish();
      const intended = this.epoch + offset;
      const wait = intended - performance.now();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.send(intended);
        }, wait);
        return;
      }
      this.issued++;
      this.onSend(intended);
    }
  }

  private send(intended: number): void {
    this.issued++;
    this.onSend(intended);
    this.scheduleNext();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.resolveDone();
  }
}
