// The work estimator: how many seats a request occupies and for how long after it finished (k8s.io/apiserver
// pkg/util/flowcontrol/request/width.go, list_work_estimator.go, mutating_work_estimator.go, config.go at
// kubernetes-1.32.13):
// - list (and watch with sendInitialEvents=true, WatchList feature on as in 1.32): ceil(objects / 100) seats within
//   [1, min(10, the level's maxSeats)], where objects = the stored count when served from the watch cache (and for
//   watches), stored + limit with a label/field selector, 2 x limit otherwise; 1 seat for a list by name; 1 seat
//   when the resource's count is unknown (not found), the maximum when it went stale;
// - create/update/patch/delete: 1 seat, plus, with >= 10 interested watchers, ceil(watchers / 10) final seats
//   (capped at the maximum) held for 5 ms x (uncapped final seats) / (final seats) after the request finished;
//   serviceaccounts/token creates send no events;
// - anything else: 1 seat.
// Inputs are what the caller knows (the object count of the resource, the list options, the number of interested
// watchers); nothing here touches a store.
//
// Difference: v1.34+ estimates lists from object sizes (SizeBasedListCostEstimate, up to 100 seats); this is the
// object-count model of v1.32, the version the simulator reports.
import { durationPerSeatMs, seatsTimesDuration } from './seatSeconds.ts';
import type { RequestDigest, WorkEstimate } from './types.ts';

export interface WorkEstimatorConfig {
  minimumSeats: number;
  maximumSeatsLimit: number;
  objectsPerSeat: number;
  watchesPerSeat: number;
  eventAdditionalDurationMs: number;
  mutatingWorkEstimatorEnabled: boolean;
  /** The WatchList feature gate (beta, on by default in 1.32): watches are estimated like lists. */
  watchList: boolean;
  /** ConsistentListFromCache (beta, on in 1.32) with an etcd that supports RequestWatchProgress: RV="" lists come from the cache. */
  consistentListFromCache: boolean;
}

export const DEFAULT_WORK_ESTIMATOR_CONFIG: Readonly<WorkEstimatorConfig> = Object.freeze({
  minimumSeats: 1,
  maximumSeatsLimit: 10,
  objectsPerSeat: 100,
  watchesPerSeat: 10,
  eventAdditionalDurationMs: 5,
  mutatingWorkEstimatorEnabled: true,
  watchList: true,
  consistentListFromCache: true,
});

export interface ListOptions {
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  labelSelector?: string;
  fieldSelector?: string;
  sendInitialEvents?: boolean;
}

export interface WorkInputs {
  /**
   * For list/watch: the ObjectCountTracker's count for the resource (group/resource). undefined = not found (e.g. an
   * aggregated resource), 'stale' = the count went stale.
   */
  objectCount?: number | 'stale';
  listOptions?: ListOptions;
  /** For create/update/patch/delete: watchers interested in the change (see watchTracker.ts). */
  watchCount?: number;
}

export const oneSeat = (): WorkEstimate => ({ initialSeats: 1, finalSeats: 0, additionalLatencyMs: 0 });

/** The effective maximum for a level: its maxSeats, unless unset (0) or above the global limit. */
function effectiveMaxSeats(levelMaxSeats: number, config: WorkEstimatorConfig): number {
  return levelMaxSeats === 0 || levelMaxSeats > config.maximumSeatsLimit ? config.maximumSeatsLimit : levelMaxSeats;
}

/** shouldListFromStorage (1.32): consistent reads without cache support, continuations and exact/unsupported RV matches go to etcd. */
export function shouldListFromStorage(opts: ListOptions, config: Pick<WorkEstimatorConfig, 'consistentListFromCache'>): boolean {
  const rv = opts.resourceVersion ?? '';
  const match = opts.resourceVersionMatch ?? '';
  const consistentReadFromStorage = rv === '' && !config.consistentListFromCache;
  const hasContinuation = (opts.continue ?? '').length > 0;
  const isLegacyExactMatch = (opts.limit ?? 0) > 0 && match === '' && rv.length > 0 && rv !== '0';
  const unsupportedMatch = (match !== '' && match !== 'NotOlderThan') || isLegacyExactMatch;
  return consistentReadFromStorage || hasContinuation || unsupportedMatch;
}

