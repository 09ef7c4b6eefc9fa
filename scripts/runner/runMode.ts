// One mode of a scenario on a fresh cluster, in steps: plan it and start it on the target; admit the client pods
// through the webhook and warm them up (ClientFleets.setUp); run the load phase, with the timeline's events and the
// per-second sampling of every replica's /metrics (measureLoad); turn what was measured into the mode's result
// (modeResult.ts). The runner only talks to the Target (scripts/targets/target.ts).
import type { ModeName, Scenario } from '../../scenarios/schema.ts';
import { MODES } from '../cluster/modes.ts';
import { planCluster } from '../cluster/plan.ts';
import { LoadSampler, type BucketSample } from '../measure/loadSampler.ts';
import type { RunningCluster, Target } from '../targets/target.ts';
import { ClientFleets } from './clientFleets.ts';
import type { LiveSample } from './liveSample.ts';
import { buildModeResult, type LoadMeasurement } from './modeResult.ts';
import type { ModeResult, AppliedEvent } from './results.ts';
import { openHealthWindow } from './selfCheck.ts';
import { TimelineRunner } from './timeline.ts';

export interface RunModeOptions {
  scenario: Scenario;
  mode: ModeName;
  randomSeed: number;
  target: Target;
  onProgress?: (message: string) => void;
  onEvent?: (component: string, event: string, data: unknown) => void;
  /** Once per second of the load phase, for live displays. */
  onSample?: (sample: LiveSample) => void;
  /** Each timeline event once it has been applied. */
  onEventApplied?: (mode: ModeName, event: AppliedEvent) => void;
  /** Registers the cluster's clean-up for Ctrl-C, with how long it may take; returns the unregister function. */
  registerCleanup?: (cleanup: () => Promise<void>, graceMs?: number) => () => void;
}

export async function runMode(options: RunModeOptions): Promise<ModeResult> {
  const { scenario, target } = options;
  const mode = MODES[options.mode];
  const progress = options.onProgress ?? (() => undefined);
  progress(`${mode.name}: starting the cluster (${target.name})`);
  const plan = planCluster(scenario.topology, mode, options.randomSeed, { clientGroups: scenario.clients });
  const cluster = await target.start(plan, { onEvent: options.onEvent, registerCleanup: options.registerCleanup });
  const unregister = options.registerCleanup?.(() => cluster.close(), cluster.closeTimeoutMs);
  try {
    const fleets = new ClientFleets(cluster, scenario);
    try {
      const initialPods = scenario.clients.filter((g) => !g.startStopped).reduce((s, g) => s + g.count, 0);
      progress(`${mode.name}: cluster up in ${Math.round(cluster.startupMs)} ms; admitting ${initialPods} client pods through the webhook and warming them up`);
      await fleets.setUp();
      const measured = await measureLoad(cluster, fleets, options, progress);
      return buildModeResult({ scenario, randomSeed: options.randomSeed, mode, startupMs: cluster.startupMs, ...measured });
    } finally {
      await fleets.close();
    }
  } finally {
    progress(`${mode.name}: tearing down`);
    unregister?.();
    await cluster.close();
  }
}

async function measureLoad(cluster: RunningCluster, fleets: ClientFleets, options: RunModeOptions, progress: (m: string) => void): Promise<LoadMeasurement> {
  const { scenario } = options;
  const mode = cluster.plan.mode.name;
  let timeline: TimelineRunner | undefined;
  let loadStartedAt = 0;
  const sampler = new LoadSampler(cluster, {
    onBucket: options.onSample
      ? (bucket) => options.onSample!(liveSample(mode, bucket, performance.now() - loadStartedAt, scenario.duration, timeline))
      : undefined,
  });
  const readHealth = await openHealthWindow(cluster);
  await sampler.begin();
  progress(`${mode}: load phase ${scenario.duration / 1000} s${scenario.events.length > 0 ? `, ${scenario.events.length} timeline events` : ''}`);
  loadStartedAt = performance.now();
  sampler.start();
  fleets.runInitial(scenario.duration);
  timeline = new TimelineRunner(scenario.events, {
    cluster,
    fleets,
    sampler,
    loadStartedAt,
    durationMs: scenario.duration,
    onApplied: (event) => {
      progress(`${mode}: ${event.name} at ${(event.startedAtMs / 1000).toFixed(1)} s: ${event.detail}`);
      options.onEventApplied?.(mode, event);
    },
  });
  timeline.start();
  try {
    const events = await timeline.finish();
    const clients = await fleets.results();
    const loadPhaseMs = performance.now() - loadStartedAt;
    const health = await readHealth();
    const answered = clients.clientResults.reduce((s, r) => s + Object.values(r.answeredByCode).reduce((a, b) => a + b, 0), 0) + clients.warmUpAnswered;
    const samples = await sampler.finish({ expectedRequests: answered });
    return {
      samples,
      clientResults: clients.clientResults,
      warmUpAnswered: clients.warmUpAnswered,
      warmUpFailed: clients.warmUpFailed,
      rejected: clients.rejected,
      events,
      loadPhaseMs,
      network: await cluster.networkStats(),
      health,
    };
  } catch (error) {
    timeline.cancel();
    sampler.abort();
    throw error;
  }
}

function liveSample(mode: string, bucket: BucketSample, elapsedMs: number, totalMs: number, timeline: TimelineRunner | undefined): LiveSample {
  // The control plane under test only: its split is what the live views show (neighbours are in the results).
  const replicas = bucket.replicas
    .filter((r) => r.controlPlane === undefined)
    .map((r) => ({ replica: r.replica, requestsPerSecond: r.requests, tooManyRequests: r.tooManyRequests }));
  return {
    mode,
    elapsedMs,
    totalMs,
    requestsPerSecond: replicas.reduce((s, r) => s + r.requestsPerSecond, 0),
    replicas,
    events: timeline?.appliedNames() ?? [],
  };
}
