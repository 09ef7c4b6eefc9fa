// The API objects of API Priority and Fairness in their flowcontrol.apiserver.k8s.io/v1 JSON shape, the same objects
// `kubectl get flowschemas,prioritylevelconfigurations -o yaml` shows (k8s.io/api flowcontrol/v1/types.go, read at
// kubernetes/api 10b39a39; the v1 shape is unchanged since v1.29), plus the constants of that file (wildcards,
// mandatory names, response header names, the auto-update annotation) and the library's internal request types
// (the RequestDigest of k8s.io/apiserver/pkg/util/flowcontrol/apf_controller.go, the WorkEstimate of
// .../flowcontrol/request/width.go).
//
// Optional fields are the ones Go marks omitempty or holds by pointer; an absent number is Go's nil pointer (e.g. an
// absent borrowingLimitPercent means "no limit", which is not the same as 0).

export const FLOWCONTROL_GROUP = 'flowcontrol.apiserver.k8s.io';
export const FLOWCONTROL_API_VERSION = 'flowcontrol.apiserver.k8s.io/v1';

// Wildcards (types.go).
import type { ObjectMeta } from '../../../scripts/core/kubeObject.ts';
export const API_GROUP_ALL = '*';
export const RESOURCE_ALL = '*';
export const VERB_ALL = '*';
export const NON_RESOURCE_ALL = '*';
export const NAME_ALL = '*';
/** Matches every particular namespace, but not a request without a namespace (that is clusterScope's job). */
export const NAMESPACE_EVERY = '*';

// Mandatory configuration names (types.go).
export const PRIORITY_LEVEL_EXEMPT = 'exempt';
export const PRIORITY_LEVEL_CATCH_ALL = 'catch-all';
export const FLOW_SCHEMA_EXEMPT = 'exempt';
export const FLOW_SCHEMA_CATCH_ALL = 'catch-all';

export const FLOW_SCHEMA_CONDITION_DANGLING = 'Dangling';
export const FLOW_SCHEMA_MAX_MATCHING_PRECEDENCE = 10000;

/** Response headers set on every request APF handled, executed or rejected (types.go; set in filters/priority-and-fairness.go). */
export const RESPONSE_HEADER_MATCHED_PRIORITY_LEVEL_UID = 'X-Kubernetes-PF-PriorityLevel-UID';
export const RESPONSE_HEADER_MATCHED_FLOW_SCHEMA_UID = 'X-Kubernetes-PF-FlowSchema-UID';

export const AUTO_UPDATE_ANNOTATION_KEY = 'apf.kubernetes.io/autoupdate-spec';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

// ---------------------------------------------------------------------------------------------------------------
// FlowSchema

export type FlowDistinguisherMethodType = 'ByUser' | 'ByNamespace';
export type SubjectKind = 'User' | 'Group' | 'ServiceAccount';

export interface FlowSchema {
  apiVersion?: typeof FLOWCONTROL_API_VERSION;
  kind?: 'FlowSchema';
  metadata: ObjectMeta;
  spec: FlowSchemaSpec;
  status?: FlowSchemaStatus;
}

export interface FlowSchemaSpec {
  priorityLevelConfiguration: { name: string };
  /** 1..10000, lower is matched first; defaults to 1000 when absent (or 0). */
  matchingPrecedence?: number;
  /** Absent: the flow distinguisher is always the empty string. */
  distinguisherMethod?: { type: FlowDistinguisherMethodType };
  rules?: PolicyRulesWithSubjects[];
}

export interface PolicyRulesWithSubjects {
  subjects: Subject[];
  resourceRules?: ResourcePolicyRule[];
  nonResourceRules?: NonResourcePolicyRule[];
}

export interface Subject {
  kind: SubjectKind;
  user?: { name: string };
  group?: { name: string };
  serviceAccount?: { namespace: string; name: string };
}

export interface ResourcePolicyRule {
  verbs: string[];
  apiGroups: string[];
  /** Lowercase plural resources, optionally with a subresource ("nodes/status"). */
  resources: string[];
  clusterScope?: boolean;
  namespaces?: string[];
}

export interface NonResourcePolicyRule {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface FlowSchemaCondition {
  type?: string;
  status?: ConditionStatus;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface FlowSchemaStatus {
  conditions?: FlowSchemaCondition[];
}

// ---------------------------------------------------------------------------------------------------------------
// PriorityLevelConfiguration

export type PriorityLevelEnablement = 'Exempt' | 'Limited';
export type LimitResponseType = 'Queue' | 'Reject';

export interface PriorityLevelConfiguration {
  apiVersion?: typeof FLOWCONTROL_API_VERSION;
  kind?: 'PriorityLevelConfiguration';
  metadata: ObjectMeta;
  spec: PriorityLevelConfigurationSpec;
  status?: PriorityLevelConfigurationStatus;
}

export interface PriorityLevelConfigurationSpec {
  type: PriorityLevelEnablement;
  limited?: LimitedPriorityLevelConfiguration;
  exempt?: ExemptPriorityLevelConfiguration;
}

export interface LimitedPriorityLevelConfiguration {
  /** Defaults to 30 when absent; 0 is allowed in v1 (a "jail"). */
  nominalConcurrencyShares?: number;
  limitResponse: LimitResponse;
  /** 0..100, defaults to 0. */
  lendablePercent?: number;
  /** >= 0; absent means the level may borrow without limit (up to the server's concurrency limit). */
  borrowingLimitPercent?: number;
}

export interface ExemptPriorityLevelConfiguration {
  nominalConcurrencyShares?: number;
  lendablePercent?: number;
}

export interface LimitResponse {
  type: LimitResponseType;
  queuing?: QueuingConfiguration;
}

export interface QueuingConfiguration {
  /** Defaults to 64. */
  queues?: number;
  /** Defaults to 8. */
  handSize?: number;
  /** Defaults to 50. */
  queueLengthLimit?: number;
}

export interface PriorityLevelConfigurationCondition {
  type?: string;
  status?: ConditionStatus;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface PriorityLevelConfigurationStatus {
  conditions?: PriorityLevelConfigurationCondition[];
}

// ---------------------------------------------------------------------------------------------------------------
// Internal types

/**
 * What APF looks at in a request: the authenticated user and the RequestInfo that the RequestInfoFactory derived
 * (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go). For a non-resource request only verb (the lower-case
 * HTTP method) and path matter.
 */
export interface RequestDigest {
  user: { name: string; groups: readonly string[] };
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  isResourceRequest: boolean;
  path: string;
}

/**
 * The work of one request (request/width.go): seats while it executes, then finalSeats held for additionalLatency
 * after it finished (the cost of notifying watchers). The server reserves max(initialSeats, finalSeats) seats for
 * both phases.
 */
export interface WorkEstimate {
  initialSeats: number;
  finalSeats: number;
  additionalLatencyMs: number;
}

export function maxSeatsOf(work: WorkEstimate): number {
  return work.initialSeats >= work.finalSeats ? work.initialSeats : work.finalSeats;
}

/** The reasons of apiserver_flowcontrol_rejected_requests_total, plus 'cancelled' for a client that went away while queued. */
export type RejectReason = 'queue-full' | 'concurrency-limit' | 'time-out' | 'cancelled';
