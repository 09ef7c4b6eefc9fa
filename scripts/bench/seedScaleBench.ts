// How many control planes one simulated seed holds on this machine (docs/performance.md#seed-scale): one local cluster
// per point, N = 1, 5, 10, 20, 50, 100 control planes of 3 replicas each (the one under test and a set of N-1
// neighbours, docs/scenarios.md#many-control-planes) behind 2 gateway pods, l7 mode, 30 client-go pods per control
// plane (the issue's goal: 50 control planes and 1,500 pods). Per point: the cluster's start-up, the admission and
// warm-up of every pod through the webhook, the process RSS (every component is a worker thread of this process),
// then a ladder of total offered rates split evenly over the pods, a few seconds each, each judged by the runner's
// self-check and by whether the replicas answered what was offered (scaleBench.ts stepOf). The ladder stops at the
// first step that is not clean; the gateway's connections are read after the last clean step. Every step is bounded
// in time and requests; the cluster is torn down after each point, on failure and on Ctrl-C.
import os from 'node:os';
import { Scenario } from '../../scenarios/schema.ts';
import { MODES } from '../cluster/modes.ts';
import { planCluster } from '../cluster/plan.ts';
import { mergeEncodedHistograms } from '../measure/latency.ts';
import { onInterrupt } from '../runner/interrupts.ts';
import { openHealthWindow, selfCheckOf } from '../runner/selfCheck.ts';
import { localTarget } from '../targets/local/localTarget.ts';
import type { ClientFleet, RunningCluster } from '../targets/target.ts';
import { stepOf, type ScaleStep } from './scaleBench.ts';
import { table } from '../runner/format.ts';
import { round } from './stats.ts';

export const DEFAULT_CONTROL_PLANES = [1, 5, 10, 20, 50, 100];
const REPLICAS = 3;
const GATEWAY_PODS = 2;
const PODS_PER_CONTROL_PLANE = 30;

export interface SeedScalePoint {
  controlPlanes: number;
  clientPods: number;
  /** Until every listener is up (LocalCluster.startupMs). */
  startupMs: number;
  admitAndWarmUpMs: number;
  rssMiB: { afterWarmUp: number; peak: number };
  /** The 1-minute load average when the point started (other programs on this machine). */
  loadAverage: number;
  steps: ScaleStep[];
  /** The highest total offered rate whose step was clean (0: none). */
  sustainedPerSecond: number;
  stoppedBecause: string;
  /** The gateway's connections after the ladder (sim/gateway stats): downstream per pod, upstream per replica. */
  gateway?: { downstreamPerPod: number[]; upstreamTotal: number; upstreamPerReplicaMax: number };
  error?: string;
}

export interface SeedScaleBenchResult {
  what: string;
  machine: { cpus: number; memoryGiB: number };
  points: SeedScalePoint[];
  /** The largest N whose first ladder step was clean, and the largest total rate that was clean at it. */
  largestClean: { controlPlanes: number; perSecond: number } | undefined;
}

export interface SeedScaleBenchOptions {
  log?: (message: string) => void;
  controlPlanes?: number[];
  /** Total offered rates of the ladder (req/s over every pod); default 250, 500, 1,000, 1,500. */
  ladder?: number[];
  stepSeconds?: number;
}

export async function runSeedScaleBench(options: SeedScaleBenchOptions = {}): Promise<SeedScaleBenchResult> {
  const log = options.log ?? (() => undefined);
  const ladder = options.ladder ?? [250, 500, 1000, 1500];
  const stepSeconds = options.stepSeconds ?? 3;
  const points: SeedScalePoint[] = [];
  for (const n of options.controlPlanes ?? DEFAULT_CONTROL_PLANES) {
    log(`seed scale: ${n} control planes, ${n * PODS_PER_CONTROL_PLANE} client pods`);
    points.push(await measurePoint(n, ladder, stepSeconds, log));
  }
  const clean = points.filter((p) => p.sustainedPerSecond > 0);
  const largest = clean.at(-1);
  return {
    what: `l7 on the local target; N control planes of ${REPLICAS} replicas (8 workers each) behind ${GATEWAY_PODS} gateway pods, ${PODS_PER_CONTROL_PLANE} client-go pods per control plane (get leases, poisson); ladder ${ladder.join(', ')} req/s in total, ${stepSeconds} s per step, stopped at the first step the self-check flags or whose requests the replicas do not answer`,
    machine: { cpus: os.cpus().length, memoryGiB: round(os.totalmem() / 2 ** 30, 1) },
    points,
    largestClean: largest ? { controlPlanes: largest.controlPlanes, perSecond: largest.sustainedPerSecond } : undefined,
  };
}

