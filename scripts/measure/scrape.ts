// Reads per-replica load the same way on every target: from each kube-apiserver replica's /metrics
// (apiserver_request_total, apiserver_current_inflight_requests, apiserver_request_duration_seconds), never from
// simulator internals. A snapshot is taken before and after the load phase; the difference is the run's load.
import type { MetricsEndpoint } from '../targets/target.ts';
import { histogramBuckets, parsePrometheusText, sumBy, sumOf } from './promText.ts';
import { subtractBuckets } from './histogramQuantile.ts';

export interface ReplicaSnapshot {
  replica: string;
  at: number;
  requests: number;
  byCode: Record<string, number>;
  byVerb: Record<string, number>;
  /**
   * Cumulative apiserver_request_duration_seconds buckets (le seconds → count) over every series except long-running
   * verbs: a WATCH's duration is how long it stayed open, so latency queries exclude verb=~"WATCH|CONNECT" as the
   * kube-apiserver SLO dashboards do.
   */
  durationBuckets: Map<number, number>;
  inflight: { readOnly: number; mutating: number };
}

export class MetricsScraper {
  constructor(private readonly endpoints: MetricsEndpoint[]) {}

  async scrapeAll(): Promise<ReplicaSnapshot[]> {
    return Promise.all(this.endpoints.map(async (endpoint) => snapshotOf(endpoint.replica, await endpoint.scrape())));
  }
}

/** The numbers of one /metrics text that the measurement uses. */
export function snapshotOf(replica: string, text: string): ReplicaSnapshot {
  const metrics = parsePrometheusText(text);
  return {
    replica,
    at: Date.now(),
    requests: sumOf(metrics, 'apiserver_request_total'),
    byCode: sumBy(metrics, 'apiserver_request_total', 'code'),
    byVerb: sumBy(metrics, 'apiserver_request_total', 'verb'),
    durationBuckets: histogramBuckets(metrics, 'apiserver_request_duration_seconds', isNotLongRunning),
    inflight: {
      readOnly: sumOf(metrics, 'apiserver_current_inflight_requests', { request_kind: 'readOnly' }),
      mutating: sumOf(metrics, 'apiserver_current_inflight_requests', { request_kind: 'mutating' }),
    },
  };
}

/** Series of requests that answer and end (not WATCH or CONNECT, whose duration is how long they stayed open). */
export function isNotLongRunning(labels: Record<string, string>): boolean {
  return labels.verb !== 'WATCH' && labels.verb !== 'CONNECT';
}

function subtractRecord(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const delta = value - (before[key] ?? 0);
    if (delta !== 0) out[key] = delta;
  }
  return out;
}

/** What happened on one replica between two snapshots. */
export function snapshotDelta(after: ReplicaSnapshot, before: ReplicaSnapshot): ReplicaSnapshot {
  return {
    replica: after.replica,
    at: after.at,
    requests: after.requests - before.requests,
    byCode: subtractRecord(after.byCode, before.byCode),
    byVerb: subtractRecord(after.byVerb, before.byVerb),
    durationBuckets: subtractBuckets(after.durationBuckets, before.durationBuckets),
    inflight: after.inflight,
  };
}
