// The mandatory and suggested APF configuration objects kube-apiserver creates (and keeps up to date) at startup,
// exactly as k8s.io/apiserver pkg/apis/flowcontrol/bootstrap/default.go defines them (read at kubernetes/apiserver
// tag kubernetes-1.32.13, d5ed14d0): 8 priority levels and 13 flow schemas. `endpoint-controller` and
// `workload-leader-election` (for endpoints/configmaps-based leader election) exist up to v1.33 and were removed in
// v1.34 (commit cd728bc9); pass kubernetesMinor >= 34 to get the newer set.
//
// The objects carry what the apiserver would show in `kubectl get -o yaml` apart from server-filled bookkeeping:
// name, the auto-update annotation, generation 1 and a stable UID derived from kind and name (an RFC 4122 version 5
// UUID), so the X-Kubernetes-PF-*-UID response headers are reproducible across runs. resourceVersion and
// creationTimestamp are left to whatever store serves the objects.
import { createHash } from 'node:crypto';
import {
  API_GROUP_ALL,
  AUTO_UPDATE_ANNOTATION_KEY,
  FLOWCONTROL_API_VERSION,
  NAME_ALL,
  NAMESPACE_EVERY,
  NON_RESOURCE_ALL,
  RESOURCE_ALL,
  VERB_ALL,
  type FlowDistinguisherMethodType,
  type FlowSchema,
  type NonResourcePolicyRule,
  type PolicyRulesWithSubjects,
  type PriorityLevelConfiguration,
  type PriorityLevelConfigurationSpec,
  type ResourcePolicyRule,
  type Subject,
} from './types.ts';

// k8s.io/apiserver/pkg/authentication/user and .../serviceaccount
export const SYSTEM_PRIVILEGED_GROUP = 'system:masters';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const NODES_GROUP = 'system:nodes';
export const KUBE_CONTROLLER_MANAGER = 'system:kube-controller-manager';
export const KUBE_SCHEDULER = 'system:kube-scheduler';
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const SERVICE_ACCOUNT_USERNAME_PREFIX = 'system:serviceaccount:';

const CORE_GROUP = '';
const COORDINATION_GROUP = 'coordination.k8s.io';
const NAMESPACE_SYSTEM = 'kube-system';

/** A name-based (version 5, SHA-1) UUID in a namespace of this library, so the same object always gets the same UID. */
export function stableUid(kind: string, name: string): string {
  const namespace = Buffer.from('6f0c5b1e9d8a4f3c8a2b7e5d4c3b2a19', 'hex');
  const hash = createHash('sha1').update(namespace).update(`${FLOWCONTROL_API_VERSION}/${kind}/${name}`).digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function priorityLevel(name: string, spec: PriorityLevelConfigurationSpec): PriorityLevelConfiguration {
  return {
    apiVersion: FLOWCONTROL_API_VERSION,
    kind: 'PriorityLevelConfiguration',
    metadata: { name, uid: stableUid('PriorityLevelConfiguration', name), generation: 1, annotations: { [AUTO_UPDATE_ANNOTATION_KEY]: 'true' } },
    spec,
  };
}

function flowSchema(
  name: string,
  plName: string,
  matchingPrecedence: number,
  distinguisher: FlowDistinguisherMethodType | '',
  ...rules: PolicyRulesWithSubjects[]
): FlowSchema {
  return {
    apiVersion: FLOWCONTROL_API_VERSION,
    kind: 'FlowSchema',
    metadata: { name, uid: stableUid('FlowSchema', name), generation: 1, annotations: { [AUTO_UPDATE_ANNOTATION_KEY]: 'true' } },
    spec: {
      priorityLevelConfiguration: { name: plName },
      matchingPrecedence,
      ...(distinguisher ? { distinguisherMethod: { type: distinguisher } } : {}),
      rules,
    },
  };
}

const groups = (...names: string[]): Subject[] => names.map((name) => ({ kind: 'Group', group: { name } }));
const users = (...names: string[]): Subject[] => names.map((name) => ({ kind: 'User', user: { name } }));
const kubeSystemServiceAccount = (...names: string[]): Subject[] =>
  names.map((name) => ({ kind: 'ServiceAccount', serviceAccount: { name, namespace: NAMESPACE_SYSTEM } }));

function resourceRule(verbs: string[], apiGroups: string[], resources: string[], namespaces: string[], clusterScope: boolean): ResourcePolicyRule {
  return { verbs, apiGroups, resources, namespaces, ...(clusterScope ? { clusterScope } : {}) };
}
const nonResourceRule = (verbs: string[], nonResourceURLs: string[]): NonResourcePolicyRule => ({ verbs, nonResourceURLs });

const everything = (): { resourceRules: ResourcePolicyRule[]; nonResourceRules: NonResourcePolicyRule[] } => ({
  resourceRules: [resourceRule([VERB_ALL], [API_GROUP_ALL], [RESOURCE_ALL], [NAMESPACE_EVERY], true)],
  nonResourceRules: [nonResourceRule([VERB_ALL], [NON_RESOURCE_ALL])],
});

function queued(
  nominalConcurrencyShares: number,
  lendablePercent: number,
  queues: number,
  handSize: number,
  queueLengthLimit: number,
): PriorityLevelConfigurationSpec {
  return {
    type: 'Limited',
    limited: { nominalConcurrencyShares, lendablePercent, limitResponse: { type: 'Queue', queuing: { queues, handSize, queueLengthLimit } } },
  };
}

// ---- Mandatory priority levels and flow schemas --------------------------------------------------------------

export const mandatoryPriorityLevelExempt = (): PriorityLevelConfiguration =>
  priorityLevel('exempt', { type: 'Exempt', exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } });

