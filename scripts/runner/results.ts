// The machine-readable result of a scenario run (results/<scenario>-<timestamp>.json), read by `npm run report`,
// `npm run compare` and `npm run gate`. Versioned: bump RESULTS_SCHEMA_VERSION on any incompatible change and
// describe it in docs/results.md. NaN values (a metric with no data) are written as null by JSON.stringify.
//
// Version 2 (this one) adds, per mode: the timeline (1 s buckets per replica: requests, open client connections,
// inflight, 429s; the events and when they were applied), convergence per event, failures by kind with retries,
// rejected pods, API Priority and Fairness figures, and the simulator's self-check; per run: the target and the
// events as the scenario listed them. Version 1 files are still read (scripts/report/load.ts).
import type { Fairness } from '../measure/fairness.ts';
import type { LatencySummary } from '../measure/latency.ts';
import type { ModeName } from '../../scenarios/schema.ts';
import type { GatewayAccounting } from './gatewayAccounting.ts';

export const RESULTS_SCHEMA_VERSION = 2;

export interface ReplicaResult {
  replica: string;
  /** Requests counted by apiserver_request_total during the load phase (all codes, incl. 429), summed over its processes (restarts). */
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
  /** Requests per 1 s interval, from the per-second scrapes (same as timeline.replicas[name].requests). */
  perSecond: number[];
  /** How many processes the replica had during the phase (1 + restarts seen). */
  processes: number;
  /** API Priority and Fairness on this replica (absent when APF is off or the replica does not export it). */
  apf?: ApfReplicaResult;
}

export interface ApfReplicaResult {
  /** Per priority level: dispatched requests, rejections by reason, and the p99 time spent queued. */
  priorityLevels: Record<string, { dispatched: number; rejected: Record<string, number>; queueWaitP99Ms: number }>;
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
  answeredByCode: Record<string, number>;
  /** The user names the kube-apiserver gave the group's pods (SelfSubjectReview at warm-up; client-go pods). */
  identities: string[];
}

/** A neighbour control plane behind the same gateway (docs/scenarios.md#shared-gateway): how its replicas shared its load. */
export interface NeighbourResult {
  controlPlane: string;
  /** Its client groups (their latency and errors are in `clients`). */
  groups: string[];
  requests: number;
  fairness: Fairness;
  replicas: { replica: string; requests: number; share: number; tooManyRequests: number; p99Ms: number }[];
}

export interface Conservation {
  /** Responses with an Audit-Id that clients received (answered by some replica). */
  clientAnswered: number;
  /** Sum of apiserver_request_total increases over all replicas, neighbours' included (counter resets on restart accounted for). */
  replicaCounted: number;
  /** Requests aborted at the end (or cut by a reset) whose fate is unknown. */
  inDoubt: number;
  /** Of clientAnswered: requests of warm-ups that ran inside the load phase (pods started by an event). */
  warmUpAnswered: number;
  ok: boolean;
}

/** How requests that got no apiserver answer (or an error answer) ended, by kind; nothing is lost silently. */
export interface FailureSummary {
  /** Kinds: reset, refused, tooManyRequests (429), serverError (5xx), timeout, dns, connect, tls, gateway (a reply made by the gateway), cancelled, other. */
  byKind: Record<string, number>;
  /** Attempts that were retried (client-go's retry rules), and requests that failed after every retry. */
  retried: number;
  finallyFailed: number;
  /** Pods whose warm-up failed (they could not reach an apiserver); their requests then failed by kind. */
  warmUp: { pod: string; error: string }[];
}

/**
 * What the runner did for one of the scenario's timeline events, as the results record it (`timeline.events`). The
 * planned event is scenarios/events.ts's TimelineEvent.
 */
export interface AppliedEvent {
  /** The event's name in the scenario (or `<type>@<at>`), used by expectations such as convergenceSeconds. */
  name: string;
  type: string;
  /** Planned and actual start, ms after the load phase began. */
  atMs: number;
  startedAtMs: number;
  /** How long applying it took, and for changes that end in something becoming ready, until then (ms). */
  appliedMs?: number;
  readyMs?: number;
  detail: string;
  error?: string;
}

export interface Timeline {
  /** Width of each bucket (ms); bucket i covers [i·bucketMs, (i+1)·bucketMs) of the load phase. */
  bucketMs: number;
  /** Per replica (every replica that existed during the run), one value per bucket. */
  replicas: Record<string, { requests: number[]; openConnections: number[]; inflight: number[]; tooManyRequests: number[]; up: boolean[] }>;
  /** max/mean of the requests of the replicas that were ready in each bucket. */
  maxOverMean: number[];
  events: AppliedEvent[];
}