export function estimateListWork(
  digest: Pick<RequestDigest, 'verb' | 'name'>,
  inputs: WorkInputs,
  levelMaxSeats: number,
  config: WorkEstimatorConfig = DEFAULT_WORK_ESTIMATOR_CONFIG,
): WorkEstimate {
  const minSeats = config.minimumSeats;
  const maxSeats = effectiveMaxSeats(levelMaxSeats, config);
  const seats = (n: number): WorkEstimate => ({ initialSeats: n, finalSeats: 0, additionalLatencyMs: 0 });
  if (digest.name !== '') return seats(minSeats);
  const opts = inputs.listOptions ?? {};
  if (digest.verb === 'watch' && opts.sendInitialEvents !== true) return seats(minSeats);
  const isListFromCache = digest.verb === 'watch' || !shouldListFromStorage(opts, config);
  const count = inputs.objectCount;
  if (count === 'stale') return seats(maxSeats);
  if (count === undefined) return seats(minSeats);
  const numStored = count;
  const limit = opts.limit !== undefined && opts.limit > 0 && opts.limit < numStored ? opts.limit : numStored;
  let estimatedObjects: number;
  if (isListFromCache) estimatedObjects = numStored;
  else if ((opts.fieldSelector ?? '') !== '' || (opts.labelSelector ?? '') !== '') estimatedObjects = numStored + limit;
  else estimatedObjects = 2 * limit;
  let n = Math.ceil(estimatedObjects / config.objectsPerSeat);
  if (n < minSeats) n = minSeats;
  if (n > maxSeats) n = maxSeats;
  return seats(n);
}

export function estimateMutatingWork(
  digest: Pick<RequestDigest, 'resource' | 'subresource'>,
  inputs: WorkInputs,
  levelMaxSeats: number,
  config: WorkEstimatorConfig = DEFAULT_WORK_ESTIMATOR_CONFIG,
): WorkEstimate {
  const minSeats = config.minimumSeats;
  const maxSeats = effectiveMaxSeats(levelMaxSeats, config);
  if (!config.mutatingWorkEstimatorEnabled) return { initialSeats: minSeats, finalSeats: 0, additionalLatencyMs: 0 };
  // Creating a token for a service account produces no event.
  if (digest.resource === 'serviceaccounts' && digest.subresource === 'token') return { initialSeats: minSeats, finalSeats: 0, additionalLatencyMs: 0 };
  const watchCount = inputs.watchCount ?? 0;
  let finalSeats = 0;
  let additionalLatencyMs = 0;
  if (watchCount >= Math.trunc(config.watchesPerSeat)) {
    finalSeats = Math.ceil(watchCount / config.watchesPerSeat);
    const finalWork = seatsTimesDuration(finalSeats, config.eventAdditionalDurationMs);
    if (finalSeats > maxSeats) finalSeats = maxSeats;
    additionalLatencyMs = durationPerSeatMs(finalWork, finalSeats);
  }
  return { initialSeats: 1, finalSeats, additionalLatencyMs };
}

/** workEstimator.estimate: dispatch on the verb. */
export function estimateWork(
  digest: Pick<RequestDigest, 'verb' | 'name' | 'resource' | 'subresource'>,
  inputs: WorkInputs,
  levelMaxSeats: number,
  config: WorkEstimatorConfig = DEFAULT_WORK_ESTIMATOR_CONFIG,
): WorkEstimate {
  switch (digest.verb) {
    case 'list':
      return estimateListWork(digest, inputs, levelMaxSeats, config);
    case 'watch':
      if (config.watchList) return estimateListWork(digest, inputs, levelMaxSeats, config);
      break;
    case 'create':
    case 'update':
    case 'patch':
    case 'delete':
      return estimateMutatingWork(digest, inputs, levelMaxSeats, config);
  }
  return { initialSeats: config.minimumSeats, finalSeats: 0, additionalLatencyMs: 0 };
}