export const mandatoryPriorityLevelCatchAll = (): PriorityLevelConfiguration =>
  priorityLevel('catch-all', { type: 'Limited', limited: { nominalConcurrencyShares: 5, lendablePercent: 0, limitResponse: { type: 'Reject' } } });

export const mandatoryFlowSchemaExempt = (): FlowSchema =>
  flowSchema('exempt', 'exempt', 1, '', { subjects: groups(SYSTEM_PRIVILEGED_GROUP), ...everything() });

export const mandatoryFlowSchemaCatchAll = (): FlowSchema =>
  flowSchema('catch-all', 'catch-all', 10000, 'ByUser', { subjects: groups(ALL_UNAUTHENTICATED, ALL_AUTHENTICATED), ...everything() });

export function mandatoryPriorityLevels(): PriorityLevelConfiguration[] {
  return [mandatoryPriorityLevelCatchAll(), mandatoryPriorityLevelExempt()];
}

export function mandatoryFlowSchemas(): FlowSchema[] {
  return [mandatoryFlowSchemaExempt(), mandatoryFlowSchemaCatchAll()];
}

// ---- Suggested priority levels ---------------------------------------------------------------------------------

export function suggestedPriorityLevels(): PriorityLevelConfiguration[] {
  return [
    priorityLevel('system', queued(30, 33, 64, 6, 50)),
    priorityLevel('node-high', queued(40, 25, 64, 6, 50)),
    priorityLevel('leader-election', queued(10, 0, 16, 4, 50)),
    priorityLevel('workload-high', queued(40, 50, 128, 6, 50)),
    priorityLevel('workload-low', queued(100, 90, 128, 6, 50)),
    priorityLevel('global-default', queued(20, 50, 128, 6, 50)),
  ];
}

// ---- Suggested flow schemas, in default.go's order (SuggestedFlowSchemas) -------------------------------------

