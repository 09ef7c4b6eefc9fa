// client-go's default rate limiter: flowcontrol.NewTokenBucketRateLimiter(qps, burst), which wraps
// golang.org/x/time/rate.Limiter. Every request calls Wait(): reserve one token now (the balance may go negative,
// which orders waiters FIFO) and sleep until it is due. The bucket starts full (a fresh Limiter's first advance()
// fills it to `burst`) and refills at `qps` tokens per second.

export class TokenBucket {
  private tokens: number;
  private last: number | undefined;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(qps > 0)) throw new RangeError(`qps must be > 0, got ${qps}`);
    if (!(burst >= 1)) throw new RangeError(`burst must be >= 1, got ${burst}`);
    this.tokens = burst;
  }

  /** Reserves one token; returns how long (ms) the caller must wait before it may send. */
  reserve(): number {
    const t = this.now();
    if (this.last !== undefined && t > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    }
    this.last = this.last === undefined ? t : Math.max(this.last, t);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }
}