export interface Convergence {
  event: string;
  /** The max/mean bound the per-second imbalance has to get back under. */
  threshold: number;
  /** Seconds after the event until it did (and stayed for 2 s), or "never" within the run. */
  seconds: number | 'never';
}

export interface RejectedPodResult {
  pod: string;
  group: string;
  code: number;
  message: string;
}

export interface SelfCheckComponent {
  component: string;
  kind: string;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** CPU time of the component's thread during the load phase (ms), and its share of the phase. */
  cpuMs: number;
  cpuShare: number;
  utilization: number;
  /** A real component's process (binary target): CPU of all its threads and waited-for children; no event loop (NaN). */
  realProcess?: boolean;
}

export interface SelfCheck {
  components: SelfCheckComponent[];
  /** Actual minus intended send time of the clients' requests (open-loop lag), ms. */
  clientSendLag: { p50Ms: number; p99Ms: number; maxMs: number };
  /** How busy the machine's CPUs were over the load phase (absent on targets whose cluster is not this process). */
  machine?: { cpus: number; busyShare: number; processShare: number; othersShare: number };
  /** One line per threshold passed, e.g. "gateway-0 event loop p99 38 ms: l7 latencies are inflated by the simulator". */
  warnings: string[];
  clean: boolean;
}

/**
 * How a check ended (docs/scenarios.md#inconclusive-and-not-applicable): pass or fail; `inconclusive` when it read a
 * latency in a mode the self-check says the machine limited and the machine's lag could have decided it; or
 * `not-applicable` when it compares with a mode that did not run. Only `fail` fails a run (`--fail-on-inconclusive`
 * makes inconclusive fail the gate).
 */
export type CheckStatus = 'pass' | 'fail' | 'inconclusive' | 'not-applicable';

export interface CheckResult {
  /** The mode the check is about, or "compare" for a relative bound between modes. */
  mode: ModeName | 'compare';
  metric: string;
  actual: number | boolean | string;
  expected: string;
  /** False only for a failed check (status `fail`); files written before `status` existed have only this. */
  ok: boolean;
  status: CheckStatus;
  /** Why a check is inconclusive or not applicable. */
  reason?: string;
}

export interface ModeResult {
  mode: ModeName;
  summary: string;
  seed: number;
  loadPhaseMs: number;
  replicas: ReplicaResult[];
  fairness: Fairness;
  /** The hottest replica's share of all requests. */
  hottestShare: number;
  /** Peak-second imbalance: the mean over 1 s intervals of that interval's max/mean. */
  perSecondMaxOverMean: number;
  /** Fairness at the end of the run: over the last FINAL_BUCKETS complete buckets, the replicas up in all of them. */
  finalFairness: Fairness;
  theory: { heavyShare: number; hotClientMaxOverMean: number; note: string };
  clients: ClientGroupResult[];
  latency: LatencySummary;
  errorRate: number;
  failures: FailureSummary;
  conservation: Conservation;
  rejectedPods: RejectedPodResult[];
  /** Neighbour control planes sharing the gateway; absent when the scenario has none. */
  neighbours?: NeighbourResult[];
  /** Per gateway pod and per replica, what the shared gateway holds (docs/scenarios.md#gateway-accounting); absent without gateway pods. */
  gatewayAccounting?: GatewayAccounting;
  timeline: Timeline;
  convergence: Convergence[];
  selfCheck: SelfCheck;
  /** Where connections went: kube-proxy connections per Service backend, gateway per-endpoint requests and upstream connections. */
  network: Record<string, unknown>;
  startupMs: number;
  /** What the measurement itself noticed: failed scrapes, restarts whose last counts were not seen. */
  measurementNotes: string[];
}

export interface ScenarioResults {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  tool: { name: string; version: string };
  scenario: { name: string; file: string; description?: string; events?: unknown[] };
  target: string;
  seed: number;
  startedAt: string;
  finishedAt: string;
  wallMs: number;
  machine: { node: string; platform: string; cpus: number; cpuModel?: string };
  /** Parameters the run used that were not in the scenario file (CLI overrides). */
  parameters: Record<string, unknown>;
  modes: ModeResult[];
  checks: CheckResult[];
}
