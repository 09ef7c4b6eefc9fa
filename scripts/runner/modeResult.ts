// Turns what one mode's load phase measured into its result (docs/results.md): per-replica load from the difference
// of two /metrics snapshots, fairness, the L4 theory line, client groups, latency, errors and conservation. Pure:
// tests feed it measurements directly.
import type { ClientRunResult } from '../../sim/clients/types.ts';
import type { Scenario } from '../../scenarios/schema.ts';
import type { ModeConfig } from '../cluster/modes.ts';
import { fairnessOf, hotClientMaxOverMean } from '../measure/fairness.ts';
import { histogramQuantile } from '../measure/histogramQuantile.ts';
import { mergeEncodedHistograms } from '../measure/latency.ts';
import { snapshotDelta } from '../measure/scrape.ts';
import type { ComponentHealth, PodAdmission } from '../targets/target.ts';
import { conservationOf } from './conservation.ts';
import { failureSummary } from './failures.ts';
import type { ClientGroupResult, ModeResult, ReplicaResult } from './results.ts';
import type { LoadMeasurement } from './runMode.ts';
import { selfCheckOf } from './selfCheck.ts';

export interface ModeResultInput extends LoadMeasurement {
  scenario: Scenario;
  randomSeed: number;
  mode: ModeConfig;
  startupMs: number;
  admission: PodAdmission;
  /** Each component thread's health over the load phase. */
  health: ComponentHealth[];
}

export function buildModeResult(input: ModeResultInput): ModeResult {
  const { scenario, clientResults, loadPhaseMs } = input;
  const deltas = input.after.map((snap, i) => snapshotDelta(snap, input.before[i]!));
  const total = deltas.reduce((s, d) => s + d.requests, 0);
  const replicas: ReplicaResult[] = deltas.map((d) => ({
    replica: d.replica,
    requests: d.requests,
    share: total > 0 ? d.requests / total : NaN,
    requestsPerSecond: d.requests / (loadPhaseMs / 1000),
    inflightPeak: input.sampled.inflightPeak[d.replica] ?? 0,
    tooManyRequests: d.byCode['429'] ?? 0,
    byCode: d.byCode,
    byVerb: d.byVerb,
    p50Ms: histogramQuantile(0.5, d.durationBuckets) * 1000,
    p99Ms: histogramQuantile(0.99, d.durationBuckets) * 1000,
    perSecond: input.sampled.perSecond[d.replica] ?? [],
  }));

  const sum = (pick: (r: ClientRunResult) => number) => clientResults.reduce((s, r) => s + pick(r), 0);
  const clientAnswered = sum((r) => sumValues(r.answeredByCode));
  const attempts = sum((r) => r.attempts);
  const failures = sum((r) => sumValues(r.errors) + sumValues(r.gatewayByCode));

  const offered = scenario.clients.flatMap((g) => Array.from({ length: g.count }, () => g.rate));
  const offeredTotal = offered.reduce((a, b) => a + b, 0);
  const heavyShare = offeredTotal > 0 ? Math.max(...offered) / offeredTotal : 0;

  return {
    mode: input.mode.name,
    summary: input.mode.summary,
    seed: input.randomSeed,
    loadPhaseMs,
    replicas,
    fairness: fairnessOf(replicas.map((r) => r.requests)),
    hottestShare: total > 0 ? Math.max(...replicas.map((r) => r.requests)) / total : NaN,
    perSecondMaxOverMean: perSecondImbalance(replicas.map((r) => r.perSecond)),
    theory: {
      heavyShare,
      hotClientMaxOverMean: hotClientMaxOverMean(heavyShare, replicas.length),
      note: 'L4 best case for the busiest client pod with offered share h, the rest perfectly spread (docs/theory.md); L7 expects ~1.0',
    },
    clients: groupResults(scenario, clientResults),
    latency: mergeEncodedHistograms(clientResults.map((r) => r.latencyHistogram)),
    errorRate: attempts > 0 ? failures / attempts : 0,
    failures: failureSummary(clientResults),
    conservation: conservationOf(
      clientAnswered,
      total,
      sum((r) => r.inDoubt),
    ),
    rejectedPods: input.admission.rejected,
    timeline: {
      bucketMs: 1000,
      replicas: Object.fromEntries(replicas.map((r) => [r.replica, { requests: r.perSecond, openConnections: [], inflight: [], tooManyRequests: [] }])),
      maxOverMean: [],
      events: [],
    },
    convergence: [],
    selfCheck: selfCheckOf(input.health, mergeEncodedHistograms(clientResults.map((r) => r.sendLagHistogram)), loadPhaseMs),
    network: input.network as unknown as Record<string, unknown>,
    startupMs: input.startupMs,
  };
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
    };
  });
}

/** Mean over 1 s intervals (with traffic) of that interval's max/mean: instantaneous imbalance, which goaway hides. */
export function perSecondImbalance(series: number[][]): number {
  const length = Math.min(...series.map((s) => s.length));
  const ratios: number[] = [];
  for (let t = 0; t < length; t++) {
    const f = fairnessOf(series.map((s) => s[t]!));
    if (f.total > 0 && Number.isFinite(f.maxOverMean)) ratios.push(f.maxOverMean);
  }
  return ratios.length > 0 ? ratios.reduce((a, b) => a + b, 0) / ratios.length : NaN;
}

function sumValues(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}
