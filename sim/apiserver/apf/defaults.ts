// API defaulting of flowcontrol.apiserver.k8s.io/v1 objects, as the apiserver applies it before validation and
// storage (kubernetes/kubernetes pkg/apis/flowcontrol/v1/defaults.go, v1.29+ shape with pointer
// nominalConcurrencyShares): matchingPrecedence 0 -> 1000; limited.nominalConcurrencyShares absent -> 30 (an explicit
// 0 stays 0); lendablePercent absent -> 0 (limited and exempt); exempt.nominalConcurrencyShares absent -> 0;
// queuing handSize/queues/queueLengthLimit 0 -> 8/64/50. Nothing else is defaulted: an absent borrowingLimitPercent
// stays absent (no borrowing limit). Returns deep copies; the inputs are not modified.
import { FLOWCONTROL_API_VERSION, type FlowSchema, type PriorityLevelConfiguration } from './types.ts';

export const FLOW_SCHEMA_DEFAULT_MATCHING_PRECEDENCE = 1000;
export const PRIORITY_LEVEL_DEFAULT_HAND_SIZE = 8;
export const PRIORITY_LEVEL_DEFAULT_QUEUES = 64;
export const PRIORITY_LEVEL_DEFAULT_QUEUE_LENGTH_LIMIT = 50;
export const PRIORITY_LEVEL_DEFAULT_NOMINAL_CONCURRENCY_SHARES = 30;

function clone<T>(value: T): T {
  return structuredClone(value);
}

export function defaultFlowSchema(input: FlowSchema): FlowSchema {
  const fs = clone(input);
  fs.apiVersion ??= FLOWCONTROL_API_VERSION;
  fs.kind ??= 'FlowSchema';
  fs.metadata ??= {};
  if (fs.spec) {
    if (fs.spec.matchingPrecedence === undefined || fs.spec.matchingPrecedence === 0) {
      fs.spec.matchingPrecedence = FLOW_SCHEMA_DEFAULT_MATCHING_PRECEDENCE;
    }
  }
  return fs;
}

export function defaultPriorityLevelConfiguration(input: PriorityLevelConfiguration): PriorityLevelConfiguration {
  const pl = clone(input);
  pl.apiVersion ??= FLOWCONTROL_API_VERSION;
  pl.kind ??= 'PriorityLevelConfiguration';
  pl.metadata ??= {};
  const spec = pl.spec;
  if (!spec) return pl;
  if (spec.exempt) {
    spec.exempt.nominalConcurrencyShares ??= 0;
    spec.exempt.lendablePercent ??= 0;
  }
  if (spec.limited) {
    spec.limited.nominalConcurrencyShares ??= PRIORITY_LEVEL_DEFAULT_NOMINAL_CONCURRENCY_SHARES;
    spec.limited.lendablePercent ??= 0;
    const queuing = spec.limited.limitResponse?.queuing;
    if (queuing) {
      if (!queuing.handSize) queuing.handSize = PRIORITY_LEVEL_DEFAULT_HAND_SIZE;
      if (!queuing.queues) queuing.queues = PRIORITY_LEVEL_DEFAULT_QUEUES;
      if (!queuing.queueLengthLimit) queuing.queueLengthLimit = PRIORITY_LEVEL_DEFAULT_QUEUE_LENGTH_LIMIT;
    }
  }
  return pl;
}
