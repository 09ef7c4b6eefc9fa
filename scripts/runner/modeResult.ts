// Turns what one mode's load phase measured into its result (docs/results.md): per-replica load summed over each
// replica's processes (scripts/measure/loadSampler.ts), fairness, the L4 theory line, the timeline with its events and
// their convergence, client groups, latency, failures by kind, conservation and the self-check. Pure: tests feed it
// measurements directly.
import type { Scenario } from '../../scenarios/schema.ts';
import type { ModeConfig } from '../cluster/modes.ts';
import { fairnessOf, hotClientMaxOverMean } from '../measure/fairness.ts';
import { apfOfProcesses } from '../measure/apfMetrics.ts';
import { histogramQuantile } from '../measure/histogramQuantile.ts';
import { mergeEncodedHistograms } from '../measure/latency.ts';
import type { LoadSamples } from '../measure/loadSampler.ts';
import type { NetworkStats, RejectedPod } from '../targets/target.ts';
import { conservationOf } from './conservation.ts';
import { bucketMaxOverMean, convergenceOf, finalFairness, meanOfFinite } from './convergence.ts';
import { failureSummary } from './failures.ts';
import { gatewayAccounting } from './gatewayAccounting.ts';
import type { ClientGroupResult, ModeResult, NeighbourResult, ReplicaResult, AppliedEvent } from './results.ts';
import { selfCheckOf, type HealthReading } from './selfCheck.ts';
import type { ClientRunResult } from '../core/clientPod.ts';

/** What one mode's load phase measured. */
export interface LoadMeasurement {
  samples: LoadSamples;
  clientResults: ClientRunResult[];
  /** Requests an apiserver answered for warm-ups inside the load phase (pods started by events). */
  warmUpAnswered: number;
  warmUpFailed: { pod: string; error: string }[];
  rejected: RejectedPod[];
  events: AppliedEvent[];
  loadPhaseMs: number;
  network: NetworkStats;
  /** Each component thread's health and the machine's CPU over the load phase. */
  health: HealthReading;
}

export interface ModeResultInput extends LoadMeasurement {
  scenario: Scenario;
  randomSeed: number;
  mode: ModeConfig;
  startupMs: number;
}

