// How far the simulator goes on this machine (docs/performance.md#scale): one simulated cluster per point on the
// real local target (scripts/targets/local), l7 mode (client pods admitted through the webhook, hostAlias to the
// gateway, TLS termination, LEAST_REQUEST), one axis changed at a time:
//   client pods 100, 500, 1,000, 2,000 (3 replicas, 2 gateway pods),
//   replicas 3, 6, 12 (100 client pods, 2 gateway pods),
//   gateway pods 1, 2, 4 (100 client pods, 3 replicas).
// Per point: the cluster's start-up time, the time to admit and warm up the client pods, the process RSS (every
// component is a worker thread of this process), then a ladder of total offered rates split evenly over the pods,
// a few seconds each on the same pods, each judged by the runner's own self-check (scripts/runner/selfCheck.ts) and by
// whether the replicas answered what was offered. The ladder stops at the first step that is not clean; that step's
// warnings say where and why it stopped. Each step is bounded in time and requests; the cluster is torn down after
// each point, on failure and on Ctrl-C.
import { Scenario } from '../../scenarios/schema.ts';
import { MODES } from '../cluster/modes.ts';
import { planCluster } from '../cluster/plan.ts';
import { mergeEncodedHistograms } from '../measure/latency.ts';
import { onInterrupt } from '../runner/interrupts.ts';
import { openHealthWindow, SELF_CHECK_THRESHOLDS, selfCheckOf } from '../runner/selfCheck.ts';
import { localTarget } from '../targets/local/localTarget.ts';
import type { ClientFleet, RunningCluster } from '../targets/target.ts';
import { round } from './stats.ts';
import type { ClientRunResult } from '../core/clientPod.ts';

export type ScaleAxis = 'clientPods' | 'replicas' | 'gatewayPods';

export interface ScalePoint {
  clientPods: number;
  replicas: number;
  gatewayPods: number;
}

export interface ScaleStep {
  offeredPerSecond: number;
  answeredPerSecond: number;
  /** Worst component by event-loop p99, and its value (ms). */
  worstLoopDelay: { component: string; p99Ms: number };
  /** Busiest component thread, share of the step on a CPU. */
  busiest: { component: string; cpuShare: number };
  /** CPU of every component thread together, in cores (this machine has os.cpus().length). */
  coresUsed: number;
  sendLagP99Ms: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  warnings: string[];
  clean: boolean;
}

export interface ScalePointResult extends ScalePoint {
  startupMs: number;
  /** Admission of every client pod through the webhook, plus their warm-up. */
  admitAndWarmUpMs: number;
  rssMiB: { afterWarmUp: number; peak: number };
  steps: ScaleStep[];
  /** The highest offered rate whose step was clean (0: none). */
  sustainedPerSecond: number;
  stoppedBecause: string;
  error?: string;
}

export interface ScaleBenchOptions {
  log?: (message: string) => void;
  /** Seconds of load per ladder step; default 3. */
  stepSeconds?: number;
  /** Total offered rates (req/s) of the ladder; default 500, 1,000, 2,000, 3,000, 4,000. */
  ladder?: number[];
  axes?: Record<ScaleAxis, number[]>;
}

export interface ScaleBenchResult {
  what: string;
  thresholds: typeof SELF_CHECK_THRESHOLDS;
  tables: Record<ScaleAxis, ScalePointResult[]>;
}

export const DEFAULT_AXES: Record<ScaleAxis, number[]> = {
  clientPods: [100, 500, 1000, 2000],
  replicas: [3, 6, 12],
  gatewayPods: [1, 2, 4],
};

const BASE: Record<ScaleAxis, ScalePoint> = {
  clientPods: { clientPods: 100, replicas: 3, gatewayPods: 2 },
  replicas: { clientPods: 100, replicas: 3, gatewayPods: 2 },
  gatewayPods: { clientPods: 100, replicas: 3, gatewayPods: 2 },
};

