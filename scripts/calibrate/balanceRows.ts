// The balance rows of a calibration (docs/fidelity.md#expected-error): per-replica shares (largest first, since the
// real kube-proxy's choices are unseeded and replica names carry no meaning across runs), max/mean, min/mean and
// per-second max/mean. Each target's run is replayed through the null model (./assignmentModel.ts) with its own
// traffic per second, replicas up and client connections' shares; the expected error is the LEVEL quantile of the
// difference between a trial of one and a trial of the other.
import type { ClientGroup, Scenario } from '../../scenarios/schema.ts';
import { naturalCompare } from '../report/html.ts';
import type { ModeResult } from '../runner/results.ts';
import { differenceQuantile, sampleModel, type BalancingPolicy, type ModelInput, type ModelSample } from './assignmentModel.ts';
import { LEVEL, numericRow, type CalibrationRow } from './calibrationRow.ts';

/** Trials per target and mode: the LEVEL quantile of |x − y| then rests on 10 pairs beyond it. */
export const TRIALS = 10_000;

export function policyOf(mode: string): BalancingPolicy {
  return mode === 'l7' ? 'per-request' : 'per-connection';
}

/** The null model of one target's run of one mode. */
export function modelInputOf(scenario: Scenario, result: ModeResult): ModelInput {
  const names = Object.keys(result.timeline.replicas).sort(naturalCompare);
  const series = names.map((n) => result.timeline.replicas[n]!);
  const buckets = Math.max(0, ...series.map((s) => s.requests.length));
  const bucketTotals = Array.from({ length: buckets }, (_, b) => series.reduce((sum, s) => sum + (s.requests[b] ?? 0), 0));
  const connections: number[] = [];
  for (const group of result.clients) {
    const perPod = connectionsPerPod(scenario.clients.find((g) => g.name === group.group));
    for (let i = 0; i < group.pods * perPod; i++) connections.push(group.attempts / group.pods / perPod);
  }
  const all = connections.reduce((a, b) => a + b, 0);
  return {
    policy: policyOf(result.mode),
    reconnectChance: result.mode === 'goaway' ? scenario.topology.controlPlane.goawayChance : 0,
    up: series.map((s) => Array.from({ length: buckets }, (_, b) => s.up[b] === true)),
    bucketTotals,
    connectionShares: all > 0 ? connections.map((c) => c / all) : connections,
  };
}

/**
 * The connections a pod of the group balances over: client-go's one HTTP/2 connection, or an http1-pool's pool, which
 * shrinks to the offered rate min(rate, qps) when that is smaller (autocannon lib/run.js; the Go load client's
 * poolShares, docs/load-client.md#the-http1-pool-profile).
 */
export function connectionsPerPod(group: ClientGroup | undefined): number {
  if (!group || group.profile !== 'http1-pool') return 1;
  return Math.max(1, Math.min(group.http1.connections, Math.ceil(Math.min(group.rate, group.qps))));
}

function basisOf(mode: string): string {
  return policyOf(mode) === 'per-request'
    ? `Monte Carlo of per-request random choice (wider than LEAST_REQUEST), ${TRIALS} trials per target, ${LEVEL} quantile of |difference|`
    : `Monte Carlo of kube-proxy's random choice per connection${mode === 'goaway' ? ' with goaway-chance reconnects' : ''}, ${TRIALS} trials per target, ${LEVEL} quantile of |difference|`;
}

export interface BalanceModels {
  simulated: ModelSample[];
  real: ModelSample[];
}

export function balanceModels(scenario: Scenario, simulated: ModeResult, real: ModeResult, trials = TRIALS): BalanceModels {
  return {
    simulated: sampleModel(modelInputOf(scenario, simulated), trials, 0x5eed0001),
    real: sampleModel(modelInputOf(scenario, real), trials, 0x5eed0002),
  };
}

export function balanceRows(scenario: Scenario, simulated: ModeResult, real: ModeResult, models = balanceModels(scenario, simulated, real)): CalibrationRow[] {
  const base = { scenario: scenario.name, mode: simulated.mode, basis: basisOf(simulated.mode) };
  const bound = (pick: (s: ModelSample) => number) => differenceQuantile(models.simulated.map(pick), models.real.map(pick), LEVEL);
  const rows = [
    numericRow(
      { ...base, metric: 'max/mean' },
      simulated.fairness.maxOverMean,
      real.fairness.maxOverMean,
      bound((s) => s.maxOverMean),
    ),
    numericRow(
      { ...base, metric: 'min/mean' },
      simulated.fairness.minOverMean,
      real.fairness.minOverMean,
      bound((s) => s.minOverMean),
    ),
    numericRow(
      { ...base, metric: 'per-second max/mean' },
      simulated.perSecondMaxOverMean,
      real.perSecondMaxOverMean,
      bound((s) => s.perSecondMaxOverMean),
    ),
  ];
  const sharesOf = (r: ModeResult) => r.replicas.map((x) => x.share).sort((a, b) => b - a);
  const sim = sharesOf(simulated);
  const act = sharesOf(real);
  for (let rank = 0; rank < Math.max(sim.length, act.length); rank++) {
    const name = rank === 0 ? 'share of the busiest replica' : `share of replica #${rank + 1} by load`;
    rows.push(
      numericRow(
        { ...base, metric: name },
        sim[rank],
        act[rank],
        bound((s) => s.sortedShares[rank] ?? NaN),
      ),
    );
  }
  return rows;
}
