// The API Priority and Fairness filter of one kube-apiserver, as the replica's request pipeline calls it
// (k8s.io/apiserver pkg/server/filters/priority-and-fairness.go, pkg/util/flowcontrol/apf_filter.go Handle and
// apf_controller.go startRequest/updateBorrowing, kubernetes-1.32.13):
// 1. long-running requests other than watches (exec, attach, port-forward, proxy, log) bypass APF;
// 2. classify: FlowSchema by precedence, its priority level, the flow distinguisher and hash;
// 3. estimate the work (seats, final seats, additional latency) with the level's maxSeats;
// 4. start the request in the level's QueueSet: execute now, queue, or reject ('queue-full', 'concurrency-limit');
//    a queued request waits at most its wait limit (a quarter of its deadline, 15 s by default) and is rejected
//    'time-out' after that, or 'cancelled' if its AbortSignal fires (upstream counts both as reason="time-out");
// 5. a rejection records a dropped request for the level and carries Retry-After (1..32 s, adaptive), the
//    X-Kubernetes-PF-FlowSchema-UID / -PriorityLevel-UID headers, status 429 and upstream's body;
// 6. an executing request holds its seats until lease.finish() (for a watch: until lease.initialized(), the end of
//    its initialization; finish() implies it), then, with final seats, for the additional latency;
// 7. every 10 s the levels' concurrency limits are re-divided by borrowing (concurrency.ts).
// Metrics (metrics.ts) are updated as upstream updates them, including its quirk that a request that timed out in its
// queue is observed in request_wait_duration_seconds with execute="true".
import { Classifier, type Classification } from './classify.ts';
import { realClock, type ApfClock } from './clock.ts';
import { BORROWING_ADJUSTMENT_PERIOD_MS, BorrowingController, computeLevelConcurrency, type LevelConcurrency } from './concurrency.ts';
import { ApfConfigurationError, resolveConfiguration, type ConfigurationIssue, type ResolvedConfiguration } from './configuration.ts';
import { DroppedRequestsTracker } from './droppedRequests.ts';
import type { ApfMetrics } from './metrics.ts';
import { QueueSet, type QueueSetConfig, type QueueSetObserver, type QueueSetRequest, type QueueSetSnapshot } from './queueSet.ts';
import { maxSeatsOf, type FlowSchema, type PriorityLevelConfiguration, type RejectReason, type RequestDigest, type WorkEstimate } from './types.ts';
import { isLongRunning, requestWaitLimitMs, DEFAULT_REQUEST_TIMEOUT_MS } from './waitLimit.ts';
import { WatchTracker } from './watchTracker.ts';
import { DEFAULT_WORK_ESTIMATOR_CONFIG, estimateWork, type WorkEstimatorConfig, type WorkInputs } from './workEstimate.ts';

export type { RequestDigest, WorkEstimate } from './types.ts';

/** --max-requests-inflight (400) + --max-mutating-requests-inflight (200), kube-apiserver's defaults (server/config.go). */
export const DEFAULT_SERVER_CONCURRENCY_LIMIT = 600;
export const TOO_MANY_REQUESTS_BODY = 'Too many requests, please try again later.\n';

export interface ApfOptions {
  serverConcurrencyLimit?: number;
  /** --request-timeout (60 s by default); wait limits derive from it. */
  requestTimeoutMs?: number;
  /** Objects applied over the bootstrap configuration by name (see configuration.ts), or the full list with configurationBase 'empty'. */
  flowSchemas?: readonly FlowSchema[];
  priorityLevels?: readonly PriorityLevelConfiguration[];
  configurationBase?: 'bootstrap' | 'empty';
  /** Selects the suggested FlowSchemas of that release (1.32 by default). */
  kubernetesMinor?: number;
  clock?: ApfClock;
  metrics?: ApfMetrics;
  workEstimator?: Partial<WorkEstimatorConfig>;
}

/** What dispatch needs of a cancellation signal: an AbortSignal, or a lighter object (the replica wraps its response). */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface DispatchOptions {
  /** Fires when the client went away; listened to only while the request is queued. */
  signal?: CancelSignal;
  /** When the request was received (clock ms); the wait limit counts from here. Defaults to now. */
  receivedAtMs?: number;
  /** The request's ?timeout=, if given. */
  userTimeoutMs?: number;
}

