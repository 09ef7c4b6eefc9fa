// Request classification (k8s.io/apiserver pkg/util/flowcontrol/rule.go and apf_controller.go startRequest,
// computeFlowDistinguisher, hashFlowID; the ordering of pkg/util/apihelpers FlowSchemaSequence; kubernetes-1.32.13):
// the FlowSchemas are tried by ascending matchingPrecedence, ties by name; the first one with a rule whose subjects
// match the user and whose resource rules (resource request) or non-resource rules (otherwise) match the request
// wins; if none matches, catch-all. For a level with more than one queue the flow distinguisher is the user name
// (ByUser), the request's namespace (ByNamespace) or "" (no method), and the flow hash is the first 8 bytes,
// little-endian, of SHA-256(flowSchemaName + "\0" + distinguisher). Exempt levels and levels that reject (no
// queues) compute neither.
import { createHash } from 'node:crypto';
import { SERVICE_ACCOUNT_USERNAME_PREFIX } from './bootstrap.ts';
import {
  API_GROUP_ALL,
  FLOW_SCHEMA_CATCH_ALL,
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
  type RequestDigest,
  type ResourcePolicyRule,
  type Subject,
} from './types.ts';

/** containsString: `x` is in the list, or the list is exactly [wildcard]. */
function containsString(x: string, list: readonly string[] | undefined, wildcard: string): boolean {
  if (!list) return false;
  if (list.length === 1 && list[0] === wildcard) return true;
  return list.includes(x);
}

function serviceAccountMatchesNamespace(namespace: string, username: string): boolean {
  if (!username.startsWith(SERVICE_ACCOUNT_USERNAME_PREFIX)) return false;
  const rest = username.slice(SERVICE_ACCOUNT_USERNAME_PREFIX.length);
  return rest.startsWith(namespace) && rest.slice(namespace.length).startsWith(':');
}

export function matchesSubject(user: RequestDigest['user'], subject: Subject): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.user !== undefined && (subject.user.name === NAME_ALL || subject.user.name === user.name);
    case 'Group': {
      if (!subject.group) return false;
      const seek = subject.group.name;
      return seek === '*' || user.groups.includes(seek);
    }
    case 'ServiceAccount': {
      const sa = subject.serviceAccount;
      if (!sa) return false;
      if (sa.name === NAME_ALL) return serviceAccountMatchesNamespace(sa.namespace, user.name);
      return user.name === `${SERVICE_ACCOUNT_USERNAME_PREFIX}${sa.namespace}:${sa.name}`;
    }
    default:
      return false;
  }
}

export function matchesResourcePolicyRule(digest: RequestDigest, rule: ResourcePolicyRule): boolean {
  if (!containsString(digest.verb, rule.verbs, VERB_ALL)) return false;
  const resource = digest.subresource !== '' ? `${digest.resource}/${digest.subresource}` : digest.resource;
  if (!containsString(resource, rule.resources, RESOURCE_ALL)) return false;
  if (!containsString(digest.apiGroup, rule.apiGroups, API_GROUP_ALL)) return false;
  if (digest.namespace === '') return rule.clusterScope === true;
  return containsString(digest.namespace, rule.namespaces, NAMESPACE_EVERY);
}

/** "*" matches everything; "/foo/*" matches "/foo/" and below; "/foo" matches "/foo" and "/foo/..." . */
export function matchesNonResourceURL(urls: readonly string[], path: string): boolean {
  for (const rulePath of urls) {
    if (rulePath === NON_RESOURCE_ALL || rulePath === path) return true;
    let prefix = rulePath.endsWith('*') ? rulePath.slice(0, -1) : rulePath;
    if (!prefix.endsWith('/')) prefix += '/';
    if (path.startsWith(prefix)) return true;
  }
  return false;
}

export function matchesNonResourcePolicyRule(digest: RequestDigest, rule: NonResourcePolicyRule): boolean {
  if (!containsString(digest.verb, rule.verbs, VERB_ALL)) return false;
  return matchesNonResourceURL(rule.nonResourceURLs ?? [], digest.path);
}

export function matchesPolicyRule(digest: RequestDigest, rule: PolicyRulesWithSubjects): boolean {
  if (!(rule.subjects ?? []).some((s) => matchesSubject(digest.user, s))) return false;
  if (digest.isResourceRequest) return (rule.resourceRules ?? []).some((r) => matchesResourcePolicyRule(digest, r));
  return (rule.nonResourceRules ?? []).some((r) => matchesNonResourcePolicyRule(digest, r));
}

export function matchesFlowSchema(digest: RequestDigest, fs: FlowSchema): boolean {
  return (fs.spec.rules ?? []).some((rule) => matchesPolicyRule(digest, rule));
}

