// kube-apiserver's APF metrics with their real names, label names, buckets and help texts (k8s.io/apiserver
// pkg/util/flowcontrol/metrics/metrics.go, kubernetes-1.32.13), registered on a prom-client Registry the caller
// owns. component-base prefixes help texts with the stability level ("[BETA] ", "[ALPHA] "), so do we.
//
// Not modelled: the TimingRatioHistograms (priority_level_seat_utilization, priority_level_request_utilization,
// read_vs_write_current_requests, demand_seats), which integrate ratios over every nanosecond. The two metrics
// deprecated in 1.30/1.31 (request_concurrency_limit, request_concurrency_in_use) are hidden in a 1.32 server
// unless --show-hidden-metrics-for-version is given; pass { showHidden: true } to register them.
//
// Cost: prom-client hashes and validates the label object on every inc/set/observe (a few µs each). The series
// touched several times per request (executing and queued counts and seats, dispatched, and the R / S gauges set on
// every dispatch) are therefore accumulated in plain maps (addLater / setLater) and applied when the registry is
// collected (every metric of this class runs flush() as its collect hook), so a scrape sees exactly the values an
// immediate update would have produced. Histograms are observed directly.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const P = 'apiserver_flowcontrol_';
const PL = 'priority_level';
const FS = 'flow_schema';

export const QUEUE_LENGTH_BUCKETS = [0, 10, 25, 50, 100, 250, 500, 1000];
export const REQUEST_DURATION_SECONDS_BUCKETS = [0, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30];
export const WATCH_COUNT_BUCKETS = [0, 1, 10, 100, 1000, 10000];
/** 1.32's buckets; v1.34+ uses [1, 2, 4, 8, 16, 32, 64, 100] with its size-based list estimate. */
export const WORK_ESTIMATED_SEATS_BUCKETS = [1, 2, 4, 10];

export interface ApfMetricsOptions {
  showHidden?: boolean;
}

interface PendingSeries {
  labels: Record<string, string>;
  value: number;
}

/** Makes metrics with the APF prefix on one registry; gauges and counters flush the pending updates when collected. */
interface MetricFactory {
  registers: Registry[];
  counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L>;
  gauge<L extends string>(name: string, help: string, labelNames: L[]): Gauge<L>;
  histogram<L extends string>(name: string, help: string, labelNames: L[], buckets: number[]): Histogram<L>;
}

function metricFactory(registry: Registry, collect: () => void): MetricFactory {
  const registers = [registry];
  return {
    registers,
    counter: (name, help, labelNames) => new Counter({ name: P + name, help, labelNames, registers, collect }),
    gauge: (name, help, labelNames) => new Gauge({ name: P + name, help, labelNames, registers, collect }),
    histogram: (name, help, labelNames, buckets) => new Histogram({ name: P + name, help, labelNames, buckets, registers }),
  };
}

type RequestMetricName =
  | 'rejectedRequests'
  | 'dispatchedRequests'
  | 'currentInqueueRequests'
  | 'currentInqueueSeats'
  | 'requestQueueLength'
  | 'currentExecutingRequests'
  | 'currentExecutingSeats'
  | 'requestWaitDuration'
  | 'requestExecutionSeconds'
  | 'watchCountSamples'
  | 'workEstimatedSeats'
  | 'dispatchNoAccommodation';