/** What the caller knows about the request's cost, or a ready estimate. */
export type WorkSpec = WorkEstimate | WorkInputs;

export interface ExecutionLease {
  /** undefined when APF did not handle the request (a long-running request other than a watch). */
  readonly classification: Classification | undefined;
  /** Headers to set on the response. */
  readonly headers: Readonly<Record<string, string>>;
  readonly workEstimate: WorkEstimate | undefined;
  /** Time spent waiting in a queue. */
  readonly waitedMs: number;
  /** A watch finished initializing: its seats are released. No-op for other requests. */
  initialized(): void;
  /** The request is done: seats are released (then final seats held for the additional latency). Idempotent. */
  finish(): void;
}

export class ApfRejection extends Error {
  readonly statusCode = 429;
  readonly body = TOO_MANY_REQUESTS_BODY;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly reason: RejectReason,
    readonly retryAfterSeconds: number,
    readonly classification: Classification,
  ) {
    super(`API Priority and Fairness rejected the request (${reason}) at priority level ${classification.priorityLevelName}`);
    this.name = 'ApfRejection';
    // tooManyRequests(): Retry-After, then Go's http.Error (text/plain, nosniff)
    this.headers = {
      ...classification.headers,
      'Retry-After': String(retryAfterSeconds),
      'Content-Type': 'text/plain; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
    };
  }
}

export interface PriorityLevelSnapshot extends LevelConcurrency {
  currentCL: number;
  seatsInUse: number;
  seatsWaiting: number;
  waiting: number;
  executing: number;
  demand: { highWatermark: number; avg: number; stdDev: number; smoothed: number; target: number };
  queueSet: QueueSetSnapshot;
}

interface Level {
  name: string;
  pl: PriorityLevelConfiguration;
  concurrency: LevelConcurrency;
  queueSet: QueueSet;
}

const MUTATING_ESTIMATED_VERBS = new Set(['create', 'update', 'patch', 'delete']);

const untrackedLease = (): ExecutionLease => ({
  classification: undefined,
  headers: {},
  workEstimate: undefined,
  waitedMs: 0,
  initialized: () => {},
  finish: () => {},
});

function queueSetConfig(pl: PriorityLevelConfiguration): QueueSetConfig {
  const name = pl.metadata.name ?? '';
  if (pl.spec.type === 'Exempt') return { name, kind: 'exempt' };
  const lr = pl.spec.limited!.limitResponse;
  if (lr.type === 'Reject') return { name, kind: 'reject' };
  const q = lr.queuing!;
  return { name, kind: 'queue', queues: q.queues!, handSize: q.handSize!, queueLengthLimit: q.queueLengthLimit! };
}

function checkWorkEstimate(work: WorkEstimate): WorkEstimate {
  const ok = (n: number) => Number.isInteger(n) && n >= 0;
  if (!ok(work.initialSeats) || !ok(work.finalSeats) || !(work.additionalLatencyMs >= 0)) {
    throw new RangeError(`invalid work estimate ${JSON.stringify(work)}`);
  }
  return { initialSeats: work.initialSeats, finalSeats: work.finalSeats, additionalLatencyMs: work.additionalLatencyMs };
}

export class PriorityAndFairness {
  readonly serverConcurrencyLimit: number;
  readonly requestTimeoutMs: number;
  readonly configuration: ResolvedConfiguration;
  readonly watchTracker = new WatchTracker();
  private readonly clock: ApfClock;
  private readonly metrics: ApfMetrics | undefined;
  private readonly workConfig: WorkEstimatorConfig;
  private readonly classifier: Classifier;
  private readonly levels = new Map<string, Level>();
  private readonly borrowing: BorrowingController;
  private readonly dropped: DroppedRequestsTracker;
  private readonly pendingWaits = new Set<(reason: RejectReason) => void>();
  private borrowingTimer: unknown;
  private closed = false;

