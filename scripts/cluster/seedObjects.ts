// The seed-cluster objects of one control plane, as Gardener creates them (docs/gardener.md): namespaces, the
// kube-apiserver Service, the istio internal gateway Service, the ConfigMap istio-internal-load-balancing (only while
// L7 is active), the generic token kubeconfig secret, the shoot-access token secrets, and the
// MutatingWebhookConfiguration of gardener-resource-manager. Built from a plan and a PemSource, so the same builder
// gives the readable placeholders (placeholderPlan) and the objects a target really creates (issuePlan).
import { CONFIGMAP_NAME, HOSTS_KEY, ISTIO_NAMESPACE_KEY } from '../../webhook/constants.ts';
import type { RecreatableSeedObject } from '../../scenarios/vocabulary.ts';
import { mutatingWebhook } from '../../webhook/manifests.ts';
import { clientGroupOfCertificate, type PemSource } from './certificates.ts';
import {
  GATEWAY_INTERNAL_SERVICE_NAME,
  GATEWAY_LABELS,
  GATEWAY_SERVICE_PORT,
  GRM_NAME,
  GRM_NAMESPACE,
  KUBE_APISERVER_LABELS,
  KUBE_APISERVER_PORT,
  KUBE_APISERVER_SERVICE_NAME,
  clientCertificateSecretName,
  SHOOT_NAMESPACE_ROLE,
  shootAccessSecretName,
  WEBHOOK_CONFIGURATION_NAME,
} from './gardener.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import type { ClusterPlan, GenericKubeconfig } from './plan.ts';
import { GATEWAY_TARGET_PORT } from '../../webhook/constants.ts';
import type { KubeManifest } from '../core/kubeObject.ts';

export interface SeedObject {
  /** `<kind>/<name>` as kubectl names it, e.g. `configmap/istio-internal-load-balancing` or `secret/shoot-access-heavy`. */
  id: RecreatableSeedObject | string;
  /** The collection to POST it to, e.g. /api/v1/namespaces/<ns>/configmaps. */
  collectionPath: string;
  object: KubeManifest;
}

/**
 * In creation order: namespaces first, the webhook registration last (it must not admit objects half set up). A
 * neighbour's plan (docs/scenarios.md#shared-gateway) gets its namespace and what lives in it (kube-apiserver Service,
 * ConfigMap, generic kubeconfig, shoot-access secrets); the seed-wide objects (istio and garden namespaces, the gateway
 * Service, the webhook registration) are the seed's, in the plan under test's list only.
 */
export function buildSeedObjects(plan: ClusterPlan, pems: PemSource): SeedObject[] {
  const objects = seedAndControlPlaneObjects(plan, pems);
  return plan.neighbour ? objects.filter((s) => ownsSeedObject(plan, s.object)) : objects;
}

function seedAndControlPlaneObjects(plan: ClusterPlan, pems: PemSource): SeedObject[] {
  const ns = plan.namespace;
  const objects: SeedObject[] = [
    namespace(ns, { 'gardener.cloud/role': SHOOT_NAMESPACE_ROLE }),
    namespace(plan.istioNamespace, { 'gardener.cloud/role': 'istio-ingress' }),
    namespace(GRM_NAMESPACE, {}),
    {
      id: `service/${KUBE_APISERVER_SERVICE_NAME}`,
      collectionPath: `/api/v1/namespaces/${ns}/services`,
      object: service(
        ns,
        KUBE_APISERVER_SERVICE_NAME,
        plan.services.kubeApiserver.clusterIP,
        { ...KUBE_APISERVER_LABELS },
        {
          labels: { ...KUBE_APISERVER_LABELS },
          ports: [{ name: KUBE_APISERVER_SERVICE_NAME, port: KUBE_APISERVER_PORT, targetPort: KUBE_APISERVER_PORT, protocol: 'TCP' }],
        },
      ),
    },
    {
      id: `service/${GATEWAY_INTERNAL_SERVICE_NAME}`,
      collectionPath: `/api/v1/namespaces/${plan.istioNamespace}/services`,
      object: service(
        plan.istioNamespace,
        GATEWAY_INTERNAL_SERVICE_NAME,
        plan.services.gatewayInternal.clusterIP,
        { ...GATEWAY_LABELS },
        {
          labels: { ...GATEWAY_LABELS },
          annotations: {
            'networking.resources.gardener.cloud/from-world-to-ports': `[{"port":${GATEWAY_TARGET_PORT},"protocol":"TCP"}]`,
            'networking.resources.gardener.cloud/namespace-selectors':
              '[{"matchLabels":{"gardener.cloud/role":"extension"}},{"matchLabels":{"gardener.cloud/role":"shoot"}},{"matchLabels":{"kubernetes.io/metadata.name":"garden"}}]',
          },
          ports: [{ name: 'tcp', port: GATEWAY_SERVICE_PORT, targetPort: GATEWAY_TARGET_PORT, protocol: 'TCP' }],
        },
      ),
    },
  ];
  if (plan.mode.internalLoadBalancingConfigMap) objects.push(internalLoadBalancingConfigMap(plan));
  objects.push(genericKubeconfigSecret(plan, plan.genericKubeconfig, pems));
  for (const group of plan.clientGroups) {
    objects.push(secret(ns, shootAccessSecretName(group), { token: plan.tokens.clientGroups[group]! }));
  }
  for (const certificate of plan.certificates.certificates) {
    const group = clientGroupOfCertificate(certificate.id);
    if (group === undefined) continue;
    const { certPem, keyPem } = pems.keyPair(certificate.id);
    objects.push(secret(ns, clientCertificateSecretName(group), { 'tls.crt': certPem, 'tls.key': keyPem }, {}, 'kubernetes.io/tls'));
  }
  // The registration is the seed's (its CA bundle is the seed's webhook CA, which a neighbour's plan does not name).
  if (plan.neighbour) return objects;
  objects.push({
    id: `mutatingwebhookconfiguration/${WEBHOOK_CONFIGURATION_NAME}`,
    collectionPath: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
    object: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: WEBHOOK_CONFIGURATION_NAME },
      webhooks: [mutatingWebhook({ name: GRM_NAME, namespace: GRM_NAMESPACE }, pems.authority('webhook-ca'))],
    },
  });
  return objects;
}

