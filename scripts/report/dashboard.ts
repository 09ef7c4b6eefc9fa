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

/**
 * Scrapes every replica's /metrics once per interval (the first scrape is the baseline) and keeps the last `history`
 * samples. A restarted process starts its counters at zero: its sample counts what the new process counted
 * (docs/measurement.md).
 */
class DashboardSampler {
  private readonly kept: DashboardSample[] = [];
  private seq = 0;
  private readonly previous = new Map<string, ReplicaSnapshot>();
  private lastAt = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly metrics: MetricsEndpoint[],
    readonly intervalMs: number,
    private readonly history: number,
  ) {}

  /** The baseline scrape, then one per interval. */
  start(): void {
    this.inFlight = this.scrapeOnce()
      .catch(() => undefined)
      .finally(() => this.schedule());
  }

  samples(after = 0): DashboardSample[] {
    return this.kept.filter((s) => s.seq > after);
  }

  /** No more scrapes; waits for one under way. */
  async stop(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.inFlight;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => this.start(), this.intervalMs);
  }

  private async scrapeOnce(): Promise<void> {
    const results = await Promise.allSettled(this.metrics.map(async (m) => snapshotOf(m.replica, await m.scrape())));
    const now = performance.now();
    const elapsedS = Math.max(0.001, (now - this.lastAt) / 1000);
    this.lastAt = now;
    const next = new Map<string, ReplicaSnapshot>();
    const replicas: DashboardReplicaSample[] = [];
    const errors: DashboardSample['errors'] = [];
    results.forEach((r, i) => {
      const name = this.metrics[i]!.replica;
      if (r.status === 'rejected') {
        errors.push({ replica: name, message: (r.reason as Error)?.message ?? String(r.reason) });
        return;
      }
      next.set(name, r.value);
      const before = this.previous.get(name);
      if (before) replicas.push(replicaSample(name, r.value, before, elapsedS)); // the first scrape of a replica is its baseline
    });
    const hadBaseline = this.previous.size > 0;
    for (const [name, snap] of next) this.previous.set(name, snap);
    if (!hadBaseline && errors.length === 0) return;
    this.kept.push({ seq: ++this.seq, at: Date.now(), intervalMs: Math.round(elapsedS * 1000), replicas, errors });
    if (this.kept.length > this.history) this.kept.splice(0, this.kept.length - this.history);
  }
}

/** One replica's rates over the interval since its previous scrape. */
function replicaSample(name: string, snap: ReplicaSnapshot, before: ReplicaSnapshot, elapsedS: number): DashboardReplicaSample {
  const restarted = snap.startTime !== before.startTime || snap.requests < before.requests;
  const delta = restarted ? { ...snap, ...countsDelta(snap, ZERO_COUNTS) } : snapshotDelta(snap, before);
  const tooMany = delta.byCode['429'] ?? 0;
  return {
    replica: name,
    requestsPerSecond: delta.requests / elapsedS,
    inflight: snap.inflight.readOnly + snap.inflight.mutating,
    tooManyRequests: tooMany,
    tooManyRequestsPerSecond: tooMany / elapsedS,
  };
}

/** The page at / and its data at GET /api/samples?after=<seq>; anything else is 404 (405 for a method but GET and HEAD). */
function dashboardServer(html: string, replicaNames: string[], sampler: DashboardSampler): http.Server {
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
      const body = { replicas: replicaNames, intervalMs: sampler.intervalMs, samples: sampler.samples(Number.isFinite(after) ? after : 0) };
      res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('not found\n');
  });
  server.keepAliveTimeout = 5000;
  return server;
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const intervalMs = options.intervalMs ?? 1000;
  const sampler = new DashboardSampler(options.metrics, intervalMs, options.history ?? 600);
  const replicaNames = options.metrics.map((m) => m.replica);
  const html = dashboardPage(options.title ?? 'apiserver-l7-testbed: live load per replica', options.subtitle ?? '', replicaNames, intervalMs);
  const server = dashboardServer(html, replicaNames, sampler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, DASHBOARD_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  sampler.start();
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  return {
    url: `http://${DASHBOARD_HOST}:${port}/`,
    port,
    samples: () => sampler.samples(),
    async close() {
      if (closed) return;
      closed = true;
      await sampler.stop();
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