/** What happens to requests: rejected, queued, dispatched, executing, and how long each stage took. */
function requestMetrics(m: MetricFactory): Pick<ApfMetrics, RequestMetricName> {
  return {
    rejectedRequests: m.counter('rejected_requests_total', '[BETA] Number of requests rejected by API Priority and Fairness subsystem', [PL, FS, 'reason']),
    dispatchedRequests: m.counter('dispatched_requests_total', '[BETA] Number of requests executed by API Priority and Fairness subsystem', [PL, FS]),
    currentInqueueRequests: m.gauge(
      'current_inqueue_requests',
      '[BETA] Number of requests currently pending in queues of the API Priority and Fairness subsystem',
      [PL, FS],
    ),
    currentInqueueSeats: m.gauge('current_inqueue_seats', '[ALPHA] Number of seats currently pending in queues of the API Priority and Fairness subsystem', [
      PL,
      FS,
    ]),
    requestQueueLength: m.histogram(
      'request_queue_length_after_enqueue',
      '[ALPHA] Length of queue in the API Priority and Fairness subsystem, as seen by each request after it is enqueued',
      [PL, FS],
      QUEUE_LENGTH_BUCKETS,
    ),
    currentExecutingRequests: m.gauge(
      'current_executing_requests',
      '[BETA] Number of requests in initial (for a WATCH) or any (for a non-WATCH) execution stage in the API Priority and Fairness subsystem',
      [PL, FS],
    ),
    currentExecutingSeats: m.gauge(
      'current_executing_seats',
      '[BETA] Concurrency (number of seats) occupied by the currently executing (initial stage for a WATCH, any stage otherwise) requests in the API Priority and Fairness subsystem',
      [PL, FS],
    ),
    requestWaitDuration: m.histogram(
      'request_wait_duration_seconds',
      '[BETA] Length of time a request spent waiting in its queue',
      [PL, FS, 'execute'],
      REQUEST_DURATION_SECONDS_BUCKETS,
    ),
    requestExecutionSeconds: m.histogram(
      'request_execution_seconds',
      '[ALPHA] Duration of initial stage (for a WATCH) or any (for a non-WATCH) stage of request execution in the API Priority and Fairness subsystem',
      [PL, FS, 'type'],
      REQUEST_DURATION_SECONDS_BUCKETS,
    ),
    watchCountSamples: m.histogram(
      'watch_count_samples',
      '[ALPHA] count of watchers for mutating requests in API Priority and Fairness',
      [PL, FS],
      WATCH_COUNT_BUCKETS,
    ),
    workEstimatedSeats: m.histogram(
      'work_estimated_seats',
      '[ALPHA] Number of estimated seats (maximum of initial and final seats) associated with requests in API Priority and Fairness',
      [PL, FS],
      WORK_ESTIMATED_SEATS_BUCKETS,
    ),
    dispatchNoAccommodation: m.counter(
      'request_dispatch_no_accommodation_total',
      '[ALPHA] Number of times a dispatch attempt resulted in a non accommodation due to lack of available seats',
      [PL, FS],
    ),
  };
}

type FairQueuingMetricName = 'epochAdvance' | 'currentR' | 'dispatchR' | 'latestS' | 'nextSBounds' | 'nextDiscountedSBounds';

/** The queueset's fair-queuing clock: virtual time R and the S (start) tags of the requests it dispatches. */
function fairQueuingMetrics(m: MetricFactory): Pick<ApfMetrics, FairQueuingMetricName> {
  return {
    epochAdvance: m.counter('epoch_advance_total', "[ALPHA] Number of times the queueset's progress meter jumped backward", [PL, 'success']),
    currentR: m.gauge('current_r', '[ALPHA] R(time of last change)', [PL]),
    dispatchR: m.gauge('dispatch_r', '[ALPHA] R(time of last dispatch)', [PL]),
    latestS: m.gauge('latest_s', '[ALPHA] S(most recently dispatched request)', [PL]),
    nextSBounds: m.gauge('next_s_bounds', '[ALPHA] min and max, over queues, of S(oldest waiting request in queue)', [PL, 'bound']),
    nextDiscountedSBounds: m.gauge(
      'next_discounted_s_bounds',
      '[ALPHA] min and max, over queues, of S(oldest waiting request in queue) - estimated work in progress',
      [PL, 'bound'],
    ),
  };
}

type SeatLimitMetricName =
  | 'nominalLimitSeats'
  | 'lowerLimitSeats'
  | 'upperLimitSeats'
  | 'currentLimitSeats'
  | 'demandSeatsHighWatermark'
  | 'demandSeatsAverage'
  | 'demandSeatsStdev'
  | 'demandSeatsSmoothed'
  | 'targetSeats'
  | 'seatFairFrac'
  | 'requestConcurrencyLimit'
  | 'requestConcurrencyInUse';