  constructor(options: ApfOptions = {}) {
    this.serverConcurrencyLimit = options.serverConcurrencyLimit ?? DEFAULT_SERVER_CONCURRENCY_LIMIT;
    if (!(Number.isInteger(this.serverConcurrencyLimit) && this.serverConcurrencyLimit > 0)) {
      throw new RangeError(`serverConcurrencyLimit must be a positive integer, got ${this.serverConcurrencyLimit}`);
    }
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.clock = options.clock ?? realClock;
    this.metrics = options.metrics;
    this.workConfig = { ...DEFAULT_WORK_ESTIMATOR_CONFIG, ...options.workEstimator };
    this.dropped = new DroppedRequestsTracker(this.clock);
    this.configuration = resolveConfiguration({
      ...(options.flowSchemas ? { flowSchemas: options.flowSchemas } : {}),
      ...(options.priorityLevels ? { priorityLevels: options.priorityLevels } : {}),
      ...(options.configurationBase ? { base: options.configurationBase } : {}),
      ...(options.kubernetesMinor !== undefined ? { kubernetesMinor: options.kubernetesMinor } : {}),
      now: new Date(this.clock.now()).toISOString(),
    });
    if (this.configuration.issues.some((i) => i.severity === 'error')) throw new ApfConfigurationError(this.configuration.issues);
    const { priorityLevels, flowSchemas } = this.configuration;
    this.classifier = new Classifier(flowSchemas, priorityLevels);
    const table = computeLevelConcurrency(this.serverConcurrencyLimit, priorityLevels);
    this.borrowing = new BorrowingController(table, this.clock);
    const byName = new Map(table.levels.map((l) => [l.name, l]));
    for (const pl of priorityLevels) {
      const name = pl.metadata.name ?? '';
      const concurrency = byName.get(name)!;
      const queueSet = new QueueSet(queueSetConfig(pl), this.clock, this.observerFor(name));
      this.levels.set(name, { name, pl, concurrency, queueSet });
      this.metrics?.setPriorityLevelConfiguration(name, concurrency.nominalCL, concurrency.minCL, concurrency.maxCL);
    }
    this.applyCurrentLimits();
    this.scheduleBorrowing();
  }

  /** Warnings of the configuration (dangling FlowSchemas, mandatory objects added). */
  get configurationIssues(): readonly ConfigurationIssue[] {
    return this.configuration.issues;
  }

  classify(digest: RequestDigest): Classification {
    return this.classifier.classify(digest);
  }

  /** The work estimate of a request as the filter would compute it (needs the classification for the level's maxSeats). */
  estimateWork(digest: RequestDigest, work: WorkSpec | undefined, classification: Classification = this.classify(digest)): WorkEstimate {
    if (work && 'initialSeats' in work) return checkWorkEstimate(work);
    const level = this.levels.get(classification.priorityLevelName)!;
    const inputs: WorkInputs = { ...work };
    if (
      MUTATING_ESTIMATED_VERBS.has(digest.verb) &&
      this.workConfig.mutatingWorkEstimatorEnabled &&
      !(digest.resource === 'serviceaccounts' && digest.subresource === 'token')
    ) {
      inputs.watchCount ??= this.watchTracker.interestedWatchCount(digest);
      this.metrics?.watchCountSamples.observe(this.labels(classification), inputs.watchCount);
    }
    return estimateWork(digest, inputs, level.concurrency.maxSeats, this.workConfig);
  }