/** The scenario of a point, through the schema (its defaults), not the loader's feasibility check. */
export function seedScaleScenario(controlPlanes: number): Scenario {
  const controlPlane = { replicas: REPLICAS, capacity: { workers: 8 }, goawayChance: 0 };
  const client = { count: PODS_PER_CONTROL_PLANE, rate: 0.1, qps: 1000, burst: 2000 };
  return Scenario.parse({
    name: 'seed-scale-bench',
    seed: 1,
    duration: '3s',
    modes: ['l7'],
    topology: {
      controlPlane,
      neighbours: controlPlanes > 1 ? [{ name: 'shoot', count: controlPlanes - 1, ...controlPlane }] : [],
      gateway: { pods: GATEWAY_PODS },
    },
    clients: [{ name: 'probe', ...client }, ...(controlPlanes > 1 ? [{ name: 'ctl', controlPlane: 'shoot', ...client }] : [])],
  });
}

async function measurePoint(controlPlanes: number, ladder: number[], stepSeconds: number, log: (m: string) => void): Promise<SeedScalePoint> {
  const clientPods = controlPlanes * PODS_PER_CONTROL_PLANE;
  const result: SeedScalePoint = {
    controlPlanes,
    clientPods,
    startupMs: NaN,
    admitAndWarmUpMs: NaN,
    rssMiB: { afterWarmUp: NaN, peak: NaN },
    loadAverage: round(os.loadavg()[0]!, 2),
    steps: [],
    sustainedPerSecond: 0,
    stoppedBecause: `the ladder ended at ${ladder.at(-1)} req/s`,
  };
  let cluster: RunningCluster | undefined;
  let fleet: ClientFleet | undefined;
  const teardown = async () => {
    await fleet?.close().catch(() => undefined);
    await cluster?.close();
  };
  const unregister = onInterrupt(teardown);
  let peakRss = 0;
  const rss = () => {
    const mib = process.memoryUsage().rss / 2 ** 20;
    peakRss = Math.max(peakRss, mib);
    return round(mib, 0);
  };
  try {
    const scenario = seedScaleScenario(controlPlanes);
    cluster = await localTarget.start(planCluster(scenario.topology, MODES.l7, 1, { clientGroups: scenario.clients }));
    result.startupMs = Math.round(cluster.startupMs);
    const ready = performance.now();
    const admission = await cluster.admitClientPods(scenario.clients);
    if (admission.rejected.length > 0) throw new Error(`${admission.rejected.length} pods rejected at admission: ${admission.rejected[0]!.message}`);
    fleet = await cluster.startClients(admission.admitted);
    const prepared = await fleet.prepare();
    if (prepared.failed.length > 0) throw new Error(`${prepared.failed.length} pods failed their warm-up: ${prepared.failed[0]!.error}`);
    result.admitAndWarmUpMs = Math.round(performance.now() - ready);
    result.rssMiB.afterWarmUp = rss();
    log(`  up in ${result.startupMs} ms; ${clientPods} pods admitted and warmed up in ${result.admitAndWarmUpMs} ms; RSS ${result.rssMiB.afterWarmUp} MiB`);
    await runLadder(cluster, fleet, scenario, result, ladder, stepSeconds, log, rss);
    result.gateway = await gatewayConnections(cluster);
  } catch (error) {
    result.error = (error as Error).message;
    result.stoppedBecause = `could not run: ${result.error}`;
    log(`  ${result.stoppedBecause}`);
  } finally {
    unregister();
    await teardown().catch(() => undefined);
    result.rssMiB.peak = round(peakRss, 0);
  }
  return result;
}