/** The schema allows at most 500 pods per client group. */
const PODS_PER_GROUP = 500;
/** A step counts as answered when the replicas answered this share of what was offered. */
const ANSWERED_SHARE = 0.98;

export async function runScaleBench(options: ScaleBenchOptions = {}): Promise<ScaleBenchResult> {
  const log = options.log ?? (() => undefined);
  const axes = options.axes ?? DEFAULT_AXES;
  const ladder = options.ladder ?? [500, 1000, 2000, 3000, 4000];
  const stepSeconds = options.stepSeconds ?? 3;
  // Points shared by several axes (100 pods, 3 replicas, 2 gateway pods) are measured once.
  const measured = new Map<string, ScalePointResult>();
  const tables = {} as Record<ScaleAxis, ScalePointResult[]>;
  for (const axis of Object.keys(axes) as ScaleAxis[]) {
    tables[axis] = [];
    for (const value of axes[axis]) {
      const point = { ...BASE[axis], [axis]: value };
      const key = `${point.clientPods}/${point.replicas}/${point.gatewayPods}`;
      let result = measured.get(key);
      if (!result) {
        log(`scale: ${point.clientPods} client pods, ${point.replicas} replicas, ${point.gatewayPods} gateway pods`);
        result = await measurePoint(point, ladder, stepSeconds, log);
        measured.set(key, result);
      }
      tables[axis].push(result);
    }
  }
  return {
    what: `l7 mode on the local target; one group of client-go pods per ${PODS_PER_GROUP} (get leases, poisson arrivals, QPS/Burst above the offered rate), replicas with 8 workers and the default service times; ladder ${ladder.join(', ')} req/s total, ${stepSeconds} s per step, stopped at the first step that the self-check flags or whose scheduled requests the replicas do not answer (>= ${ANSWERED_SHARE * 100} %)`,
    thresholds: { ...SELF_CHECK_THRESHOLDS },
    tables,
  };
}

/**
 * The scenario of a scale point, through the scenario schema so every default is the loader's. Not through the
 * loader's feasibility check (CLIENT_PODS_PER_CORE): finding that limit is what this bench is for.
 */
export function scaleScenario(point: ScalePoint): Scenario {
  const groups = Math.ceil(point.clientPods / PODS_PER_GROUP);
  return Scenario.parse({
    name: 'scale',
    description: 'scale point of the bench',
    seed: 1,
    duration: '3s',
    modes: ['l7'],
    topology: {
      controlPlane: { replicas: point.replicas, capacity: { workers: 8 }, goawayChance: 0 },
      gateway: { pods: point.gatewayPods },
    },
    clients: Array.from({ length: groups }, (_, i) => ({
      name: `scale-${i}`,
      count: Math.min(PODS_PER_GROUP, point.clientPods - i * PODS_PER_GROUP),
      rate: 1,
      qps: 1000,
      burst: 2000,
    })),
  });
}