  /**
   * Resolves when the request may execute; rejects with ApfRejection when APF turns it away. The lease must be
   * finished exactly once the request is done (extra calls are ignored).
   */
  dispatch(digest: RequestDigest, work?: WorkSpec, options: DispatchOptions = {}): Promise<ExecutionLease> {
    if (this.closed) return Promise.reject(new Error('PriorityAndFairness is closed'));
    const receivedAt = options.receivedAtMs ?? this.clock.now();
    const longRunning = isLongRunning(digest);
    const isWatch = digest.verb === 'watch';
    if (longRunning && !isWatch) return Promise.resolve(untrackedLease());
    const classification = this.classify(digest);
    const level = this.levels.get(classification.priorityLevelName)!;
    const estimate = this.estimateWork(digest, work, classification);
    const labels = this.labels(classification);
    this.metrics?.workEstimatedSeats.observe(labels, maxSeatsOf(estimate));
    const startWaiting = classification.exempt ? undefined : this.clock.now();
    const fieldSelector = work && !('initialSeats' in work) ? work.listOptions?.fieldSelector : undefined;

    return new Promise<ExecutionLease>((resolve, reject) => {
      let settled = false;
      let timer: unknown;
      let cancel: ((reason: RejectReason) => void) | undefined;
      const cleanup = () => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
        timer = undefined;
        if (cancel) {
          this.pendingWaits.delete(cancel);
          options.signal?.removeEventListener('abort', onAbort);
        }
      };
      const onAbort = () => cancel?.('cancelled');
      const onDispatch = (req: QueueSetRequest) => {
        if (settled) return;
        settled = true;
        cleanup();
        const waitedMs = startWaiting === undefined ? 0 : this.clock.now() - startWaiting;
        if (startWaiting !== undefined) this.observeWait(labels, 'true', waitedMs);
        resolve(this.lease(digest, classification, level, req, estimate, isWatch, waitedMs, fieldSelector));
      };
      const result = level.queueSet.startRequest({
        work: estimate,
        hashValue: classification.hashValue,
        flowDistinguisher: classification.flowDistinguisher,
        fsName: classification.flowSchemaName,
        onDispatch,
      });
      if (typeof result === 'string') {
        settled = true;
        if (startWaiting !== undefined) this.observeWait(labels, 'false', this.clock.now() - startWaiting);
        reject(this.rejection(result, classification));
        return;
      }
      if (result.state !== 'waiting') return; // dispatched inside startRequest: onDispatch resolved it
      const request = result;
      cancel = (reason: RejectReason) => {
        if (settled || !level.queueSet.cancelWaiting(request)) return;
        settled = true;
        cleanup();
        // Upstream observes a request that was queued and not executed with execute = (req != nil) = "true".
        if (startWaiting !== undefined) this.observeWait(labels, 'true', this.clock.now() - startWaiting);
        reject(this.rejection(reason, classification));
      };
      this.pendingWaits.add(cancel);
      const waitLimit = requestWaitLimitMs({
        requestTimeoutMs: this.requestTimeoutMs,
        longRunning,
        ...(options.userTimeoutMs !== undefined ? { userTimeoutMs: options.userTimeoutMs } : {}),
      });
      const remaining = receivedAt + waitLimit - this.clock.now();
      if (options.signal?.aborted) {
        cancel('cancelled');
        return;
      }
      if (remaining <= 0) {
        cancel('time-out');
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      timer = this.clock.setTimeout(() => {
        timer = undefined;
        cancel?.('time-out');
      }, remaining);
    });
  }

  snapshot(): PriorityLevelSnapshot[] {
    return [...this.levels.values()].map((level) => {
      const qs = level.queueSet.snapshot();
      const stats = this.borrowing.stats(level.name);
      return {
        ...level.concurrency,
        currentCL: this.borrowing.currentLimit(level.name),
        seatsInUse: qs.seatsInUse,
        seatsWaiting: qs.seatsWaiting,
        waiting: qs.waiting,
        executing: qs.executing,
        demand: { highWatermark: stats.highWatermark, avg: stats.avg, stdDev: stats.stdDev, smoothed: stats.smoothed, target: stats.target },
        queueSet: qs,
      };
    });
  }

  /** Runs one borrowing adjustment now (it also runs every 10 s on the clock). */
  adjustBorrowing(): void {
    this.borrowing.adjust();
    this.applyCurrentLimits();
  }

