// How far the simulator goes on this machine (docs/performance.md#scale): one simulated cluster per point on the
// real local target (scripts/targets/local), l7 mode (client pods admitted through the webhook, hostAlias to the
// gateway, TLS termination, LEAST_REQUEST), one axis changed at a time:
//   client pods 100, 500, 1,000, 2,000 (3 replicas, 2 gateway pods),
//   replicas 3, 6, 12 (100 client pods, 2 gateway pods),
//   gateway pods 1, 2, 4 (100 client pods, 3 replicas).
// Per point (ladderPoint.ts): the cluster's start-up time, the time to admit and warm up the client pods, the process
// RSS (every component is a worker thread of this process), then a ladder of total offered rates; the ladder stops at
// the first step that is not clean, and that step's warnings say where and why it stopped.
import { Scenario } from '../../scenarios/schema.ts';
import { SELF_CHECK_THRESHOLDS } from '../runner/selfCheck.ts';
import { ANSWERED_SHARE, measureLadderPoint, unmeasured, type LadderPointResult } from './ladderPoint.ts';

export type ScaleAxis = 'clientPods' | 'replicas' | 'gatewayPods';

export interface ScalePoint {
  clientPods: number;
  replicas: number;
  gatewayPods: number;
}

export type ScalePointResult = ScalePoint & LadderPointResult;

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

function measurePoint(point: ScalePoint, ladder: number[], stepSeconds: number, log: (m: string) => void): Promise<ScalePointResult> {
  return measureLadderPoint(
    { ...point, ...unmeasured(ladder) },
    { scenario: () => scaleScenario(point), clientPods: point.clientPods, ladder, stepSeconds, log },
  );
}
