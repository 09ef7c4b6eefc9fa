// The Gardener names a simulated seed cluster is built from (docs/gardener.md). Names the webhook reads are
// defined in webhook/constants.ts and imported from there; this file adds what only the cluster model needs.
import { INTERNAL_SERVICE_NAME, WEBHOOK_SERVER_PORT } from '../../webhook/constants.ts';
import { networkPolicyLabel } from '../../webhook/networkPolicyLabel.ts';

/** The control-plane Service `kube-apiserver` (v1beta1constants.DeploymentNameKubeAPIServer), port 443 → 443. */
export const KUBE_APISERVER_SERVICE_NAME = 'kube-apiserver';
export const KUBE_APISERVER_PORT = 443;
/** Its selector and the replica pods' labels (pkg/component/kubernetes/apiserverexposure/service.go). */
export const KUBE_APISERVER_LABELS = { app: 'kubernetes', role: 'apiserver' } as const;
/** The pod label control-plane pods carry to reach it: `…/to-kube-apiserver-tcp-443: allowed` (docs/gardener.md#network-policy-labels). */
export const KUBE_APISERVER_POLICY_LABEL = networkPolicyLabel(KUBE_APISERVER_SERVICE_NAME, KUBE_APISERVER_PORT);

/** The internal istio ingress gateway Service: port 443 → the Envoy listener on 9443. */
export { INTERNAL_SERVICE_NAME as GATEWAY_INTERNAL_SERVICE_NAME };
export const GATEWAY_SERVICE_PORT = 443;
/** The seed ingress gateway's pod labels and the internal Service's selector (charts/istio/istio-ingress). */
export const GATEWAY_LABELS = { app: 'istio-ingressgateway', istio: 'ingressgateway' } as const;

export { IN_CLUSTER_API_HOST } from './certificates.ts';

/** gardener-resource-manager, which serves the webhook, runs in the seed's `garden` namespace. */
export const GRM_NAMESPACE = 'garden';
export const GRM_NAME = 'gardener-resource-manager';
export { WEBHOOK_SERVER_PORT };
/** The MutatingWebhookConfiguration of the runtime gardener-resource-manager (empty name prefix). */
export const WEBHOOK_CONFIGURATION_NAME = GRM_NAME;

/** Where the generic token kubeconfig reads the token from (pkg/utils/gardener/tokenrequest/secrets.go). */
export const GENERIC_KUBECONFIG_TOKEN_FILE = '/var/run/secrets/gardener.cloud/shoot/generic-kubeconfig/token';
/** The projected volume's mount path (pkg/utils/gardener/shoot.go InjectGenericKubeconfig). */
export const GENERIC_KUBECONFIG_MOUNT_PATH = '/var/run/secrets/gardener.cloud/shoot/generic-kubeconfig';
/** The shoot-access secret of each component: `shoot-access-<name>`, item `token`. */
export function shootAccessSecretName(component: string): string {
  return `shoot-access-${component}`;
}

/**
 * The Secret (type kubernetes.io/tls, items tls.crt and tls.key) holding the client certificate of a client group with
 * `auth: client-certificate`: the testbed's own, Gardener has no such secret (docs/load-client.md#client-certificate-pods).
 * A pod of the group mounts it in its projected volume instead of the shoot-access token.
 */
export function clientCertificateSecretName(group: string): string {
  return `client-certificate-${group}`;
}

/** Namespace labels: the webhook's namespaceSelector matches `gardener.cloud/role=shoot`. */
export const SHOOT_NAMESPACE_ROLE = 'shoot';
export const CLUSTER_DOMAIN = 'cluster.local';