export function suggestedFlowSchemas(options: { kubernetesMinor?: number } = {}): FlowSchema[] {
  const minor = options.kubernetesMinor ?? 32;
  const systemNodes = flowSchema('system-nodes', 'system', 500, 'ByUser', { subjects: groups(NODES_GROUP), ...everything() });
  const systemNodeHigh = flowSchema('system-node-high', 'node-high', 400, 'ByUser', {
    subjects: groups(NODES_GROUP),
    resourceRules: [
      resourceRule([VERB_ALL], [CORE_GROUP], ['nodes', 'nodes/status'], [NAMESPACE_EVERY], true),
      resourceRule([VERB_ALL], [COORDINATION_GROUP], ['leases'], [NAMESPACE_EVERY], false),
    ],
  });
  const probes = flowSchema('probes', 'exempt', 2, '', {
    subjects: groups(ALL_UNAUTHENTICATED, ALL_AUTHENTICATED),
    nonResourceRules: [nonResourceRule(['get'], ['/healthz', '/readyz', '/livez'])],
  });
  const systemLeaderElection = flowSchema('system-leader-election', 'leader-election', 100, 'ByUser', {
    subjects: [...users(KUBE_CONTROLLER_MANAGER, KUBE_SCHEDULER), ...kubeSystemServiceAccount(NAME_ALL)],
    resourceRules: [resourceRule(['get', 'create', 'update'], [COORDINATION_GROUP], ['leases'], [NAMESPACE_EVERY], false)],
  });
  const workloadLeaderElection = flowSchema('workload-leader-election', 'leader-election', 200, 'ByUser', {
    subjects: kubeSystemServiceAccount(NAME_ALL),
    resourceRules: [
      resourceRule(['get', 'create', 'update'], [CORE_GROUP], ['endpoints', 'configmaps'], [NAMESPACE_EVERY], false),
      resourceRule(['get', 'create', 'update'], [COORDINATION_GROUP], ['leases'], [NAMESPACE_EVERY], false),
    ],
  });
  const endpointsController = flowSchema('endpoint-controller', 'workload-high', 150, 'ByUser', {
    subjects: [...users(KUBE_CONTROLLER_MANAGER), ...kubeSystemServiceAccount('endpoint-controller', 'endpointslicemirroring-controller')],
    resourceRules: [resourceRule(['get', 'create', 'update'], [CORE_GROUP], ['endpoints'], [NAMESPACE_EVERY], false)],
  });
  const kubeControllerManager = flowSchema('kube-controller-manager', 'workload-high', 800, 'ByNamespace', {
    subjects: users(KUBE_CONTROLLER_MANAGER),
    ...everything(),
  });
  const kubeScheduler = flowSchema('kube-scheduler', 'workload-high', 800, 'ByNamespace', { subjects: users(KUBE_SCHEDULER), ...everything() });
  const kubeSystemServiceAccounts = flowSchema('kube-system-service-accounts', 'workload-high', 900, 'ByNamespace', {
    subjects: kubeSystemServiceAccount(NAME_ALL),
    ...everything(),
  });
  const serviceAccounts = flowSchema('service-accounts', 'workload-low', 9000, 'ByUser', { subjects: groups(ALL_SERVICE_ACCOUNTS_GROUP), ...everything() });
  const globalDefault = flowSchema('global-default', 'global-default', 9900, 'ByUser', {
    subjects: groups(ALL_UNAUTHENTICATED, ALL_AUTHENTICATED),
    ...everything(),
  });
  return [
    systemNodes,
    systemNodeHigh,
    probes,
    systemLeaderElection,
    ...(minor <= 33 ? [workloadLeaderElection, endpointsController] : []),
    kubeControllerManager,
    kubeScheduler,
    kubeSystemServiceAccounts,
    serviceAccounts,
    globalDefault,
  ];
}

export interface BootstrapConfiguration {
  flowSchemas: FlowSchema[];
  priorityLevels: PriorityLevelConfiguration[];
}

/** Mandatory + suggested objects, the configuration of a fresh cluster. */
export function bootstrapConfiguration(options: { kubernetesMinor?: number } = {}): BootstrapConfiguration {
  return {
    priorityLevels: [...mandatoryPriorityLevels(), ...suggestedPriorityLevels()],
    flowSchemas: [...mandatoryFlowSchemas(), ...suggestedFlowSchemas(options)],
  };
}
