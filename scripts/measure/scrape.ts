// Reads per-replica load the way the kind target will: from each kube-apiserver replica's /metrics
// (apiserver_request_total, apiserver_current_inflight_requests, apiserver_request_duration_seconds), never from
// simulator internals. A snapshot is taken before and after the load phase; the difference is the run's load.
import { RestClient, type RestTarget } from '../../sim/kube/restClient.ts';
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

export interface ReplicaTarget extends RestTarget {
  replica: string;
}

export class MetricsScraper {
  private readonly clients: { replica: string; client: RestClient }[];

  constructor(targets: ReplicaTarget[]) {
    this.clients = targets.map((t) => ({ replica: t.replica, client: new RestClient(t, 5_000) }));
  }

  async scrapeAll(): Promise<ReplicaSnapshot[]> {
    return Promise.all(this.clients.map(({ replica, client }) => scrapeOne(replica, client)));
  }

  close(): void {
    for (const { client } of this.clients) client.close();
  }
}

async function scrapeOne(replica: string, client: RestClient): Promise<ReplicaSnapshot> {
  const res = await client.request('GET', '/metrics', undefined, { accept: 'text/plain' });
  if (res.statusCode !== 200) throw new Error(`scraping /metrics of ${replica} failed: HTTP ${res.statusCode} ${res.text.slice(0, 200)}`);
  const metrics = parsePrometheusText(res.text);
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
