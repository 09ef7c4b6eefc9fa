// Runs one mode of a scenario on a fresh simulated cluster: start the cluster, admit client pods through the
// webhook, warm up, snapshot every replica's /metrics, run the open-loop load, snapshot again, and turn the
// difference into per-replica load, fairness, latency and the conservation check.
import { startSimulatedCluster, type SimulatedCluster } from '../../sim/cluster.ts';
import { MODES } from '../../sim/modes.ts';
import type { ComponentEventListener } from '../../sim/runtime/component.ts';
import type { ClientRunResult } from '../../sim/clients/types.ts';
import type { ModeName, Scenario } from '../../scenarios/schema.ts';
import { fairnessOf, hotClientMaxOverMean } from '../measure/fairness.ts';
import { histogramQuantile } from '../measure/histogramQuantile.ts';
import { mergeEncodedHistograms } from '../measure/latency.ts';
import { PerSecondSampler } from '../measure/sampler.ts';
import { MetricsScraper, snapshotDelta, type ReplicaSnapshot } from '../measure/scrape.ts';
import type { ClientGroupResult, ModeResult, ReplicaResult } from './results.ts';

export interface RunModeOptions {
  scenario: Scenario;
  mode: ModeName;
  seed: number;
  onProgress?: (message: string) => void;
  onEvent?: ComponentEventListener;
  /** Client worker threads (default: 1 per 100 pods, at least 1). */
  clientWorkers?: number;
  /** Registers the cluster's clean-up for Ctrl-C; returns the unregister function. */
  registerCleanup?: (cleanup: () => Promise<void>) => () => void;
}

export async function runMode(options: RunModeOptions): Promise<ModeResult> {
  const { scenario, seed } = options;
  const mode = MODES[options.mode];
  const progress = options.onProgress ?? (() => undefined);
  progress(`${mode.name}: starting the simulated cluster`);
  const cluster = await startSimulatedCluster({ seed, topology: scenario.topology, mode, clientGroups: scenario.clients, onEvent: options.onEvent });
  const unregister = options.registerCleanup?.(() => cluster.close());
  try {
    return await measure(cluster, options, progress);
  } finally {
    progress(`${mode.name}: tearing down`);
    unregister?.();
    await cluster.close();
  }
}

async function measure(cluster: SimulatedCluster, options: RunModeOptions, progress: (m: string) => void): Promise<ModeResult> {
  const { scenario, seed } = options;
  const mode = cluster.mode;
  progress(`${mode.name}: cluster up in ${Math.round(cluster.startupMs)} ms; admitting ${scenario.clients.reduce((s, g) => s + g.count, 0)} client pods through the webhook`);
  const pods = await cluster.admitClientPods(scenario.clients);
  const workers = options.clientWorkers ?? Math.max(1, Math.ceil(pods.length / 100));
  const clients = await cluster.startClients(pods, workers);
  progress(`${mode.name}: warming up (clients create their objects and connect)`);
  await Promise.all(clients.map((c) => c.call('prepare')));

  const scraper = new MetricsScraper(cluster.replicas.map((r) => ({ ...cluster.shootAdmin, replica: r.name, server: `https://${r.ip}:${r.port}` })));
  try {
    const before = await scraper.scrapeAll();
    const sampler = new PerSecondSampler(scraper, before);
    sampler.start();
    progress(`${mode.name}: load phase ${scenario.duration / 1000} s`);
    const loadStarted = performance.now();
    const perWorker = await Promise.all(clients.map((c) => c.call<ClientRunResult[]>('run', { durationMs: scenario.duration, maxRequests: Math.ceil(scenario.maxRequests / clients.length) })));
    const loadPhaseMs = performance.now() - loadStarted;
    const clientResults = perWorker.flat();
    const answered = clientResults.reduce((s, r) => s + sumValues(r.answeredByCode), 0);
    const after = await settledSnapshot(scraper, before, answered);
    const sampled = await sampler.stop(after);
    const network = await cluster.networkStats();
    return buildModeResult({ scenario, seed, cluster, before, after, sampled, clientResults, loadPhaseMs, network });
  } finally {
    scraper.close();
  }
}

/**
 * kube-apiserver records a WATCH in apiserver_request_total when the watch ends, which is a moment after the
 * client cancelled it; scrape until the counters stop moving (or match what clients saw), at most ~2 s.
 */
async function settledSnapshot(scraper: MetricsScraper, before: ReplicaSnapshot[], clientAnswered: number): Promise<ReplicaSnapshot[]> {
  let last = await scraper.scrapeAll();
  for (let i = 0; i < 20; i++) {
    const counted = last.reduce((s, snap, k) => s + snap.requests - before[k]!.requests, 0);
    if (counted === clientAnswered) return last;
    await new Promise((r) => setTimeout(r, 100));
    const next = await scraper.scrapeAll();
    const moved = next.some((snap, k) => snap.requests !== last[k]!.requests);
    last = next;
    if (!moved && i >= 5) return last;
  }
  return last;
}