/** Whether an object is the control plane's own: its namespace, or in it (not the seed's). */
export function ownsSeedObject(plan: Pick<ClusterPlan, 'namespace'>, object: Pick<KubeManifest, 'kind' | 'metadata'>): boolean {
  return object.metadata.namespace === plan.namespace || (object.kind === 'Namespace' && object.metadata.name === plan.namespace);
}

/** The generic token kubeconfig secret (docs/gardener.md#the-generic-token-kubeconfig) for a server address. */
export function genericKubeconfigSecret(plan: ClusterPlan, kubeconfig: GenericKubeconfig, pems: PemSource): SeedObject {
  const text = renderKubeconfig({
    contextName: kubeconfig.contextName,
    server: kubeconfig.server,
    caPem: pems.authority('ca'),
    tokenFile: kubeconfig.tokenFile,
  });
  return secret(plan.namespace, kubeconfig.secretName, { kubeconfig: text }, { 'managed-by': 'secrets-manager' });
}

/** The ConfigMap that activates L7 for the control plane (ReconcileIstioInternalLoadBalancingConfigMap, sni.go). */
export function internalLoadBalancingConfigMap(plan: ClusterPlan): SeedObject {
  return {
    id: `configmap/${CONFIGMAP_NAME}`,
    collectionPath: `/api/v1/namespaces/${plan.namespace}/configmaps`,
    object: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: CONFIGMAP_NAME, namespace: plan.namespace },
      data: { [HOSTS_KEY]: [plan.publicHost].join(','), [ISTIO_NAMESPACE_KEY]: plan.istioNamespace },
    },
  };
}

/** The object path of a seed object (for GET, PUT and DELETE). */
export function objectPath(seedObject: SeedObject): string {
  return `${seedObject.collectionPath}/${seedObject.object.metadata.name}`;
}

function namespace(name: string, labels: Record<string, string>): SeedObject {
  return {
    id: `namespace/${name}`,
    collectionPath: '/api/v1/namespaces',
    object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } },
  };
}

function service(
  namespace: string,
  name: string,
  clusterIP: string,
  selector: Record<string, string>,
  extra: { labels: Record<string, string>; annotations?: Record<string, string>; ports: unknown[] },
): KubeManifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: extra.labels, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      type: 'ClusterIP',
      selector,
      clusterIP,
      clusterIPs: [clusterIP],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'PreferDualStack',
      ports: extra.ports,
    },
  };
}

function secret(namespace: string, name: string, data: Record<string, string>, labels: Record<string, string> = {}, type = 'Opaque'): SeedObject {
  return {
    id: `secret/${name}`,
    collectionPath: `/api/v1/namespaces/${namespace}/secrets`,
    object: {
      apiVersion: 'v1',
      kind: 'Secret',
      type,
      metadata: { name, namespace, labels },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
    },
  };
}