export function buildModeResult(input: ModeResultInput): ModeResult {
  const { scenario, clientResults, loadPhaseMs, samples } = input;
  // The balance figures are about the control plane under test; neighbours' replicas count for conservation and get
  // their own table (docs/scenarios.md#shared-gateway).
  const own = samples.replicas.filter((r) => r.controlPlane === undefined);
  const total = own.reduce((s, r) => s + r.totals.requests, 0);
  const countedEverywhere = samples.replicas.reduce((s, r) => s + r.totals.requests, 0);
  const replicas: ReplicaResult[] = own.map((r) => ({
    replica: r.replica,
    requests: r.totals.requests,
    share: total > 0 ? r.totals.requests / total : NaN,
    requestsPerSecond: r.totals.requests / (loadPhaseMs / 1000),
    inflightPeak: r.inflightPeak,
    tooManyRequests: r.totals.byCode['429'] ?? 0,
    byCode: r.totals.byCode,
    byVerb: r.totals.byVerb,
    p50Ms: histogramQuantile(0.5, r.totals.durationBuckets) * 1000,
    p99Ms: histogramQuantile(0.99, r.totals.durationBuckets) * 1000,
    perSecond: r.requests,
    processes: r.incarnations.length,
    ...optional('apf', apfOfProcesses(r.incarnations.map((i) => ({ baseline: i.baseline?.metrics, last: i.last.metrics })))),
  }));

  const sum = (pick: (r: ClientRunResult) => number) => clientResults.reduce((s, r) => s + pick(r), 0);
  const clientAnswered = sum((r) => sumValues(r.answeredByCode)) + input.warmUpAnswered;
  const attempts = sum((r) => r.attempts);
  const failures = sum((r) => sumValues(r.errors) + sumValues(r.gatewayByCode));

  const offered = scenario.clients.filter((g) => g.controlPlane === undefined).flatMap((g) => Array.from({ length: g.count }, () => g.rate));
  const offeredTotal = offered.reduce((a, b) => a + b, 0);
  const heavyShare = offeredTotal > 0 ? Math.max(...offered) / offeredTotal : 0;
  const perBucket = bucketMaxOverMean(own);
  const threshold = scenario.convergence.maxOverMean;

  return {
    mode: input.mode.name,
    summary: input.mode.summary,
    seed: input.randomSeed,
    loadPhaseMs,
    replicas,
    fairness: fairnessOf(replicas.map((r) => r.requests)),
    hottestShare: total > 0 ? Math.max(...replicas.map((r) => r.requests)) / total : NaN,
    perSecondMaxOverMean: meanOfFinite(perBucket),
    finalFairness: finalFairness(own, Math.floor(scenario.duration / samples.bucketMs)),
    theory: {
      heavyShare,
      hotClientMaxOverMean: hotClientMaxOverMean(heavyShare, scenario.topology.controlPlane.replicas),
      note: 'L4 best case for the busiest client pod with offered share h, the rest perfectly spread (docs/theory.md); L7 expects ~1.0',
    },
    clients: groupResults(scenario, clientResults),
    latency: mergeEncodedHistograms(clientResults.map((r) => r.latencyHistogram)),
    errorRate: attempts > 0 ? failures / attempts : 0,
    failures: failureSummary(clientResults, input.warmUpFailed),
    conservation: conservationOf(
      clientAnswered,
      countedEverywhere,
      sum((r) => r.inDoubt),
      input.warmUpAnswered,
    ),
    rejectedPods: input.rejected,
    timeline: {
      bucketMs: samples.bucketMs,
      replicas: Object.fromEntries(
        own.map((r) => [
          r.replica,
          { requests: r.requests, openConnections: r.openConnections, inflight: r.inflight, tooManyRequests: r.tooManyRequests, up: r.up },
        ]),
      ),
      maxOverMean: perBucket,
      events: input.events,
    },
    convergence: input.events.map((event) => convergenceOf(event, perBucket, samples.bucketMs, threshold)),
    selfCheck: selfCheckOf(input.health.components, mergeEncodedHistograms(clientResults.map((r) => r.sendLagHistogram)), loadPhaseMs, input.health.machine),
    ...optional('neighbours', neighbourResults(scenario, samples.replicas)),
    ...optional('gatewayAccounting', gatewayAccounting(scenario, input.network, input.health.components)),
    network: input.network as unknown as Record<string, unknown>,
    startupMs: input.startupMs,
    measurementNotes: samples.notes,
  };
}

/** Per neighbour control plane: how its replicas shared its requests (absent when the scenario has none). */
function neighbourResults(scenario: Scenario, series: LoadSamples['replicas']): NeighbourResult[] | undefined {
  if (scenario.topology.neighbours.length === 0) return undefined;
  return scenario.topology.neighbours.map((neighbour) => {
    const mine = series.filter((r) => r.controlPlane === neighbour.name);
    const requests = mine.reduce((s, r) => s + r.totals.requests, 0);
    return {
      controlPlane: neighbour.name,
      groups: scenario.clients.filter((g) => g.controlPlane === neighbour.name).map((g) => g.name),
      requests,
      fairness: fairnessOf(mine.map((r) => r.totals.requests)),
      replicas: mine.map((r) => ({
        replica: r.replica,
        requests: r.totals.requests,
        share: requests > 0 ? r.totals.requests / requests : NaN,
        tooManyRequests: r.totals.byCode['429'] ?? 0,
        p99Ms: histogramQuantile(0.99, r.totals.durationBuckets) * 1000,
      })),
    };
  });
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
      identities: [...new Set(mine.flatMap((r) => (r.identity ? [r.identity.username] : [])))].sort(),
    };
  });
}

/** `{ key: value }` when the value exists, else nothing (optional result fields stay absent, not undefined). */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function sumValues(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}