  /** Stops the timers; requests still waiting are rejected as 'cancelled'. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.borrowingTimer !== undefined) this.clock.clearTimeout(this.borrowingTimer);
    this.borrowingTimer = undefined;
    for (const cancel of [...this.pendingWaits]) cancel('cancelled');
    for (const level of this.levels.values()) level.queueSet.close();
  }

  // ---- internals --------------------------------------------------------------------------------------------

  private labels(c: Classification): { priority_level: string; flow_schema: string } {
    return { priority_level: c.priorityLevelName, flow_schema: c.flowSchemaName };
  }

  private observeWait(labels: { priority_level: string; flow_schema: string }, execute: 'true' | 'false', waitedMs: number): void {
    this.metrics?.requestWaitDuration.observe({ ...labels, execute }, waitedMs / 1000);
  }

  private rejection(reason: RejectReason, classification: Classification): ApfRejection {
    this.dropped.recordDroppedRequest(classification.priorityLevelName);
    return new ApfRejection(reason, this.dropped.retryAfter(classification.priorityLevelName), classification);
  }

  private lease(
    digest: RequestDigest,
    classification: Classification,
    level: Level,
    request: QueueSetRequest,
    estimate: WorkEstimate,
    isWatch: boolean,
    waitedMs: number,
    fieldSelector: string | undefined,
  ): ExecutionLease {
    const labels = this.labels(classification);
    this.metrics?.addLater(this.metrics.dispatchedRequests, labels.priority_level, labels.flow_schema, 1);
    const startedAt = this.clock.now();
    let forgetWatch = isWatch ? this.watchTracker.registerWatch(digest, fieldSelector) : undefined;
    let apfDone = false;
    const endApf = () => {
      if (apfDone) return;
      apfDone = true;
      this.metrics?.requestExecutionSeconds.observe({ ...labels, type: isWatch ? 'watch' : 'regular' }, (this.clock.now() - startedAt) / 1000);
      level.queueSet.finish(request);
    };
    return {
      classification,
      headers: classification.headers,
      workEstimate: estimate,
      waitedMs,
      initialized: () => {
        if (isWatch) endApf();
      },
      finish: () => {
        endApf();
        forgetWatch?.();
        forgetWatch = undefined;
      },
    };
  }

  private applyCurrentLimits(): void {
    for (const level of this.levels.values()) {
      const currentCL = this.borrowing.currentLimit(level.name);
      level.queueSet.setConcurrencyLimit(currentCL);
      const s = this.borrowing.stats(level.name);
      this.metrics?.notePriorityLevelConcurrencyAdjustment(level.name, s.highWatermark, s.avg, s.stdDev, s.smoothed, s.target, currentCL);
    }
    this.metrics?.seatFairFrac.set(this.borrowing.fairFrac);
  }

  private scheduleBorrowing(): void {
    this.borrowingTimer = this.clock.setTimeout(() => {
      if (this.closed) return;
      this.adjustBorrowing();
      this.scheduleBorrowing();
    }, BORROWING_ADJUSTMENT_PERIOD_MS);
  }

  private observerFor(plName: string): QueueSetObserver {
    const m = this.metrics;
    const integrator = this.borrowing.integrator(plName);
    const l = (fs: string) => ({ priority_level: plName, flow_schema: fs });
    return {
      seatDemand: (v) => integrator.set(v),
      ...(m
        ? {
            waiting: (fs: string, dr: number, ds: number) => {
              m.addLater(m.currentInqueueRequests, plName, fs, dr);
              m.addLater(m.currentInqueueSeats, plName, fs, ds);
            },
            queueLengthAfterEnqueue: (fs: string, n: number) => m.requestQueueLength.observe(l(fs), n),
            executing: (fs: string, d: number) => m.addLater(m.currentExecutingRequests, plName, fs, d),
            seatsInUse: (fs: string, d: number) => m.addSeatConcurrencyInUse(plName, fs, d),
            rejected: (fs: string, reason: string) => m.rejectedRequests.inc({ ...l(fs), reason }),
            noAccommodation: (fs: string) => m.dispatchNoAccommodation.inc(l(fs)),
            currentR: (r: number) => m.setLater(m.currentR, plName, r),
            dispatchR: (r: number, s: number, sMin: number, sMax: number, dsMin: number, dsMax: number) => {
              m.setLater(m.dispatchR, plName, r);
              m.setLater(m.latestS, plName, s);
              m.setLater(m.nextSBounds, plName, sMin, 'min');
              m.setLater(m.nextSBounds, plName, sMax, 'max');
              m.setLater(m.nextDiscountedSBounds, plName, dsMin, 'min');
              m.setLater(m.nextDiscountedSBounds, plName, dsMax, 'max');
            },
            epochAdvance: (success: boolean) => m.epochAdvance.inc({ priority_level: plName, success: String(success) }),
          }
        : {}),
    };
  }
}
