// How the server's concurrency limit is divided among priority levels and re-divided every 10 s by borrowing
// (k8s.io/apiserver pkg/util/flowcontrol/apf_controller.go, kubernetes-1.32.13: finishQueueSetReconfigsLocked,
// updateBorrowingLocked, seatDemandStats.update, plSpecCommons).
//
// Per level, from its spec:
//   nominalCL   = ceil(serverCL x NCS / sum of NCS over all levels)
//   lendableCL  = round(nominalCL x lendablePercent / 100)
//   borrowingCL = round(nominalCL x borrowingLimitPercent / 100), or serverCL when borrowingLimitPercent is absent
//   minCL = nominalCL - lendableCL, maxCL = nominalCL + borrowingCL, initial currentCL = nominalCL - lendableCL/2
//   maxSeats (what a single request may occupy, Queue levels only) = max(1, min(ceil(0.15 x nominalCL), nominalCL / handSize))
// Every adjustment period each level's seat-demand integrator (seats in use + seats waiting) is read and reset;
// the high watermark, time-weighted average and standard deviation update an exponentially smoothed envelope
// (coefficient 0.977); then the nominalCL sum is fairly allocated (computeConcurrencyAllocation) with each level
// bounded below by max(minCL, min(nominalCL, highWatermark)) and above by maxCL, targeting the smoothed demand.
// Exempt levels get currentCL = max(minCL, highWatermark) and are not part of the allocation.
import type { ApfClock } from './clock.ts';
import { computeConcurrencyAllocation, type AllocProblemItem } from './concurrencyAllocation.ts';
import { Integrator, type IntegratorResults } from './integrator.ts';
import { goRound } from './seatSeconds.ts';
import type { PriorityLevelConfiguration } from './types.ts';

export const BORROWING_ADJUSTMENT_PERIOD_MS = 10_000;
export const SEAT_DEMAND_SMOOTHING_COEFFICIENT = 0.977;
/** priorityLevelMaxSeatsPercent: a request may take at most 15% of its level's nominal seats. */
export const PRIORITY_LEVEL_MAX_SEATS_PERCENT = 0.15;

export interface LevelConcurrency {
  name: string;
  exempt: boolean;
  nominalConcurrencyShares: number;
  nominalCL: number;
  lendableCL: number;
  borrowingCL: number;
  minCL: number;
  maxCL: number;
  /** The MaxSeatsTracker value for the work estimator; 0 = not set (Exempt and Reject levels). */
  maxSeats: number;
}

export interface LevelConcurrencyTable {
  levels: LevelConcurrency[];
  shareSum: number;
  nominalCLSum: number;
}

/** plSpecCommons: the shares, lendable and borrowing percents of a (defaulted) level. */
function specCommons(pl: PriorityLevelConfiguration): { shares: number; lendablePercent: number | undefined; borrowingLimitPercent: number | undefined } {
  const limited = pl.spec.limited;
  if (limited) {
    return { shares: limited.nominalConcurrencyShares ?? 30, lendablePercent: limited.lendablePercent, borrowingLimitPercent: limited.borrowingLimitPercent };
  }
  const exempt = pl.spec.exempt;
  return { shares: exempt?.nominalConcurrencyShares ?? 0, lendablePercent: exempt?.lendablePercent, borrowingLimitPercent: undefined };
}

