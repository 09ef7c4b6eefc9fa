// One mode of a scenario on a fresh cluster, in steps: plan it, start it on the target, admit the client pods through
// the webhook and warm them up (setUpMode), run the open-loop load while sampling every replica's /metrics
// (measureLoad), and turn what was measured into per-replica load, fairness, latency and conservation
// (modeResult.ts). The runner only talks to the Target (scripts/targets/target.ts).
import type { ClientRunResult } from '../../sim/clients/types.ts';
import type { ModeName, Scenario } from '../../scenarios/schema.ts';
import { MODES } from '../cluster/modes.ts';
import { planCluster } from '../cluster/plan.ts';
import { PerSecondSampler, type SamplerResult } from '../measure/sampler.ts';
import { MetricsScraper, type ReplicaSnapshot } from '../measure/scrape.ts';
import type { ClientFleet, ComponentHealth, NetworkStats, PodAdmission, RunningCluster, Target } from '../targets/target.ts';
import { buildModeResult } from './modeResult.ts';
import { pollUntilSettled } from './poll.ts';
import type { ModeResult } from './results.ts';

export interface RunModeOptions {
  scenario: Scenario;
  mode: ModeName;
  randomSeed: number;
  target: Target;
  onProgress?: (message: string) => void;
  onEvent?: (component: string, event: string, data: unknown) => void;
  /** Registers the cluster's clean-up for Ctrl-C; returns the unregister function. */
  registerCleanup?: (cleanup: () => Promise<void>) => () => void;
}

export async function runMode(options: RunModeOptions): Promise<ModeResult> {
  const { scenario, target } = options;
  const mode = MODES[options.mode];
  const progress = options.onProgress ?? (() => undefined);
  progress(`${mode.name}: starting the cluster (${target.name})`);
  const plan = planCluster(scenario.topology, mode, options.randomSeed, { clientGroups: scenario.clients });
  const cluster = await target.start(plan, { onEvent: options.onEvent });
  const unregister = options.registerCleanup?.(() => cluster.close());
  try {
    const setUp = await setUpMode(cluster, scenario, progress);
    try {
      const measured = await measureLoad(cluster, setUp.fleet, scenario, progress);
      return buildModeResult({ scenario, randomSeed: options.randomSeed, mode, startupMs: cluster.startupMs, admission: setUp.admission, ...measured });
    } finally {
      await setUp.fleet.close();
    }
  } finally {
    progress(`${mode.name}: tearing down`);
    unregister?.();
    await cluster.close();
  }
}

async function setUpMode(cluster: RunningCluster, scenario: Scenario, progress: (m: string) => void): Promise<{ admission: PodAdmission; fleet: ClientFleet }> {
  const mode = cluster.plan.mode.name;
  progress(
    `${mode}: cluster up in ${Math.round(cluster.startupMs)} ms; admitting ${scenario.clients.reduce((s, g) => s + g.count, 0)} client pods through the webhook`,
  );
  const admission = await cluster.admitClientPods(scenario.clients);
  const fleet = await cluster.startClients(admission.admitted);
  progress(`${mode}: warming up (clients create their objects and connect)`);
  await fleet.prepare();
  return { admission, fleet };
}

export interface LoadMeasurement {
  before: ReplicaSnapshot[];
  after: ReplicaSnapshot[];
  sampled: SamplerResult;
  clientResults: ClientRunResult[];
  loadPhaseMs: number;
  network: NetworkStats;
  health: ComponentHealth[];
}

async function measureLoad(cluster: RunningCluster, fleet: ClientFleet, scenario: Scenario, progress: (m: string) => void): Promise<LoadMeasurement> {
  const scraper = new MetricsScraper(cluster.replicaMetrics());
  const before = await scraper.scrapeAll();
  const sampler = new PerSecondSampler(scraper, before);
  await cluster.componentHealth(true);
  sampler.start();
  progress(`${cluster.plan.mode.name}: load phase ${scenario.duration / 1000} s`);
  const loadStarted = performance.now();
  const clientResults = await fleet.run({ durationMs: scenario.duration, maxRequests: scenario.maxRequests });
  const loadPhaseMs = performance.now() - loadStarted;
  const health = await cluster.componentHealth();
  const answered = clientResults.reduce((s, r) => s + Object.values(r.answeredByCode).reduce((a, b) => a + b, 0), 0);
  const after = await settledSnapshot(scraper, before, answered);
  const sampled = await sampler.stop(after);
  return { before, after, sampled, clientResults, loadPhaseMs, network: await cluster.networkStats(), health };
}

/**
 * kube-apiserver records a WATCH in apiserver_request_total when the watch ends, which is a moment after the client
 * cancelled it: scrape until the counters match what the clients saw, or stop moving, within about 2 s.
 */
function settledSnapshot(scraper: MetricsScraper, before: ReplicaSnapshot[], clientAnswered: number): Promise<ReplicaSnapshot[]> {
  const counted = (snapshots: ReplicaSnapshot[]) => snapshots.reduce((s, snap, k) => s + snap.requests - before[k]!.requests, 0);
  return pollUntilSettled(
    () => scraper.scrapeAll(),
    (a, b) => a.every((snap, k) => snap.requests === b[k]!.requests),
    {
      timeoutMs: 2000,
      intervalMs: 100,
      stableReads: 5,
      done: (snapshots) => counted(snapshots) === clientAnswered,
    },
  );
}
