// The API resources the simulated kube-apiserver serves, with the discovery facts kubectl needs
// (kind, namespaced, verbs, short names) as a real v1.32 kube-apiserver reports them.

export interface ResourceInfo {
  group: string;
  version: string;
  /** Plural resource name used in URLs. */
  resource: string;
  kind: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Objects with .spec get metadata.generation bumped on spec changes. */
  hasSpecGeneration?: boolean;
  verbs: string[];
}

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const FLOWCONTROL_VERBS = ['get', 'list', 'watch'];

export const RESOURCES: ResourceInfo[] = [
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    singular: 'namespace',
    namespaced: false,
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', singular: 'configmap', namespaced: true, shortNames: ['cm'], verbs: CRUD },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', singular: 'secret', namespaced: true, verbs: CRUD },
  {
    group: '',
    version: 'v1',
    resource: 'services',
    kind: 'Service',
    singular: 'service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', singular: 'pod', namespaced: true, shortNames: ['po'], categories: ['all'], verbs: CRUD },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', singular: 'event', namespaced: true, shortNames: ['ev'], verbs: CRUD },
  { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', singular: 'lease', namespaced: true, verbs: CRUD },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    resource: 'mutatingwebhookconfigurations',
    kind: 'MutatingWebhookConfiguration',
    singular: 'mutatingwebhookconfiguration',
    namespaced: false,
    categories: ['api-extensions'],
    verbs: CRUD,
  },
  // API Priority and Fairness configuration (flowcontrol.apiserver.k8s.io/v1, cluster-scoped). The replicas' APF
  // configuration is fixed for a run (scenario topology.controlPlane.apf), so these are served read-only: get, list
  // and watch show what the replicas run with; writes answer 405 (a real kube-apiserver also accepts create, update,
  // patch, delete and the status subresource, and its APF controller follows the changes).
  {
    group: 'flowcontrol.apiserver.k8s.io',
    version: 'v1',
    resource: 'flowschemas',
    kind: 'FlowSchema',
    singular: 'flowschema',
    namespaced: false,
    hasSpecGeneration: true,
    verbs: FLOWCONTROL_VERBS,
  },
  {
    group: 'flowcontrol.apiserver.k8s.io',
    version: 'v1',
    resource: 'prioritylevelconfigurations',
    kind: 'PriorityLevelConfiguration',
    singular: 'prioritylevelconfiguration',
    namespaced: false,
    hasSpecGeneration: true,
    verbs: FLOWCONTROL_VERBS,
  },
];

/** Virtual, create-only resources (no storage): SelfSubjectReview for `kubectl auth whoami`. */
export const SELF_SUBJECT_REVIEW: ResourceInfo = {
  group: 'authentication.k8s.io',
  version: 'v1',
  resource: 'selfsubjectreviews',
  kind: 'SelfSubjectReview',
  singular: 'selfsubjectreview',
  namespaced: false,
  verbs: ['create'],
};

export const ALL_DISCOVERABLE = [...RESOURCES, SELF_SUBJECT_REVIEW];

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return ALL_DISCOVERABLE.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** Groups (other than core) with their versions, for /apis. */
export function apiGroups(): { name: string; versions: string[] }[] {
  const groups = new Map<string, Set<string>>();
  for (const r of ALL_DISCOVERABLE) {
    if (!r.group) continue;
    if (!groups.has(r.group)) groups.set(r.group, new Set());
    groups.get(r.group)!.add(r.version);
  }
  return [...groups.entries()].map(([name, versions]) => ({ name, versions: [...versions] }));
}
