// Shared helpers of the APF tests: request digests of typical clients, a seeded PRNG, a microtask flush, and a
// small custom configuration whose limits do not move with borrowing (lendablePercent 0 everywhere).
import type { FlowSchema, PriorityLevelConfiguration, RequestDigest } from '../../../sim/apiserver/apf/index.ts';

export function resourceDigest(
  user: string,
  groups: string[],
  verb: string,
  resource: string,
  opts: { namespace?: string; apiGroup?: string; subresource?: string; name?: string } = {},
): RequestDigest {
  return {
    user: { name: user, groups },
    verb,
    apiGroup: opts.apiGroup ?? '',
    resource,
    subresource: opts.subresource ?? '',
    namespace: opts.namespace ?? '',
    name: opts.name ?? '',
    isResourceRequest: true,
    path: '',
  };
}

export function nonResourceDigest(user: string, groups: string[], verb: string, path: string): RequestDigest {
  return { user: { name: user, groups }, verb, apiGroup: '', resource: '', subresource: '', namespace: '', name: '', isResourceRequest: false, path };
}

/** A service account as the token authenticator presents it. */
export function serviceAccount(namespace: string, name: string): { name: string; groups: string[] } {
  return {
    name: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

export function saDigest(
  namespace: string,
  name: string,
  verb: string,
  resource: string,
  opts: { apiGroup?: string; subresource?: string; name?: string } = {},
): RequestDigest {
  const u = serviceAccount(namespace, name);
  return resourceDigest(u.name, u.groups, verb, resource, { namespace, ...opts });
}

/** mulberry32: a small deterministic PRNG for the randomized tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lets pending promise callbacks run (no timers, no real time). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** A queuing level with lendablePercent 0, so borrowing never moves its limit below or above nominal. */
export function queuedLevel(name: string, shares: number, queues: number, handSize: number, queueLengthLimit: number): PriorityLevelConfiguration {
  return {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'PriorityLevelConfiguration',
    metadata: { name },
    spec: {
      type: 'Limited',
      limited: { nominalConcurrencyShares: shares, lendablePercent: 0, limitResponse: { type: 'Queue', queuing: { queues, handSize, queueLengthLimit } } },
    },
  };
}

/** A FlowSchema sending every authenticated user's requests to `plName`, one flow per user. */
export function everyoneTo(name: string, plName: string, precedence = 5000): FlowSchema {
  return {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'FlowSchema',
    metadata: { name },
    spec: {
      priorityLevelConfiguration: { name: plName },
      matchingPrecedence: precedence,
      distinguisherMethod: { type: 'ByUser' },
      rules: [
        {
          subjects: [{ kind: 'Group', group: { name: 'system:authenticated' } }],
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }],
          nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        },
      ],
    },
  };
}
