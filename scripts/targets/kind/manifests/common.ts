// What every kind manifest builder shares: the render context (a plan, its certificates and the run's secrets), the
// labels that mark the objects this project owns, and small object helpers.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { issueCertificates, issuedPems, type PemSource } from '../../../cluster/certificates.ts';
import type { ClusterPlan } from '../../../cluster/plan.ts';
import type { ResolvedKindOptions } from '../options.ts';
import type { KubeManifest } from '../steps.ts';

/** Marks every object the kind target creates, so clean-up can find them by label. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'apiserver-l7-testbed' } as const;
/** Objects of one control plane that live outside its namespace (the istio namespace) carry this label. */
export const CONTROL_PLANE_LABEL = 'testbed.apiserver-lb/control-plane';
/** Client pods of one fleet (one startClients call). */
export const FLEET_LABEL = 'testbed.apiserver-lb/fleet';
export const GROUP_LABEL = 'testbed.apiserver-lb/group';

/** Secrets a run makes besides the plan's certificates (kube-apiserver needs them; the plan has no such entries). */
export interface RuntimeSecrets {
  /** ECDSA P-256 key pair for service-account tokens (--service-account-signing-key-file / -key-file). */
  serviceAccountKeyPem: string;
  serviceAccountPublicKeyPem: string;
  /** Static token of the probes' user (readiness and liveness of the kube-apiserver pods). */
  probeToken: string;
}

export function generateRuntimeSecrets(): RuntimeSecrets {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    serviceAccountKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    serviceAccountPublicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    probeToken: randomBytes(24).toString('base64url'),
  };
}

export interface RenderContext {
  plan: ClusterPlan;
  pems: PemSource;
  secrets: RuntimeSecrets;
  options: ResolvedKindOptions;
}

/**
 * The render context of a plan and of each of its neighbours (docs/scenarios.md#shared-gateway), in that order: each
 * control plane with its own certificates and runtime secrets.
 */
export async function renderContexts(plan: ClusterPlan, options: ResolvedKindOptions): Promise<RenderContext[]> {
  return Promise.all(
    [plan, ...plan.neighbours].map(async (p) => ({
      plan: p,
      pems: issuedPems(await issueCertificates(p.certificates)),
      secrets: generateRuntimeSecrets(),
      options,
    })),
  );
}

export function secretObject(
  namespace: string,
  name: string,
  data: Record<string, string>,
  extra: { type?: string; labels?: Record<string, string> } = {},
): KubeManifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { ...MANAGED_BY, ...(extra.labels ?? {}) } },
    type: extra.type ?? 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
  };
}

export function withLabels<T extends KubeManifest>(object: T, labels: Record<string, string>): T {
  return { ...object, metadata: { ...object.metadata, labels: { ...(object.metadata.labels ?? {}), ...labels } } };
}
