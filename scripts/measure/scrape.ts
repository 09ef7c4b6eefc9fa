// Reads per-replica load the same way on every target: from each kube-apiserver replica's /metrics
// (apiserver_request_total, apiserver_current_inflight_requests, apiserver_request_duration_seconds,
// process_start_time_seconds), never from simulator internals. The counters only grow within one process; the load
// of a run is the sum of their increases (scripts/measure/loadSampler.ts), with restarts accounted for.
import type { MetricsEndpoint } from '../targets/target.ts';
import { histogramBuckets, parsePrometheusText, sumBy, sumOf, type ParsedMetrics } from './promText.ts';
import { subtractBuckets } from './histogramQuantile.ts';

/** The counters of one replica process that the measurement adds up. */
export interface ReplicaCounts {
  requests: number;
  byCode: Record<string, number>;
  byVerb: Record<string, number>;
  /**
   * Cumulative apiserver_request_duration_seconds buckets (le seconds → count) over every series except long-running
   * verbs: a WATCH's duration is how long it stayed open, so latency queries exclude verb=~"WATCH|CONNECT" as the
   * kube-apiserver SLO dashboards do.
   */
  durationBuckets: Map<number, number>;
}

export interface ReplicaSnapshot extends ReplicaCounts {
  replica: string;
  at: number;
  /** process_start_time_seconds: which process the counters belong to (0 when the replica does not export it). */
  startTime: number;
  inflight: { readOnly: number; mutating: number };
  /** apiserver_request_total as exported, all of it: the counter whose decrease means a reset (Prometheus' rule). */
  counterTotal: number;
  /** Everything the replica exported, for readers of other series (API Priority and Fairness). */
  metrics: ParsedMetrics;
}

export const ZERO_COUNTS: ReplicaCounts = { requests: 0, byCode: {}, byVerb: {}, durationBuckets: new Map() };

export class MetricsScraper {
  constructor(private readonly endpoints: MetricsEndpoint[]) {}

  /** Every replica read at the same moment, then parsed one per event-loop turn (onePerTurn). */
  async scrapeAll(): Promise<ReplicaSnapshot[]> {
    const texts = await Promise.all(this.endpoints.map((endpoint) => endpoint.scrape()));
    return onePerTurn(this.endpoints, (endpoint, i) => snapshotOf(endpoint.replica, texts[i]!, { excludeExempt: endpoint.excludeExempt }));
  }
}

/**
 * `parse` applied to each item on an event-loop turn of its own, so that many replicas' /metrics (a few ms of parsing
 * each) do not hold the reading thread, which also runs the seed kube-apiserver and the timeline, for their sum: the
 * self-check's runner line measured 55-117 ms event-loop p99 with 8 control planes parsed back to back, 31 ms so.
 */
export async function onePerTurn<T, R>(items: readonly T[], parse: (item: T, index: number) => R): Promise<R[]> {
  const out: R[] = [];
  for (const [index, item] of items.entries()) {
    if (items.length > 1) await new Promise<void>((resolve) => setImmediate(resolve));
    out.push(parse(item, index));
  }
  return out;
}

/** The numbers of one /metrics text that the measurement uses. */
export function snapshotOf(replica: string, text: string, options: { excludeExempt?: boolean } = {}): ReplicaSnapshot {
  const metrics = parsePrometheusText(text);
  // A real kube-apiserver counts its own loopback requests (identity lease, endpoint reconciler), the probes and these
  // scrapes too; all of them run at APF's exempt priority level, which no client group of a scenario reaches
  // (docs/measurement.md#conservation). Left out where the target says so.
  const exempt = options.excludeExempt ? sumOf(metrics, 'apiserver_flowcontrol_dispatched_requests_total', { priority_level: 'exempt' }) : 0;
  return {
    replica,
    at: Date.now(),
    startTime: sumOf(metrics, 'process_start_time_seconds'),
    requests: sumOf(metrics, 'apiserver_request_total') - exempt,
    counterTotal: sumOf(metrics, 'apiserver_request_total'),
    byCode: sumBy(metrics, 'apiserver_request_total', 'code'),
    byVerb: sumBy(metrics, 'apiserver_request_total', 'verb'),
    durationBuckets: histogramBuckets(metrics, 'apiserver_request_duration_seconds', isNotLongRunning),
    inflight: {
      readOnly: sumOf(metrics, 'apiserver_current_inflight_requests', { request_kind: 'readOnly' }),
      mutating: sumOf(metrics, 'apiserver_current_inflight_requests', { request_kind: 'mutating' }),
    },
    metrics,
  };
}

/** Series of requests that answer and end (not WATCH or CONNECT, whose duration is how long they stayed open). */
export function isNotLongRunning(labels: Record<string, string>): boolean {
  return labels.verb !== 'WATCH' && labels.verb !== 'CONNECT';
}

function combineRecords(a: Record<string, number>, b: Record<string, number>, sign: 1 | -1): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const next = (out[key] ?? 0) + sign * value;
    if (next === 0) delete out[key];
    else out[key] = next;
  }
  return out;
}

/** What one process counted between two of its snapshots (after − before). */
export function countsDelta(after: ReplicaCounts, before: ReplicaCounts): ReplicaCounts {
  return {
    requests: after.requests - before.requests,
    byCode: combineRecords(after.byCode, before.byCode, -1),
    byVerb: combineRecords(after.byVerb, before.byVerb, -1),
    durationBuckets: subtractBuckets(after.durationBuckets, before.durationBuckets),
  };
}

export function addCounts(a: ReplicaCounts, b: ReplicaCounts): ReplicaCounts {
  const buckets = new Map(a.durationBuckets);
  for (const [bound, count] of b.durationBuckets) buckets.set(bound, (buckets.get(bound) ?? 0) + count);
  return {
    requests: a.requests + b.requests,
    byCode: combineRecords(a.byCode, b.byCode, 1),
    byVerb: combineRecords(a.byVerb, b.byVerb, 1),
    durationBuckets: buckets,
  };
}

/** What happened on one replica between two snapshots of the same process. */
export function snapshotDelta(after: ReplicaSnapshot, before: ReplicaSnapshot): ReplicaSnapshot {
  return { ...after, ...countsDelta(after, before) };
}
