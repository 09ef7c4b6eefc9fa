// The live dashboard of `npm run sim` (docs/report.md#live-dashboard): an HTTP server on 127.0.0.1 only that scrapes
// every replica's /metrics once a second, with the runner's parsing (scripts/measure/scrape.ts snapshotOf and
// snapshotDelta), and serves a self-contained page (uPlot inlined) that polls GET /api/samples for per-replica
// request rate, inflight and 429s. The metrics source is a seam: any MetricsEndpoint[] (a Target's replicaMetrics(),
// or a fake in tests). close() stops the sampler, waits for a scrape under way and closes every connection.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsEndpoint } from '../targets/target.ts';
import { snapshotDelta, snapshotOf, ZERO_COUNTS, countsDelta, type ReplicaSnapshot } from '../measure/scrape.ts';
import { esc, page, replicaColours } from './html.ts';

export interface DashboardReplicaSample {
  replica: string;
  /** Requests (apiserver_request_total, all codes) per second over the last interval. */
  requestsPerSecond: number;
  /** apiserver_current_inflight_requests (readOnly + mutating) at the scrape. */
  inflight: number;
  /** Responses with code 429 in the last interval, and per second. */
  tooManyRequests: number;
  tooManyRequestsPerSecond: number;
}

export interface DashboardSample {
  /** Increasing from 1; GET /api/samples?after=<seq> returns the newer ones. */
  seq: number;
  /** Wall clock of the scrape (ms since the epoch). */
  at: number;
  intervalMs: number;
  replicas: DashboardReplicaSample[];
  /** Replicas whose scrape failed this time, with the reason. */
  errors: { replica: string; message: string }[];
}

export interface DashboardOptions {
  /** Where the numbers come from: each replica's /metrics text. */
  metrics: MetricsEndpoint[];
  /** 0 (default) picks a free port. The server always binds 127.0.0.1. */
  port?: number;
  intervalMs?: number;
  /** Samples kept for the page (default 600: ten minutes at 1 s). */
  history?: number;
  title?: string;
  /** Shown under the title (mode, addresses). */
  subtitle?: string;
}

export interface Dashboard {
  url: string;
  port: number;
  samples(): DashboardSample[];
  close(): Promise<void>;
}

export const DASHBOARD_HOST = '127.0.0.1';

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const intervalMs = options.intervalMs ?? 1000;
  const history = options.history ?? 600;
  const samples: DashboardSample[] = [];
  let seq = 0;
  const previous = new Map<string, ReplicaSnapshot>();
  let lastAt = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let closed = false;
  const replicaNames = options.metrics.map((m) => m.replica);

  const scrapeOnce = async (): Promise<void> => {
    const results = await Promise.allSettled(options.metrics.map(async (m) => snapshotOf(m.replica, await m.scrape())));
    const now = performance.now();
    const elapsedS = Math.max(0.001, (now - lastAt) / 1000);
    lastAt = now;
    const next = new Map<string, ReplicaSnapshot>();
    const replicas: DashboardReplicaSample[] = [];
    const errors: DashboardSample['errors'] = [];
    results.forEach((r, i) => {
      const name = replicaNames[i]!;
      if (r.status === 'rejected') {
        errors.push({ replica: name, message: (r.reason as Error)?.message ?? String(r.reason) });
        return;
      }
      const snap = r.value;
      next.set(name, snap);
      const before = previous.get(name);
      if (!before) return; // the first scrape of a replica is its baseline
      // A restarted process starts its counters at zero: count what the new process counted (docs/measurement.md).
      const restarted = snap.startTime !== before.startTime || snap.requests < before.requests;
      const delta = restarted ? { ...snap, ...countsDelta(snap, ZERO_COUNTS) } : snapshotDelta(snap, before);
      const tooMany = delta.byCode['429'] ?? 0;
      replicas.push({
        replica: name,
        requestsPerSecond: delta.requests / elapsedS,
        inflight: snap.inflight.readOnly + snap.inflight.mutating,
        tooManyRequests: tooMany,
        tooManyRequestsPerSecond: tooMany / elapsedS,
      });
    });
    const hadBaseline = previous.size > 0;
    for (const [name, snap] of next) previous.set(name, snap);
    if (!hadBaseline && errors.length === 0) return;
    samples.push({ seq: ++seq, at: Date.now(), intervalMs: Math.round(elapsedS * 1000), replicas, errors });
    if (samples.length > history) samples.splice(0, samples.length - history);
  };

  const schedule = () => {
    if (closed) return;
    timer = setTimeout(() => {
      inFlight = scrapeOnce()
        .catch(() => undefined)
        .finally(schedule);
    }, intervalMs);
  };

  const html = dashboardPage(options.title ?? 'apiserver-l7-testbed: live load per replica', options.subtitle ?? '', replicaNames, intervalMs);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${DASHBOARD_HOST}`);
    const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    if (url.pathname === '/api/samples') {
      const after = Number(url.searchParams.get('after') ?? 0);
      const body = { replicas: replicaNames, intervalMs, samples: samples.filter((s) => s.seq > (Number.isFinite(after) ? after : 0)) };
      res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('not found\n');
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, DASHBOARD_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The baseline scrape, then one per interval.
  inFlight = scrapeOnce()
    .catch(() => undefined)
    .finally(schedule);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${DASHBOARD_HOST}:${port}/`,
    port,
    samples: () => [...samples],
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      await inFlight;
      clearTimeout(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

let dashboardScript: string | undefined;

function dashboardPage(title: string, subtitle: string, replicas: string[], intervalMs: number): string {
  dashboardScript ??= fs.readFileSync(new URL('./assets/dashboard.js', import.meta.url), 'utf8');
  const body = `<header><h1>${esc(title)}</h1>
<p class="muted small">${esc(subtitle)}${subtitle ? ' · ' : ''}from each replica's /metrics every ${intervalMs / 1000} s (apiserver_request_total, apiserver_current_inflight_requests) · bound to 127.0.0.1</p>
<p id="status" class="small">waiting for the first samples…</p></header>
<div id="legend" class="legend"></div>
<div class="grid" style="grid-template-columns: repeat(auto-fit, minmax(380px, 1fr))">
<div class="card"><h3>Requests per second per replica</h3><div class="chart" id="chart-rate"></div></div>
<div class="card"><h3>Inflight requests per replica</h3><div class="chart" id="chart-inflight"></div></div>
<div class="card"><h3>429s per second per replica</h3><div class="chart" id="chart-429"></div></div>
<div class="card"><h3>Now</h3><div id="now"><p class="na">n/a: no sample yet</p></div></div>
</div>`;
  return page({ title, body, data: { replicas, colours: Object.fromEntries(replicaColours(replicas)), intervalMs }, script: dashboardScript });
}