interface BuildInput {
  scenario: Scenario;
  seed: number;
  cluster: SimulatedCluster;
  before: ReplicaSnapshot[];
  after: ReplicaSnapshot[];
  sampled: { perSecond: Record<string, number[]>; inflightPeak: Record<string, number> };
  clientResults: ClientRunResult[];
  loadPhaseMs: number;
  network: Record<string, unknown>;
}

function buildModeResult(input: BuildInput): ModeResult {
  const { scenario, cluster, clientResults, loadPhaseMs } = input;
  const deltas = input.after.map((snap, i) => snapshotDelta(snap, input.before[i]!));
  const total = deltas.reduce((s, d) => s + d.requests, 0);
  const replicas: ReplicaResult[] = deltas.map((d) => ({
    replica: d.replica,
    requests: d.requests,
    share: total > 0 ? d.requests / total : NaN,
    requestsPerSecond: d.requests / (loadPhaseMs / 1000),
    inflightPeak: input.sampled.inflightPeak[d.replica] ?? 0,
    tooManyRequests: d.byCode['429'] ?? 0,
    byCode: d.byCode,
    byVerb: d.byVerb,
    p50Ms: histogramQuantile(0.5, d.durationBuckets) * 1000,
    p99Ms: histogramQuantile(0.99, d.durationBuckets) * 1000,
    perSecond: input.sampled.perSecond[d.replica] ?? [],
  }));

  const groups = groupResults(scenario, clientResults);
  const clientAnswered = clientResults.reduce((s, r) => s + sumValues(r.answeredByCode), 0);
  const inDoubt = clientResults.reduce((s, r) => s + r.inDoubt, 0);
  const attempts = clientResults.reduce((s, r) => s + r.attempts, 0);
  const failures = clientResults.reduce((s, r) => s + sumValues(r.errors) + sumValues(r.gatewayByCode), 0);

  const offered = scenario.clients.flatMap((g) => Array.from({ length: g.count }, () => g.rate));
  const offeredTotal = offered.reduce((a, b) => a + b, 0);
  const heavyShare = offeredTotal > 0 ? Math.max(...offered) / offeredTotal : 0;

  return {
    mode: cluster.mode.name,
    summary: cluster.mode.summary,
    seed: input.seed,
    loadPhaseMs,
    replicas,
    fairness: fairnessOf(replicas.map((r) => r.requests)),
    perSecondMaxOverMean: perSecondImbalance(replicas.map((r) => r.perSecond)),
    theory: {
      heavyShare,
      hotClientMaxOverMean: hotClientMaxOverMean(heavyShare, replicas.length),
      note: 'L4 best case for the busiest client pod with offered share h, the rest perfectly spread (anchors.md D.3(b)); L7 expects ~1.0',
    },
    clients: groups,
    latency: mergeEncodedHistograms(clientResults.map((r) => r.latencyHistogram)),
    errorRate: attempts > 0 ? failures / attempts : 0,
    conservation: { clientAnswered, replicaCounted: total, inDoubt, ok: inDoubt === 0 ? clientAnswered === total : Math.abs(clientAnswered - total) <= inDoubt },
    network: input.network,
    startupMs: cluster.startupMs,
  };
}

function groupResults(scenario: Scenario, results: ClientRunResult[]): ClientGroupResult[] {
  return scenario.clients.map((group) => {
    const mine = results.filter((r) => r.group === group.name);
    const merge = (pick: (r: ClientRunResult) => Record<string, number>) => {
      const out: Record<string, number> = {};
      for (const r of mine) for (const [k, v] of Object.entries(pick(r))) out[k] = (out[k] ?? 0) + v;
      return out;
    };
    const answeredByCode = merge((r) => r.answeredByCode);
    return {
      group: group.name,
      pods: mine.length,
      profile: group.profile,
      attempts: mine.reduce((s, r) => s + r.attempts, 0),
      answered: sumValues(answeredByCode),
      gatewayResponses: sumValues(merge((r) => r.gatewayByCode)),
      errors: merge((r) => r.errors),
      retries: merge((r) => r.retries),
      connectionsOpened: mine.reduce((s, r) => s + r.connections.opened, 0),
      goawaysReceived: mine.reduce((s, r) => s + r.connections.goawaysReceived, 0),
      latency: mergeEncodedHistograms(mine.map((r) => r.latencyHistogram)),
      answeredByCode,
    };
  });
}

/** Mean over 1 s intervals (with traffic) of that interval's max/mean: instantaneous imbalance, which goaway hides. */
function perSecondImbalance(series: number[][]): number {
  const length = Math.min(...series.map((s) => s.length));
  const ratios: number[] = [];
  for (let t = 0; t < length; t++) {
    const f = fairnessOf(series.map((s) => s[t]!));
    if (f.total > 0 && Number.isFinite(f.maxOverMean)) ratios.push(f.maxOverMean);
  }
  return ratios.length > 0 ? ratios.reduce((a, b) => a + b, 0) / ratios.length : NaN;
}

function sumValues(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}