async function measurePoint(point: ScalePoint, ladder: number[], stepSeconds: number, log: (m: string) => void): Promise<ScalePointResult> {
  const result: ScalePointResult = {
    ...point,
    startupMs: NaN,
    admitAndWarmUpMs: NaN,
    rssMiB: { afterWarmUp: NaN, peak: NaN },
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
    const mib = process.memoryUsage().rss / 1024 / 1024;
    peakRss = Math.max(peakRss, mib);
    return round(mib, 0);
  };
  try {
    const scenario = scaleScenario(point);
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
    log(
      `  up in ${result.startupMs} ms; ${point.clientPods} pods admitted and warmed up in ${result.admitAndWarmUpMs} ms; RSS ${result.rssMiB.afterWarmUp} MiB`,
    );
    for (const offered of ladder) {
      const perPod = offered / point.clientPods;
      for (const group of scenario.clients) await fleet.setGroup(group.name, { rate: perPod });
      const readHealth = await openHealthWindow(cluster);
      const started = performance.now();
      // The request bound is split per pod (sim/clients/clients.ts): twice the step's mean, plus room for a Poisson
      // pod's tail where each pod sends only a request or two (a bound of 2x the mean alone capped 2,000 pods at one each).
      const maxRequests = offered * stepSeconds * 2 + point.clientPods * 20;
      const runs = await fleet.run({ durationMs: stepSeconds * 1000, maxRequests, drainTimeoutMs: 3000 });
      const loadPhaseMs = performance.now() - started;
      const health = await readHealth();
      rss();
      const sendLag = mergeEncodedHistograms(runs.map((r) => r.sendLagHistogram));
      const step = stepOf(offered, runs, selfCheckOf(health.components, sendLag, loadPhaseMs, health.machine), stepSeconds);
      result.steps.push(step);
      log(
        `  ${offered} req/s offered: ${step.answeredPerSecond} answered/s, worst loop p99 ${step.worstLoopDelay.p99Ms} ms (${step.worstLoopDelay.component}), busiest ${step.busiest.component} ${Math.round(step.busiest.cpuShare * 100)} %, ${step.coresUsed} cores, send lag p99 ${step.sendLagP99Ms} ms, latency p99 ${step.latencyP99Ms} ms${step.clean ? '' : `: ${step.warnings.join('; ')}`}`,
      );
      if (!step.clean) {
        result.stoppedBecause = `at ${offered} req/s: ${step.warnings.join('; ')}`;
        break;
      }
      result.sustainedPerSecond = offered;
    }
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

/** One ladder step's figures; a step is clean when the self-check is and the replicas answered what was offered. */
export function stepOf(offered: number, runs: ClientRunResult[], check: ReturnType<typeof selfCheckOf>, stepSeconds: number): ScaleStep {
  // Each request's final answer from a replica (a retried 429 counts once).
  const answered = runs.reduce((s, r) => s + Object.values(r.finalByCode).reduce((a, b) => a + b, 0), 0);
  const errors = runs.reduce((s, r) => s + Object.values(r.errors).reduce((a, b) => a + b, 0), 0);
  const latency = mergeEncodedHistograms(runs.map((r) => r.latencyHistogram));
  const worst = [...check.components].sort((a, b) => b.loopDelayP99Ms - a.loopDelayP99Ms)[0];
  const busiest = [...check.components].filter((c) => Number.isFinite(c.cpuShare)).sort((a, b) => b.cpuShare - a.cpuShare)[0];
  // Judged against what the pods' schedules issued, not the nominal rate: Poisson arrivals put a few percent more or
  // less into a short step by chance (1,000 pods x 1.5 expected requests: sd 2.6 %).
  const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);
  const notAnswered = errors + runs.reduce((s, r) => s + sum(r.finalGatewayByCode) + r.inDoubt + r.unsent, 0);
  const warnings = [...check.warnings];
  const answeredPerSecond = Math.round(answered / stepSeconds);
  if (answered < (answered + notAnswered) * ANSWERED_SHARE)
    warnings.push(
      `only ${answered} of ${answered + notAnswered} scheduled requests answered (${errors} errors, ${notAnswered - errors} gateway answers, in doubt or unsent)`,
    );
  return {
    offeredPerSecond: offered,
    answeredPerSecond,
    worstLoopDelay: { component: worst?.component ?? '-', p99Ms: worst?.loopDelayP99Ms ?? NaN },
    busiest: { component: busiest?.component ?? '-', cpuShare: busiest?.cpuShare ?? NaN },
    coresUsed: round(check.components.reduce((sum, c) => sum + (Number.isFinite(c.cpuShare) ? c.cpuShare : 0), 0)),
    sendLagP99Ms: check.clientSendLag.p99Ms,
    latencyP50Ms: round(latency.p50Ms),
    latencyP99Ms: round(latency.p99Ms),
    errors,
    warnings,
    clean: warnings.length === 0,
  };
}
