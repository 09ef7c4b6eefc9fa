// The words of the scenario language, in one place: the modes, what a client's request mix may use, and the metrics an
// expectation may bound. schema.ts builds the schema from them; relativeBound.ts and the runner read them.

/** The modes a scenario can compare (docs/architecture.md#modes: configurations, not code paths). */
export const MODE_NAMES = ['direct', 'l7', 'passthrough', 'goaway'] as const;
/**
 * What a client group's request mix may use: defined with the client pod spec in the bottom layer
 * (scripts/core/clientPod.ts), which every target shares; named here as words of the scenario language.
 */
export { CLIENT_RESOURCES, CLIENT_VERBS } from '../scripts/core/clientPod.ts';

/**
 * The metrics an expectation may bound, per mode (docs/results.md#expectations). Each has a fixed meaning:
 * fairness over the replicas' request counts, client latency from the intended send time, and rates over attempts.
 */
export const RANGE_METRICS = [
  'maxOverMean',
  'minOverMean',
  'hottestShare',
  'jain',
  'cov',
  'perSecondMaxOverMean',
  'finalMaxOverMean',
  'finalMinOverMean',
  'p50Ms',
  'p99Ms',
  'errorRate',
  'tooManyRequestsRate',
  'retriedRate',
  'rejectedPods',
  'openConnectionsPeak',
  'neighbourMaxOverMean',
  'gatewayUpstreamPerReplica',
] as const;
export type RangeMetric = (typeof RANGE_METRICS)[number];

/** The metrics an expectation may bound per client group (`expect.<mode>.groups.<group>`), from its pods' accounting. */
export const GROUP_METRICS = ['p50Ms', 'p99Ms', 'errorRate', 'tooManyRequestsRate', 'answered'] as const;
export type GroupMetric = (typeof GROUP_METRICS)[number];

/**
 * The latency metrics (mode or client group): what the simulator's own lag inflates when the self-check says the
 * machine limited a mode, so a check on them there can be inconclusive (docs/scenarios.md#inconclusive-and-not-applicable).
 */
export const LATENCY_METRICS = ['p50Ms', 'p99Ms'] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

/**
 * The seed objects a timeline event may delete and create again, named as `kubectl get` names them. The cluster
 * model uses the same `<kind>/<name>` form for every seed object's id.
 */
export const RECREATABLE_SEED_OBJECTS = [
  'configmap/istio-internal-load-balancing',
  'service/istio-ingressgateway-internal',
  'mutatingwebhookconfiguration/gardener-resource-manager',
] as const;
export type RecreatableSeedObject = (typeof RECREATABLE_SEED_OBJECTS)[number];
