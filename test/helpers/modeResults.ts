// Mode results for tests of what reads them (checks, convergence, the gate), built the way a run builds them: from
// per-replica bucket series and client accounting, through buildModeResult (scripts/runner/modeResult.ts).
import { Scenario, type ModeName, type ScenarioInput } from '../../scenarios/schema.ts';
import { MODES } from '../../scripts/cluster/modes.ts';
import type { Incarnation, LoadSamples, ReplicaSeries } from '../../scripts/measure/loadSampler.ts';
import { ZERO_COUNTS, type ReplicaSnapshot } from '../../scripts/measure/scrape.ts';
import { buildModeResult } from '../../scripts/runner/modeResult.ts';
import type { ModeResult, AppliedEvent } from '../../scripts/runner/results.ts';
import type { ClientRunResult } from '../../scripts/core/clientPod.ts';

export interface ReplicaFixture {
  requests: number[];
  up?: boolean[];
  tooManyRequests?: number[];
}

export const BASE_SCENARIO: ScenarioInput = { name: 'fixture', clients: [{ name: 'ctl', count: 3, rate: 10 }] };

function snapshot(replica: string, requests: number, tooMany: number): ReplicaSnapshot {
  return {
    ...ZERO_COUNTS,
    replica,
    at: 0,
    counterTotal: 0,
    startTime: 1,
    requests,
    byCode: { ...(requests - tooMany > 0 ? { '200': requests - tooMany } : {}), ...(tooMany > 0 ? { '429': tooMany } : {}) },
    inflight: { readOnly: 0, mutating: 0 },
    metrics: { samples: [], types: {} },
  };
}

export function samplesOf(replicas: Record<string, ReplicaFixture>): LoadSamples {
  return {
    bucketMs: 1000,
    notes: [],
    replicas: Object.entries(replicas).map(([name, r]): ReplicaSeries => {
      const total = r.requests.reduce((a, b) => a + b, 0);
      const tooMany = (r.tooManyRequests ?? []).reduce((a, b) => a + b, 0);
      const last = snapshot(name, total, tooMany);
      const incarnation: Incarnation = { startTime: 1, baseline: undefined, last, ended: false, final: false };
      return {
        replica: name,
        requests: r.requests,
        tooManyRequests: r.tooManyRequests ?? r.requests.map(() => 0),
        inflight: r.requests.map(() => 0),
        openConnections: r.requests.map(() => 1),
        up: r.up ?? r.requests.map(() => true),
        incarnations: [incarnation],
        totals: { requests: total, byCode: last.byCode, byVerb: {}, durationBuckets: new Map() },
        inflightPeak: 0,
      };
    }),
  };
}

export function clientResult(group: string, answered: number, extra: Partial<ClientRunResult> = {}): ClientRunResult {
  return {
    pod: `${group}-0`,
    group,
    profile: 'client-go',
    attempts: answered,
    answeredByCode: answered > 0 ? { '200': answered } : {},
    gatewayByCode: {},
    errors: {},
    retries: {},
    connections: { opened: 1, goawaysReceived: 0, resets: 0 },
    watches: { opened: 0, events: 0 },
    latencyHistogram: '',
    sendLagHistogram: '',
    finalByCode: answered > 0 ? { '200': answered } : {},
    finalGatewayByCode: {},
    throttleWait: { count: 0, totalMs: 0, maxMs: 0 },
    perSecond: [],
    inDoubt: 0,
    unsent: 0,
    ...extra,
  };
}

/** A mode result whose clients saw exactly what the replicas counted, unless `clients` says otherwise. */
export function modeResultOf(
  mode: ModeName,
  replicas: Record<string, ReplicaFixture>,
  options: { scenario?: ScenarioInput; clients?: ClientRunResult[]; events?: AppliedEvent[] } = {},
): ModeResult {
  const samples = samplesOf(replicas);
  const counted = samples.replicas.reduce((s, r) => s + r.totals.requests, 0);
  return buildModeResult({
    scenario: Scenario.parse(options.scenario ?? BASE_SCENARIO),
    randomSeed: 1,
    mode: MODES[mode],
    startupMs: 0,
    samples,
    clientResults: options.clients ?? [clientResult('ctl', counted)],
    warmUpAnswered: 0,
    warmUpFailed: [],
    rejected: [],
    events: options.events ?? [],
    loadPhaseMs: Math.max(...samples.replicas.map((r) => r.requests.length)) * 1000,
    network: { kubeProxy: [], gateways: [] },
    health: { components: [] },
  });
}

export function event(name: string, startedAtMs: number, readyMs?: number, error?: string): AppliedEvent {
  return {
    name,
    type: 'scale-apiservers',
    atMs: startedAtMs,
    startedAtMs,
    appliedMs: readyMs ?? 10,
    ...(readyMs !== undefined ? { readyMs } : {}),
    detail: '',
    ...(error ? { error } : {}),
  };
}
