// Pods and AdmissionReviews for the webhook's tests and its benchmark (scripts/bench/webhookBench.ts), in the shapes kube-apiserver sends (docs/gardener.md#pod-wiring: the generic
// token kubeconfig is a projected volume with the generic-token-kubeconfig-<hash> secret and shoot-access-<name>).
import { Buffer } from 'node:buffer';
import { applyPatch, type Operation } from 'rfc6902';

export const SHOOT_NS = 'foo-namespace';
export const ISTIO_NS = 'istio-gateway';

export function projectedKubeconfigVolume(secretName = 'generic-token-kubeconfig-foobar'): Record<string, unknown> {
  return {
    name: 'kubeconfig',
    projected: {
      defaultMode: 420,
      sources: [
        { secret: { name: secretName, items: [{ key: 'kubeconfig', path: 'kubeconfig' }], optional: false } },
        { secret: { name: 'shoot-access-bar', items: [{ key: 'token', path: 'token' }], optional: false } },
      ],
    },
  };
}

export function secretKubeconfigVolume(secretName = 'generic-token-kubeconfig-foobar'): Record<string, unknown> {
  return { name: 'kubeconfig', secret: { secretName, defaultMode: 420 } };
}

export function pod(
  options: { name?: string; namespace?: string; volumes?: unknown[]; labels?: Record<string, string> | null; hostAliases?: unknown[] } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a pod is untyped JSON the callers reach into
): Record<string, any> {
  const metadata: Record<string, unknown> = { name: options.name ?? 'bar-pod', namespace: options.namespace ?? SHOOT_NS };
  if (options.labels !== undefined) metadata.labels = options.labels;
  const spec: Record<string, unknown> = { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] };
  if (options.volumes !== undefined) spec.volumes = options.volumes;
  if (options.hostAliases !== undefined) spec.hostAliases = options.hostAliases;
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec };
}

export function review(object: unknown, options: { apiVersion?: string; uid?: string; operation?: string; namespace?: string } = {}): Record<string, unknown> {
  return {
    apiVersion: options.apiVersion ?? 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid ?? '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name: (object as { metadata?: { name?: string } })?.metadata?.name,
      namespace: options.namespace ?? SHOOT_NS,
      operation: options.operation ?? 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts'] },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

/** Decodes a response's base64 JSONPatch and applies it to a copy of the pod; throws if any operation fails. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the patched pod is untyped JSON the callers reach into
export function applyResponsePatch(target: unknown, patchBase64: string): any {
  const ops = JSON.parse(Buffer.from(patchBase64, 'base64').toString('utf8')) as Operation[];
  return applyOps(target, ops);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as applyResponsePatch
export function applyOps(target: unknown, ops: unknown[]): any {
  const copy = structuredClone(target);
  const results = applyPatch(copy, ops as Operation[]);
  const failed = results.map((r, i) => (r ? `${JSON.stringify(ops[i])}: ${r.name} ${r.message}` : undefined)).filter(Boolean);
  if (failed.length > 0) throw new Error(`patch failed: ${failed.join('; ')}`);
  return copy;
}
