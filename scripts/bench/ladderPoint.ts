// One point of a scale bench (docs/performance.md#scale, #seed-scale): a simulated cluster on the local target for a
// scenario, its client pods admitted through the webhook and warmed up, then a ladder of total offered rates split
// evenly over the pods, a few seconds each on the same pods, each step judged by the runner's own self-check
// (scripts/runner/selfCheck.ts) and by whether the replicas answered what was offered. The ladder stops at the first
// step that is not clean. Each step is bounded in time and requests; the cluster is torn down after the point, on
// failure and on Ctrl-C. scaleBench.ts (one axis at a time) and seedScaleBench.ts (N control planes) both use it.
import type { Scenario } from '../../scenarios/schema.ts';
import type { ClientRunResult } from '../core/clientPod.ts';
import { MODES } from '../cluster/modes.ts';
import { planCluster } from '../cluster/plan.ts';
import { mergeEncodedHistograms } from '../measure/latency.ts';
import { onInterrupt } from '../runner/interrupts.ts';
import { openHealthWindow, selfCheckOf } from '../runner/selfCheck.ts';
import { localTarget } from '../targets/local/localTarget.ts';
import type { ClientFleet, RunningCluster } from '../targets/target.ts';
import { round } from './stats.ts';

/** A step is clean only when the replicas answered at least this share of the requests the pods scheduled. */
export const ANSWERED_SHARE = 0.98;

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

/** What every point of a scale bench measures. */
export interface LadderPointResult {
  /** Until every listener is up (LocalCluster.startupMs). */
  startupMs: number;
  /** Admission of every client pod through the webhook, plus their warm-up. */
  admitAndWarmUpMs: number;
  rssMiB: { afterWarmUp: number; peak: number };
  steps: ScaleStep[];
  /** The highest total offered rate whose step was clean (0: none). */
  sustainedPerSecond: number;
  stoppedBecause: string;
  error?: string;
}

/** The figures of a point before it runs. */
export function unmeasured(ladder: number[]): LadderPointResult {
  return {
    startupMs: NaN,
    admitAndWarmUpMs: NaN,
    rssMiB: { afterWarmUp: NaN, peak: NaN },
    steps: [],
    sustainedPerSecond: 0,
    stoppedBecause: `the ladder ended at ${ladder.at(-1)} req/s`,
  };
}

export interface LadderPointOptions {
  scenario: () => Scenario;
  clientPods: number;
  ladder: number[];
  stepSeconds: number;
  log: (message: string) => void;
  /** After the ladder, with the cluster still up (the seed-scale bench reads the gateway's connections). */
  after?: (cluster: RunningCluster) => Promise<void>;
}

/** Runs one point into `result`: start, admit and warm up, the ladder; a failure is recorded, not thrown. */
export async function measureLadderPoint<R extends LadderPointResult>(result: R, o: LadderPointOptions): Promise<R> {
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
    const scenario = o.scenario();
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
    o.log(`  up in ${result.startupMs} ms; ${o.clientPods} pods admitted and warmed up in ${result.admitAndWarmUpMs} ms; RSS ${result.rssMiB.afterWarmUp} MiB`);
    await runLadder(cluster, fleet, scenario, result, o, rss);
    await o.after?.(cluster);
  } catch (error) {
    result.error = (error as Error).message;
    result.stoppedBecause = `could not run: ${result.error}`;
    o.log(`  ${result.stoppedBecause}`);
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
  result: LadderPointResult,
  o: LadderPointOptions,
  rss: () => number,
): Promise<void> {
  for (const offered of o.ladder) {
    const perPod = offered / o.clientPods;
    for (const group of scenario.clients) await fleet.setGroup(group.name, { rate: perPod });
    const readHealth = await openHealthWindow(cluster);
    const started = performance.now();
    // The request bound is split per pod (sim/clients/clients.ts): twice the step's mean, plus room for a Poisson
    // pod's tail where each pod sends only a request or two (a bound of 2x the mean alone capped 2,000 pods at one each).
    const maxRequests = offered * o.stepSeconds * 2 + o.clientPods * 20;
    const runs = await fleet.run({ durationMs: o.stepSeconds * 1000, maxRequests, drainTimeoutMs: 3000 });
    const loadPhaseMs = performance.now() - started;
    const health = await readHealth();
    rss();
    const sendLag = mergeEncodedHistograms(runs.map((r) => r.sendLagHistogram));
    const step = stepOf(offered, runs, selfCheckOf(health.components, sendLag, loadPhaseMs, health.machine), o.stepSeconds);
    result.steps.push(step);
    o.log(
      `  ${offered} req/s offered: ${step.answeredPerSecond} answered/s, worst loop p99 ${step.worstLoopDelay.p99Ms} ms (${step.worstLoopDelay.component}), busiest ${step.busiest.component} ${Math.round(step.busiest.cpuShare * 100)} %, ${step.coresUsed} cores, send lag p99 ${step.sendLagP99Ms} ms, latency p99 ${step.latencyP99Ms} ms${step.clean ? '' : `: ${step.warnings.join('; ')}`}`,
    );
    if (!step.clean) {
      result.stoppedBecause = `at ${offered} req/s: ${step.warnings.join('; ')}`;
      return;
    }
    result.sustainedPerSecond = offered;
  }
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
