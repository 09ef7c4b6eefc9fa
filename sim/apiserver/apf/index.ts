// The API Priority and Fairness library: the facade the replica calls (priorityAndFairness.ts) and the pieces it
// is made of, one concept per module; docs/apf.md lists the upstream facts each one follows.
export * from './types.ts';
export * from './defaults.ts';
export * from './bootstrap.ts';
export * from './validation.ts';
export * from './configuration.ts';
export * from './classify.ts';
export * from './shuffleSharding.ts';
export * from './seatSeconds.ts';
export * from './integrator.ts';
export * from './concurrencyAllocation.ts';
export * from './concurrency.ts';
export * from './workEstimate.ts';
export * from './watchTracker.ts';
export * from './waitLimit.ts';
export * from './droppedRequests.ts';
export * from './queueSet.ts';
export * from './clock.ts';
export * from './metrics.ts';
export {
  PriorityAndFairness,
  ApfRejection,
  DEFAULT_SERVER_CONCURRENCY_LIMIT,
  TOO_MANY_REQUESTS_BODY,
  type ApfOptions,
  type CancelSignal,
  type DispatchOptions,
  type ExecutionLease,
  type PriorityLevelSnapshot,
  type WorkSpec,
} from './priorityAndFairness.ts';
