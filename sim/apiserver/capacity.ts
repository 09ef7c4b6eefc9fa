// The capacity model of one replica, the thing that makes a hotspot hurt:
// 1. the inflight limit --max-requests-inflight (read-only) / --max-mutating-requests-inflight (mutating); beyond
//    the limit the request is rejected with 429 and Retry-After at once, as the maxinflight filter does
//    (k8s.io/apiserver/pkg/server/filters/maxinflight.go); long-running requests (watches) are exempt;
// 2. a fixed number of workers: an admitted request waits FIFO for a worker, then "executes" for a service time
//    drawn per verb (seeded). Inflight = admitted and not yet answered, i.e. queued + executing.
// With API Priority and Fairness on, step 1 is APF's (apfFilter.ts) and the inflight counters follow what APF lets
// execute (noteExecuting), as the APF filter's own read-only/mutating watermarks feed
// apiserver_current_inflight_requests (server/filters/priority-and-fairness.go noteExecutingDelta); step 2 is
// unchanged: seats bound how many requests execute, workers and service times how long they take.
import type { Rng } from '../../scripts/core/random.ts';

export interface CapacityConfig {
  workers: number;
  serviceTimeMs: { get: number; list: number; create: number; update: number; patch: number; delete: number; watchSetup: number };
  distribution: 'exponential' | 'constant';
  maxRequestsInflight: number;
  maxMutatingRequestsInflight: number;
  retryAfterSeconds: number;
}

export type CapacityVerb = keyof CapacityConfig['serviceTimeMs'];
export type RequestKind = 'readOnly' | 'mutating';

export class ReplicaCapacity {
  readonly inflight: Record<RequestKind, number> = { readOnly: 0, mutating: 0 };
  /** Highest inflight since the last watermark reset (maxinflight.go keeps the same per-second watermark). */
  readonly watermark: Record<RequestKind, number> = { readOnly: 0, mutating: 0 };
  private busyWorkers = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly config: CapacityConfig,
    private readonly rng: Rng,
  ) {
    if (!(config.workers >= 1)) throw new RangeError(`capacity.workers must be >= 1, got ${config.workers}`);
  }

  get retryAfterSeconds(): number {
    return this.config.retryAfterSeconds;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Takes an inflight slot for a request; false means the limit is reached ("answer 429"). */
  tryAcquireInflight(kind: RequestKind): boolean {
    const limit = kind === 'mutating' ? this.config.maxMutatingRequestsInflight : this.config.maxRequestsInflight;
    if (this.inflight[kind] >= limit) return false;
    this.inflight[kind]++;
    if (this.inflight[kind] > this.watermark[kind]) this.watermark[kind] = this.inflight[kind];
    return true;
  }

  releaseInflight(kind: RequestKind): void {
    this.inflight[kind]--;
  }

  /** APF mode: a request started (+1) or finished (-1) executing; no limit here, APF applied its own. */
  noteExecuting(kind: RequestKind, delta: 1 | -1): void {
    this.inflight[kind] += delta;
    if (this.inflight[kind] > this.watermark[kind]) this.watermark[kind] = this.inflight[kind];
  }

  /** Returns the watermark and starts a new period from the current inflight level. */
  takeWatermark(): Record<RequestKind, number> {
    const taken = { ...this.watermark };
    this.watermark.readOnly = this.inflight.readOnly;
    this.watermark.mutating = this.inflight.mutating;
    return taken;
  }

  /** Waits for a worker, spends the verb's service time, then runs `work` and frees the worker. */
  async execute<T>(verb: CapacityVerb, work: () => T | Promise<T>): Promise<T> {
    await this.acquireWorker();
    try {
      const ms = this.serviceTime(verb);
      if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
      return await work();
    } finally {
      this.releaseWorker();
    }
  }

  private serviceTime(verb: CapacityVerb): number {
    const mean = this.config.serviceTimeMs[verb];
    if (mean <= 0) return 0;
    return this.config.distribution === 'constant' ? mean : this.rng.exponential(mean);
  }

  private acquireWorker(): Promise<void> {
    if (this.busyWorkers < this.config.workers) {
      this.busyWorkers++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private releaseWorker(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.busyWorkers--;
  }
}
