// Names and values of Gardener's pod-kube-apiserver-load-balancing webhook, defined once for the webhook, the simulator
// and the kind target (docs/gardener.md#the-webhook-pod-kube-apiserver-load-balancing, docs/webhook.md).
export const WEBHOOK_PATH = '/webhooks/pod-kube-apiserver-load-balancing';
export const WEBHOOK_CONFIGURATION_WEBHOOK_NAME = 'pod-kube-apiserver-load-balancing.resources.gardener.cloud';
/** v1beta1constants.SecretNameGenericTokenKubeconfig; real secrets carry a hash suffix, hence a prefix match. */
export const GENERIC_TOKEN_KUBECONFIG_SECRET_PREFIX = 'generic-token-kubeconfig';
/** IstioInternalLoadBalancingConfigMapName and its keys. */
export const CONFIGMAP_NAME = 'istio-internal-load-balancing';
export const HOSTS_KEY = 'hosts';
export const ISTIO_NAMESPACE_KEY = 'istio-namespace';
/** InternalSNIIngressServiceName = DefaultSNIIngressServiceName + "-internal". */
export const INTERNAL_SERVICE_NAME = 'istio-ingressgateway-internal';
/** The ingress gateway's container (target) port, not the Service port 443. */
export const GATEWAY_TARGET_PORT = 9443;

// Deployment defaults of this implementation (cheap to import: the CLI reads them before loading heavy modules).
/** Name of every deployed object (ServiceAccount, Service, Deployment, MutatingWebhookConfiguration, ...). */
export const DEFAULT_OBJECT_NAME = 'pod-kube-apiserver-load-balancing';
/** gardener-resource-manager's webhook server port, behind its Service port 443. */
export const WEBHOOK_SERVER_PORT = 10250;
/**
 * kube-apiserver's request body limit, 3 MiB (k8s.io/apiserver/pkg/server/config.go MaxRequestBodyBytes). The webhook
 * uses it as its default AdmissionReview limit (controller-runtime allows 7 MiB), the simulated kube-apiserver and
 * the gateway's retry buffer as theirs.
 */
export const KUBE_APISERVER_MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;
/** The files `certs --out <dir>` writes, named like a kubernetes.io/tls Secret's keys. */
export const CERTIFICATE_FILES = { caCert: 'ca.crt', caKey: 'ca.key', cert: 'tls.crt', key: 'tls.key' } as const;