/** The priority levels' seat limits and the borrowing between them (configured bounds, demand, targets, fair fraction). */
function seatLimitMetrics(m: MetricFactory, showHidden: boolean): Pick<ApfMetrics, SeatLimitMetricName> {
  return {
    nominalLimitSeats: m.gauge('nominal_limit_seats', '[BETA] Nominal number of execution seats configured for each priority level', [PL]),
    lowerLimitSeats: m.gauge('lower_limit_seats', '[ALPHA] Configured lower bound on number of execution seats available to each priority level', [PL]),
    upperLimitSeats: m.gauge('upper_limit_seats', '[ALPHA] Configured upper bound on number of execution seats available to each priority level', [PL]),
    currentLimitSeats: m.gauge('current_limit_seats', '[ALPHA] current derived number of execution seats available to each priority level', [PL]),
    demandSeatsHighWatermark: m.gauge('demand_seats_high_watermark', '[ALPHA] High watermark, over last adjustment period, of demand_seats', [PL]),
    demandSeatsAverage: m.gauge('demand_seats_average', '[ALPHA] Time-weighted average, over last adjustment period, of demand_seats', [PL]),
    demandSeatsStdev: m.gauge('demand_seats_stdev', '[ALPHA] Time-weighted standard deviation, over last adjustment period, of demand_seats', [PL]),
    demandSeatsSmoothed: m.gauge('demand_seats_smoothed', '[ALPHA] Smoothed seat demands', [PL]),
    targetSeats: m.gauge('target_seats', '[ALPHA] Seat allocation targets', [PL]),
    seatFairFrac: new Gauge({
      name: P + 'seat_fair_frac',
      help: "[ALPHA] Fair fraction of server's concurrency to allocate to each priority level that can use it",
      registers: m.registers,
    }),
    requestConcurrencyLimit: showHidden
      ? m.gauge('request_concurrency_limit', '[ALPHA] (Deprecated since 1.30.0) Nominal number of execution seats configured for each priority level', [PL])
      : undefined,
    requestConcurrencyInUse: showHidden
      ? m.gauge(
          'request_concurrency_in_use',
          '[ALPHA] (Deprecated since 1.31.0) Concurrency (number of seats) occupied by the currently executing (initial stage for a WATCH, any stage otherwise) requests in the API Priority and Fairness subsystem',
          [PL, FS],
        )
      : undefined,
  };
}

export class ApfMetrics {
  /** Deltas per metric and label key, applied at the next collection. */
  private readonly deltas = new Map<Gauge<string> | Counter<string>, Map<string, PendingSeries>>();
  /** Last values per metric and label key, set at the next collection. */
  private readonly values = new Map<Gauge<string>, Map<string, PendingSeries>>();

  // Assigned in the constructor, in three groups (requestMetrics, fairQueuingMetrics, seatLimitMetrics).
  readonly rejectedRequests!: Counter<typeof PL | typeof FS | 'reason'>;
  readonly dispatchedRequests!: Counter<typeof PL | typeof FS>;
  readonly currentInqueueRequests!: Gauge<typeof PL | typeof FS>;
  readonly currentInqueueSeats!: Gauge<typeof PL | typeof FS>;
  readonly requestQueueLength!: Histogram<typeof PL | typeof FS>;
  readonly currentExecutingRequests!: Gauge<typeof PL | typeof FS>;
  readonly currentExecutingSeats!: Gauge<typeof PL | typeof FS>;
  readonly requestWaitDuration!: Histogram<typeof PL | typeof FS | 'execute'>;
  readonly requestExecutionSeconds!: Histogram<typeof PL | typeof FS | 'type'>;
  readonly watchCountSamples!: Histogram<typeof PL | typeof FS>;
  readonly workEstimatedSeats!: Histogram<typeof PL | typeof FS>;
  readonly dispatchNoAccommodation!: Counter<typeof PL | typeof FS>;
  readonly epochAdvance!: Counter<typeof PL | 'success'>;
  readonly currentR!: Gauge<typeof PL>;
  readonly dispatchR!: Gauge<typeof PL>;
  readonly latestS!: Gauge<typeof PL>;
  readonly nextSBounds!: Gauge<typeof PL | 'bound'>;
  readonly nextDiscountedSBounds!: Gauge<typeof PL | 'bound'>;
  readonly nominalLimitSeats!: Gauge<typeof PL>;
  readonly lowerLimitSeats!: Gauge<typeof PL>;
  readonly upperLimitSeats!: Gauge<typeof PL>;
  readonly currentLimitSeats!: Gauge<typeof PL>;
  readonly demandSeatsHighWatermark!: Gauge<typeof PL>;
  readonly demandSeatsAverage!: Gauge<typeof PL>;
  readonly demandSeatsStdev!: Gauge<typeof PL>;
  readonly demandSeatsSmoothed!: Gauge<typeof PL>;
  readonly targetSeats!: Gauge<typeof PL>;
  readonly seatFairFrac!: Gauge;
  readonly requestConcurrencyLimit!: Gauge<typeof PL> | undefined;
  readonly requestConcurrencyInUse!: Gauge<typeof PL | typeof FS> | undefined;

