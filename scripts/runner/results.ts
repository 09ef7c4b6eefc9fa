// The machine-readable result of `npm run scenario` (written to results/<scenario>-<timestamp>.json). Versioned:
// bump RESULTS_SCHEMA_VERSION on any incompatible change and describe it in docs/results.md.
import type { Fairness } from '../measure/fairness.ts';
import type { LatencySummary } from '../measure/latency.ts';
import type { ModeName } from '../../scenarios/schema.ts';

export const RESULTS_SCHEMA_VERSION = 1;

export interface ReplicaResult {
  replica: string;
  /** apiserver_request_total delta over the load phase (all codes, incl. 429). */
  requests: number;
  share: number;
  requestsPerSecond: number;
  /** Highest apiserver_current_inflight_requests (readOnly + mutating, 1 s watermark) seen while scraping each second. */
  inflightPeak: number;
  tooManyRequests: number;
  byCode: Record<string, number>;
  byVerb: Record<string, number>;
  /** histogram_quantile over apiserver_request_duration_seconds (an estimate bounded by the bucket layout). */
  p50Ms: number;
  p99Ms: number;
  /** Requests per 1 s interval, from the per-second scrapes. */
  perSecond: number[];
}

export interface ClientGroupResult {
  group: string;
  pods: number;
  profile: string;
  attempts: number;
  answered: number;
  gatewayResponses: number;
  errors: Record<string, number>;
  retries: Record<string, number>;
  connectionsOpened: number;
  goawaysReceived: number;
  latency: LatencySummary;
  /** Replica that served each pod's connections, from kube-proxy / gateway stats where known. */
  answeredByCode: Record<string, number>;
}

export interface Conservation {
  /** Responses with an Audit-Id that clients received (answered by some replica). */
  clientAnswered: number;
  /** Sum of apiserver_request_total deltas over all replicas. */
  replicaCounted: number;
  /** Requests aborted at the end whose fate is unknown. */
  inDoubt: number;
  ok: boolean;
}

export interface CheckResult {
  mode: ModeName;
  metric: string;
  actual: number | boolean;
  expected: string;
  ok: boolean;
}

export interface ModeResult {
  mode: ModeName;
  summary: string;
  seed: number;
  loadPhaseMs: number;
  replicas: ReplicaResult[];
  fairness: Fairness;
  /** Peak-second imbalance: the mean over 1 s intervals of that interval's max/mean. */
  perSecondMaxOverMean: number;
  theory: { heavyShare: number; hotClientMaxOverMean: number; note: string };
  clients: ClientGroupResult[];
  latency: LatencySummary;
  errorRate: number;
  conservation: Conservation;
  /** Where connections went: kube-proxy connection counts per Service backend, gateway per-endpoint requests. */
  network: Record<string, unknown>;
  startupMs: number;
}

export interface ScenarioResults {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  tool: { name: string; version: string };
  scenario: { name: string; file: string; description?: string };
  seed: number;
  startedAt: string;
  finishedAt: string;
  wallMs: number;
  machine: { node: string; platform: string; cpus: number };
  modes: ModeResult[];
  checks: CheckResult[];
}