/** The nominal, lendable and borrowing limits of every level (finishQueueSetReconfigsLocked). */
export function computeLevelConcurrency(serverConcurrencyLimit: number, priorityLevels: readonly PriorityLevelConfiguration[]): LevelConcurrencyTable {
  let shareSum = 0;
  for (const pl of priorityLevels) shareSum += specCommons(pl).shares;
  if (!(shareSum > 0)) throw new RangeError('the nominalConcurrencyShares of all priority levels sum to 0');
  let nominalCLSum = 0;
  const levels = priorityLevels.map((pl): LevelConcurrency => {
    const { shares, lendablePercent, borrowingLimitPercent } = specCommons(pl);
    const nominalCL = Math.ceil((serverConcurrencyLimit * shares) / shareSum);
    const lendableCL = lendablePercent !== undefined ? goRound((nominalCL * lendablePercent) / 100) : 0;
    const borrowingCL = borrowingLimitPercent !== undefined ? goRound((nominalCL * borrowingLimitPercent) / 100) : serverConcurrencyLimit;
    let maxSeats = 0;
    const queuing = pl.spec.limited?.limitResponse.queuing;
    if (pl.spec.limited && queuing) {
      const handSize = queuing.handSize ?? 8;
      maxSeats = Math.max(1, Math.min(Math.ceil(nominalCL * PRIORITY_LEVEL_MAX_SEATS_PERCENT), Math.trunc(nominalCL / handSize)));
    }
    nominalCLSum += nominalCL;
    return {
      name: pl.metadata.name ?? '',
      exempt: pl.spec.type === 'Exempt',
      nominalConcurrencyShares: shares,
      nominalCL,
      lendableCL,
      borrowingCL,
      minCL: nominalCL - lendableCL,
      maxCL: nominalCL + borrowingCL,
      maxSeats,
    };
  });
  return { levels, shareSum, nominalCLSum };
}

export interface SeatDemandStats {
  avg: number;
  stdDev: number;
  highWatermark: number;
  smoothed: number;
}

export const ZERO_SEAT_DEMAND_STATS: SeatDemandStats = { avg: 0, stdDev: 0, highWatermark: 0, smoothed: 0 };

/** seatDemandStats.update. */
export function updateSeatDemandStats(stats: SeatDemandStats, obs: IntegratorResults): SeatDemandStats {
  const highWatermark = goRound(obs.max);
  if (obs.duration <= 0) return { ...stats, highWatermark };
  const deviation = Number.isNaN(obs.deviation) ? 0 : obs.deviation;
  const envelope = obs.average + deviation;
  const smoothed = Math.max(envelope, SEAT_DEMAND_SMOOTHING_COEFFICIENT * stats.smoothed + (1 - SEAT_DEMAND_SMOOTHING_COEFFICIENT) * envelope);
  return { avg: obs.average, stdDev: deviation, highWatermark, smoothed };
}

export interface LevelAdjustmentInput {
  level: LevelConcurrency;
  /** Already updated with this period's observation. */
  stats: SeatDemandStats;
  /** The current limit before this adjustment (kept when the allocation problem has no solution). */
  currentCL: number;
}

export interface LevelAdjustment {
  name: string;
  currentCL: number;
  /** The allocation target (smoothed demand, at least the lower bound); for exempt levels the lower bound. */
  target: number;
  lowerBound: number;
}

export interface AdjustmentResult {
  levels: LevelAdjustment[];
  fairFrac: number;
}