async function runLadder(
  cluster: RunningCluster,
  fleet: ClientFleet,
  scenario: Scenario,
  result: SeedScalePoint,
  ladder: number[],
  stepSeconds: number,
  log: (m: string) => void,
  rss: () => number,
): Promise<void> {
  for (const offered of ladder) {
    const perPod = offered / result.clientPods;
    for (const group of scenario.clients) await fleet.setGroup(group.name, { rate: perPod });
    const readHealth = await openHealthWindow(cluster);
    const started = performance.now();
    const maxRequests = offered * stepSeconds * 2 + result.clientPods * 20;
    const runs = await fleet.run({ durationMs: stepSeconds * 1000, maxRequests, drainTimeoutMs: 3000 });
    const loadPhaseMs = performance.now() - started;
    const health = await readHealth();
    rss();
    const sendLag = mergeEncodedHistograms(runs.map((r) => r.sendLagHistogram));
    const step = stepOf(offered, runs, selfCheckOf(health.components, sendLag, loadPhaseMs, health.machine), stepSeconds);
    result.steps.push(step);
    log(
      `  ${offered} req/s offered: ${step.answeredPerSecond} answered/s, worst loop p99 ${step.worstLoopDelay.p99Ms} ms (${step.worstLoopDelay.component}), ${step.coresUsed} cores, latency p99 ${step.latencyP99Ms} ms${step.clean ? '' : `: ${step.warnings.join('; ')}`}`,
    );
    if (!step.clean) {
      result.stoppedBecause = `at ${offered} req/s: ${step.warnings.join('; ')}`;
      return;
    }
    result.sustainedPerSecond = offered;
  }
}

/** Downstream connections per gateway pod and upstream connections to the replicas, all gateway pods together. */
async function gatewayConnections(cluster: RunningCluster): Promise<SeedScalePoint['gateway']> {
  const { gateways } = await cluster.networkStats();
  const perReplica = new Map<string, number>();
  for (const g of gateways) for (const [host, n] of Object.entries(g.upstreamConnections)) perReplica.set(host, (perReplica.get(host) ?? 0) + n);
  return {
    downstreamPerPod: gateways.map((g) => g.downstreamConnections),
    upstreamTotal: [...perReplica.values()].reduce((a, b) => a + b, 0),
    upstreamPerReplicaMax: Math.max(0, ...perReplica.values()),
  };
}

/** The terminal table of the seed-scale part (results/bench-<time>.json has every step). */
export function seedScaleTable(r: SeedScaleBenchResult, tty: boolean): string {
  const n = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? String(Math.round(x)) : '-');
  const rows = r.points.map((p) => [
    String(p.controlPlanes),
    String(p.clientPods),
    n(p.startupMs),
    n(p.admitAndWarmUpMs),
    `${n(p.rssMiB.afterWarmUp)} / ${n(p.rssMiB.peak)}`,
    n(p.sustainedPerSecond),
    p.gateway ? `${p.gateway.downstreamPerPod.join(' / ')}; ${p.gateway.upstreamTotal} (max ${p.gateway.upstreamPerReplicaMax}/replica)` : '-',
    String(p.loadAverage),
    p.stoppedBecause.slice(0, 100),
  ]);
  const largest = r.largestClean ? `largest clean: ${r.largestClean.controlPlanes} control planes at ${r.largestClean.perSecond} req/s` : 'no point was clean';
  return `control planes (seed scale):\n${table(
    [
      'control planes',
      'client pods',
      'start-up ms',
      'admit+warm ms',
      'RSS MiB (warm / peak)',
      'clean req/s',
      'gateway conns: downstream per pod; upstream',
      'load avg',
      'stopped',
    ],
    rows,
    tty,
  )}\n${largest}`;
}