  constructor(registry: Registry, options: ApfMetricsOptions = {}) {
    const factory = metricFactory(registry, () => this.flush());
    Object.assign(this, requestMetrics(factory), fairQueuingMetrics(factory), seatLimitMetrics(factory, options.showHidden ?? false));
  }

  setPriorityLevelConfiguration(priorityLevel: string, nominalCL: number, minCL: number, maxCL: number): void {
    this.requestConcurrencyLimit?.set({ priority_level: priorityLevel }, nominalCL);
    this.nominalLimitSeats.set({ priority_level: priorityLevel }, nominalCL);
    this.lowerLimitSeats.set({ priority_level: priorityLevel }, minCL);
    this.upperLimitSeats.set({ priority_level: priorityLevel }, maxCL);
  }

  notePriorityLevelConcurrencyAdjustment(
    priorityLevel: string,
    hwm: number,
    avg: number,
    stdev: number,
    smoothed: number,
    target: number,
    currentCL: number,
  ): void {
    const l = { priority_level: priorityLevel };
    this.demandSeatsHighWatermark.set(l, hwm);
    this.demandSeatsAverage.set(l, avg);
    this.demandSeatsStdev.set(l, stdev);
    this.demandSeatsSmoothed.set(l, smoothed);
    this.targetSeats.set(l, target);
    this.currentLimitSeats.set(l, currentCL);
  }

  addSeatConcurrencyInUse(priorityLevel: string, flowSchema: string, delta: number): void {
    this.addLater(this.currentExecutingSeats, priorityLevel, flowSchema, delta);
    if (this.requestConcurrencyInUse) this.addLater(this.requestConcurrencyInUse, priorityLevel, flowSchema, delta);
  }

  /** Adds `delta` to the {priority_level, flow_schema} series of a gauge or counter at the next collection. */
  addLater(metric: Gauge<typeof PL | typeof FS> | Counter<typeof PL | typeof FS>, priorityLevel: string, flowSchema: string, delta: number): void {
    let series = this.deltas.get(metric);
    if (!series) this.deltas.set(metric, (series = new Map()));
    const key = `${priorityLevel}\u0000${flowSchema}`;
    const entry = series.get(key);
    if (entry) entry.value += delta;
    else series.set(key, { labels: { priority_level: priorityLevel, flow_schema: flowSchema }, value: delta });
  }

  /** Sets a {priority_level[, bound]} gauge at the next collection (the last value wins). */
  setLater(metric: Gauge<typeof PL> | Gauge<typeof PL | 'bound'>, priorityLevel: string, value: number, bound?: 'min' | 'max'): void {
    let series = this.values.get(metric as Gauge<string>);
    if (!series) this.values.set(metric as Gauge<string>, (series = new Map()));
    const key = bound === undefined ? priorityLevel : `${priorityLevel}\u0000${bound}`;
    const entry = series.get(key);
    if (entry) entry.value = value;
    else series.set(key, { labels: bound === undefined ? { priority_level: priorityLevel } : { priority_level: priorityLevel, bound }, value });
  }

  /** Applies the pending updates (run by every metric's collect hook; cheap when nothing is pending). */
  flush(): void {
    for (const [metric, series] of this.deltas) {
      for (const { labels, value } of series.values()) metric.inc(labels, value);
    }
    this.deltas.clear();
    for (const [metric, series] of this.values) {
      for (const { labels, value } of series.values()) metric.set(labels, value);
    }
    this.values.clear();
  }
}