/** FlowSchemaSequence.Less: ascending matchingPrecedence, then name (byte order; names are ASCII). */
export function compareFlowSchemas(a: FlowSchema, b: FlowSchema): number {
  const pa = a.spec.matchingPrecedence ?? 1000;
  const pb = b.spec.matchingPrecedence ?? 1000;
  if (pa !== pb) return pa - pb;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

export function computeFlowDistinguisher(digest: RequestDigest, method: { type: FlowDistinguisherMethodType } | undefined): string {
  if (!method) return '';
  switch (method.type) {
    case 'ByUser':
      return digest.user.name;
    case 'ByNamespace':
      return digest.namespace;
    default:
      throw new Error('invalid flow-distinguisher method');
  }
}

/** hashFlowID: the first 8 bytes of SHA-256(fsName, 0x00, distinguisher) as a little-endian uint64. */
export function hashFlowId(flowSchemaName: string, flowDistinguisher: string): bigint {
  const sum = createHash('sha256')
    .update(flowSchemaName)
    .update(Buffer.from([0]))
    .update(flowDistinguisher)
    .digest();
  return sum.readBigUInt64LE(0);
}

export interface Classification {
  flowSchema: FlowSchema;
  priorityLevel: PriorityLevelConfiguration;
  flowSchemaName: string;
  priorityLevelName: string;
  flowSchemaUid: string;
  priorityLevelUid: string;
  /** "" for exempt and rejecting levels and for levels with a single queue, as upstream. */
  flowDistinguisher: string;
  /** 0 when no distinguisher is computed. */
  hashValue: bigint;
  exempt: boolean;
  /** The response headers APF sets, executed or rejected. */
  headers: Readonly<Record<string, string>>;
}

/** Classifies digests against a fixed, already resolved configuration (every FlowSchema's level exists). */
/** Flow hashes already computed (one SHA-256 per request otherwise); bounded, cleared when full. */
const FLOW_HASH_CACHE_SIZE = 10_000;

export class Classifier {
  private readonly sorted: FlowSchema[];
  private readonly levels = new Map<string, PriorityLevelConfiguration>();
  private readonly flowHashes = new Map<string, bigint>();

  constructor(flowSchemas: readonly FlowSchema[], priorityLevels: readonly PriorityLevelConfiguration[]) {
    this.sorted = [...flowSchemas].sort(compareFlowSchemas);
    for (const pl of priorityLevels) this.levels.set(pl.metadata.name ?? '', pl);
    for (const fs of this.sorted) {
      if (!this.levels.has(fs.spec.priorityLevelConfiguration.name)) {
        throw new RangeError(`FlowSchema ${fs.metadata.name} references the missing priority level ${fs.spec.priorityLevelConfiguration.name}`);
      }
    }
  }

  get flowSchemas(): readonly FlowSchema[] {
    return this.sorted;
  }

  /** The matching FlowSchema (startRequest's loop, including its catch-all fallback). */
  selectFlowSchema(digest: RequestDigest): FlowSchema {
    let catchAll: FlowSchema | undefined;
    for (const fs of this.sorted) {
      if (matchesFlowSchema(digest, fs)) return fs;
      if (fs.metadata.name === FLOW_SCHEMA_CATCH_ALL) catchAll = fs;
    }
    if (!catchAll) throw new Error(`no fallback catch-all flow schema found for request ${JSON.stringify(digest)}`);
    return catchAll;
  }

  classify(digest: RequestDigest): Classification {
    const fs = this.selectFlowSchema(digest);
    const pl = this.levels.get(fs.spec.priorityLevelConfiguration.name)!;
    const exempt = pl.spec.type === 'Exempt';
    let numQueues = 0;
    if (!exempt && pl.spec.limited?.limitResponse.type === 'Queue') numQueues = pl.spec.limited.limitResponse.queuing?.queues ?? 0;
    let flowDistinguisher = '';
    let hashValue = 0n;
    if (numQueues > 1) {
      flowDistinguisher = computeFlowDistinguisher(digest, fs.spec.distinguisherMethod);
      const fsName = fs.metadata.name ?? '';
      const key = `${fsName}\u0000${flowDistinguisher}`;
      let cached = this.flowHashes.get(key);
      if (cached === undefined) {
        if (this.flowHashes.size >= FLOW_HASH_CACHE_SIZE) this.flowHashes.clear();
        cached = hashFlowId(fsName, flowDistinguisher);
        this.flowHashes.set(key, cached);
      }
      hashValue = cached;
    }
    const flowSchemaUid = fs.metadata.uid ?? '';
    const priorityLevelUid = pl.metadata.uid ?? '';
    return {
      flowSchema: fs,
      priorityLevel: pl,
      flowSchemaName: fs.metadata.name ?? '',
      priorityLevelName: pl.metadata.name ?? '',
      flowSchemaUid,
      priorityLevelUid,
      flowDistinguisher,
      hashValue,
      exempt,
      headers: {
        'X-Kubernetes-PF-PriorityLevel-UID': priorityLevelUid,
        'X-Kubernetes-PF-FlowSchema-UID': flowSchemaUid,
      },
    };
  }
}
