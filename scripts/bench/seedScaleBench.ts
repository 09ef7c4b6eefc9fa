// How many control planes one simulated seed holds on this machine (docs/performance.md#seed-scale): one local cluster
// per point, N = 1, 5, 10, 20, 50, 100 control planes of 3 replicas each (the one under test and a set of N-1
// neighbours, docs/scenarios.md#many-control-planes) behind 2 gateway pods, l7 mode, 30 client-go pods per control
// plane (the goal: 50 control planes and 1,500 pods). Per point: the cluster's start-up, the admission and
// warm-up of every pod through the webhook, the process RSS (every component is a worker thread of this process),
// then a ladder of total offered rates split evenly over the pods, a few seconds each, each judged by the runner's
// self-check and by whether the replicas answered what was offered (ladderPoint.ts). The ladder stops at the
// first step that is not clean; the gateway's connections are read after the last clean step. Every step is bounded
// in time and requests; the cluster is torn down after each point, on failure and on Ctrl-C.
import os from 'node:os';
import { Scenario } from '../../scenarios/schema.ts';
import type { RunningCluster } from '../targets/target.ts';
import { measureLadderPoint, unmeasured, type LadderPointResult } from './ladderPoint.ts';
import { table } from '../runner/format.ts';
import { round } from './stats.ts';

export const DEFAULT_CONTROL_PLANES = [1, 5, 10, 20, 50, 100];
const REPLICAS = 3;
const GATEWAY_PODS = 2;
const PODS_PER_CONTROL_PLANE = 30;

export interface SeedScalePoint extends LadderPointResult {
  controlPlanes: number;
  clientPods: number;
  /** The 1-minute load average when the point started (other programs on this machine). */
  loadAverage: number;
  /** The gateway's connections after the ladder (sim/gateway stats): downstream per pod, upstream per replica. */
  gateway?: { downstreamPerPod: number[]; upstreamTotal: number; upstreamPerReplicaMax: number };
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

function measurePoint(controlPlanes: number, ladder: number[], stepSeconds: number, log: (m: string) => void): Promise<SeedScalePoint> {
  const clientPods = controlPlanes * PODS_PER_CONTROL_PLANE;
  const result: SeedScalePoint = { controlPlanes, clientPods, loadAverage: round(os.loadavg()[0]!, 2), ...unmeasured(ladder) };
  return measureLadderPoint(result, {
    scenario: () => seedScaleScenario(controlPlanes),
    clientPods,
    ladder,
    stepSeconds,
    log,
    after: async (cluster) => {
      result.gateway = await gatewayConnections(cluster);
    },
  });
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