/** updateBorrowingLocked's arithmetic: the new currentCL of every level. */
export function computeCurrentLimits(nominalCLSum: number, inputs: readonly LevelAdjustmentInput[]): AdjustmentResult {
  const items: AllocProblemItem[] = [];
  const nonExempt: LevelAdjustmentInput[] = [];
  let minCLSum = 0;
  let minCurrentCLSum = 0;
  let remainingServerCL = nominalCLSum;
  const lowerBounds = new Map<string, number>();
  for (const input of inputs) {
    const { level, stats } = input;
    if (level.exempt) {
      const minCurrentCL = Math.max(level.minCL, stats.highWatermark);
      lowerBounds.set(level.name, minCurrentCL);
      remainingServerCL -= minCurrentCL;
    } else {
      const minCurrentCL = Math.max(level.minCL, Math.min(level.nominalCL, stats.highWatermark));
      lowerBounds.set(level.name, minCurrentCL);
      nonExempt.push(input);
      items.push({ lowerBound: minCurrentCL, upperBound: level.maxCL, target: Math.max(minCurrentCL, stats.smoothed) });
      minCLSum += level.minCL;
      minCurrentCLSum += minCurrentCL;
    }
  }
  if (items.length === 0 && nominalCLSum > 0) {
    return { levels: inputs.map((i) => ({ name: i.level.name, currentCL: i.currentCL, target: 0, lowerBound: lowerBounds.get(i.level.name)! })), fairFrac: 0 };
  }
  let allocs: number[] | undefined;
  let shareFrac = 0;
  let fairFrac = 0;
  if (remainingServerCL <= minCLSum) {
    fairFrac = 0;
  } else if (remainingServerCL <= minCurrentCLSum) {
    shareFrac = (remainingServerCL - minCLSum) / (minCurrentCLSum - minCLSum);
    fairFrac = 0;
  } else {
    try {
      const result = computeConcurrencyAllocation(nominalCLSum, items);
      allocs = result.allocs;
      fairFrac = result.fairProp;
    } catch {
      // Upstream logs the error and keeps every level's current limit.
      allocs = nonExempt.map((i) => i.currentCL);
    }
  }
  const levels = inputs.map((input): LevelAdjustment => {
    const { level } = input;
    const lowerBound = lowerBounds.get(level.name)!;
    if (level.exempt) return { name: level.name, currentCL: lowerBound, target: lowerBound, lowerBound };
    const idx = nonExempt.indexOf(input);
    let currentCL: number;
    if (remainingServerCL <= minCLSum) {
      currentCL = level.minCL;
    } else if (remainingServerCL <= minCurrentCLSum) {
      currentCL = level.minCL + goRound((lowerBound - level.minCL) * shareFrac);
    } else {
      currentCL = goRound(allocs![idx]!);
    }
    return { name: level.name, currentCL, target: items[idx]!.target, lowerBound };
  });
  return { levels, fairFrac };
}

interface LevelState {
  level: LevelConcurrency;
  integrator: Integrator;
  stats: SeatDemandStats;
  currentCL: number;
  target: number;
}

/**
 * The borrowing state machine of one server: seat-demand integrators per level, the smoothed stats and the current
 * limits. The owner feeds demand through integrator(name).set(seatsInUse + seatsWaiting) and calls adjust() every
 * BORROWING_ADJUSTMENT_PERIOD_MS; the constructor performs the immediate adjustment upstream does when it digests
 * a configuration.
 */
export class BorrowingController {
  private readonly states = new Map<string, LevelState>();
  private lastFairFrac = 0;

  constructor(
    readonly table: LevelConcurrencyTable,
    clock: ApfClock,
  ) {
    for (const level of table.levels) {
      this.states.set(level.name, {
        level,
        integrator: new Integrator(clock),
        stats: ZERO_SEAT_DEMAND_STATS,
        currentCL: level.nominalCL - Math.trunc(level.lendableCL / 2),
        target: 0,
      });
    }
    this.adjust();
  }

  integrator(name: string): Integrator {
    return this.state(name).integrator;
  }

  currentLimit(name: string): number {
    return this.state(name).currentCL;
  }

  stats(name: string): SeatDemandStats & { target: number } {
    const s = this.state(name);
    return { ...s.stats, target: s.target };
  }

  get fairFrac(): number {
    return this.lastFairFrac;
  }

  /** One updateBorrowing pass: reset the integrators, update the stats, recompute every currentCL. */
  adjust(): AdjustmentResult {
    const inputs: LevelAdjustmentInput[] = [];
    for (const s of this.states.values()) {
      s.stats = updateSeatDemandStats(s.stats, s.integrator.reset());
      inputs.push({ level: s.level, stats: s.stats, currentCL: s.currentCL });
    }
    const result = computeCurrentLimits(this.table.nominalCLSum, inputs);
    for (const adj of result.levels) {
      const s = this.state(adj.name);
      s.currentCL = adj.currentCL;
      s.target = adj.target;
    }
    this.lastFairFrac = result.fairFrac;
    return result;
  }

  private state(name: string): LevelState {
    const s = this.states.get(name);
    if (!s) throw new RangeError(`unknown priority level ${name}`);
    return s;
  }
}
