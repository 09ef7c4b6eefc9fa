// The seed-cluster objects of one control plane, as Gardener creates them (reference/gardener-l7-spec.md):
// namespaces, the kube-apiserver Service (§6), the istio internal gateway Service (§4.1), the ConfigMap
// istio-internal-load-balancing (§3, only while L7 is active), the generic token kubeconfig secret (§5), the
// shoot-access token secrets, and the MutatingWebhookConfiguration of gardener-resource-manager (§2).

import { CONFIGMAP_NAME, INTERNAL_SERVICE_NAME, WEBHOOK_PATH } from '../webhook/constants.ts';
import { mutatingWebhook } from '../webhook/manifests.ts';

// The names the webhook reads (one definition, shared with it).
export const ISTIO_INTERNAL_SERVICE = INTERNAL_SERVICE_NAME;
export const INTERNAL_LB_CONFIGMAP = CONFIGMAP_NAME;
export { WEBHOOK_PATH };
export const GRM_NAMESPACE = 'garden';

type Obj = Record<string, unknown> & { metadata: { name: string; namespace?: string; [key: string]: unknown } };

export function namespaceObject(name: string, labels: Record<string, string>): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}

export function kubeApiserverService(namespace: string, clusterIP: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kube-apiserver', namespace, labels: { app: 'kubernetes', role: 'apiserver' } },
    spec: {
      type: 'ClusterIP',
      selector: { app: 'kubernetes', role: 'apiserver' },
      clusterIP,
      clusterIPs: [clusterIP],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'PreferDualStack',
      ports: [{ name: 'kube-apiserver', port: 443, targetPort: 443, protocol: 'TCP' }],
    },
  };
}

export function istioInternalService(istioNamespace: string, clusterIP: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: ISTIO_INTERNAL_SERVICE,
      namespace: istioNamespace,
      labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
      annotations: {
        'networking.resources.gardener.cloud/from-world-to-ports': '[{"port":9443,"protocol":"TCP"}]',
        'networking.resources.gardener.cloud/namespace-selectors':
          '[{"matchLabels":{"gardener.cloud/role":"extension"}},{"matchLabels":{"gardener.cloud/role":"shoot"}},{"matchLabels":{"kubernetes.io/metadata.name":"garden"}}]',
      },
    },
    spec: {
      type: 'ClusterIP',
      selector: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
      clusterIP,
      clusterIPs: [clusterIP],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'PreferDualStack',
      ports: [{ name: 'tcp', port: 443, targetPort: 9443, protocol: 'TCP' }],
    },
  };
}

export function internalLoadBalancingConfigMap(namespace: string, hosts: string[], istioNamespace: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: INTERNAL_LB_CONFIGMAP, namespace },
    data: { hosts: hosts.join(','), 'istio-namespace': istioNamespace },
  };
}

export function secretObject(namespace: string, name: string, data: Record<string, string>, labels: Record<string, string> = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name, namespace, labels },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
  };
}

export function mutatingWebhookConfiguration(caBundlePem: string): Obj {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'gardener-resource-manager' },
    webhooks: [mutatingWebhook({ name: 'gardener-resource-manager', namespace: GRM_NAMESPACE }, caBundlePem)],
  };
}
