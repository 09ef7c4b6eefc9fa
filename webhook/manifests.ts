// Kubernetes manifests for deploying this webhook to a real cluster (the kind target or any cluster): ServiceAccount,
// least-privilege RBAC, an optional TLS Secret, Service, Deployment, PodDisruptionBudget and the
// MutatingWebhookConfiguration with Gardener's settings (docs/gardener.md#mutatingwebhookconfiguration:
// NewPodKubeAPIServerLoadBalancingMutatingWebhook in pkg/component/gardener/resourcemanager/resource_manager.go).
// Plain objects here (no runtime dependency); test/webhook validates them with kubernetes-models.
import { stringify } from 'yaml';
import { normalizeCaBundle } from './certs.ts';
import {
  CONFIGMAP_NAME,
  DEFAULT_OBJECT_NAME,
  WEBHOOK_SERVER_PORT,
  INTERNAL_SERVICE_NAME,
  WEBHOOK_CONFIGURATION_WEBHOOK_NAME,
  WEBHOOK_PATH,
} from './constants.ts';

export interface ManifestOptions {
  /** Namespace the webhook runs in. It should not carry the shoot label: the webhook must not admit its own pods. */
  namespace: string;
  /** Container image built from webhook/Dockerfile. */
  image: string;
  /** caBundle: base64 of the CA PEM (what `certs` prints) or the PEM itself. */
  caBundle: string;
  /** Name of every object; default `pod-kube-apiserver-load-balancing`. */
  name?: string;
  replicas?: number;
  /** Container port; default 10250, gardener-resource-manager's webhook port. */
  port?: number;
  /** namespaceSelector matchLabels; default Gardener's seed setting {gardener.cloud/role: shoot}. */
  namespaceSelector?: Record<string, string>;
  /** When given, a kubernetes.io/tls Secret with them is rendered; otherwise `<name>-tls` must exist. */
  tls?: { certPem: string; keyPem: string };
  /** --cache-ttl of the server (ms); default 0. */
  cacheTtlMs?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
}

/**
 * A manifest to apply. scripts/core/kubeObject.ts's KubeManifest is the same shape; webhook/ keeps its own because it
 * stands alone (it imports nothing outside webhook/; its Dockerfile copies only this folder).
 */
export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [key: string]: unknown }; [key: string]: unknown };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const TLS_DIR = '/etc/pod-kube-apiserver-load-balancing/tls';
/** The webhook pod's requests. Measured: ~200 MiB RSS at rest (tsx's loader thread and client-node's generated modules), docs/webhook.md. */
export const WEBHOOK_REQUESTS = { cpu: '100m', memory: '256Mi' } as const;

export function renderManifests(options: ManifestOptions): KubeObject[] {
  const name = options.name ?? DEFAULT_OBJECT_NAME;
  const namespace = options.namespace;
  const port = options.port ?? WEBHOOK_SERVER_PORT;
  const replicas = options.replicas ?? 2;
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) throw new Error(`namespace "${namespace}" is not a valid DNS label`);
  if (!DNS_LABEL.test(name) || name.length > 63) throw new Error(`name "${name}" is not a valid DNS label`);
  if (!options.image || /\s/.test(options.image))
    throw new Error('image must be a non-empty image reference, e.g. localhost/pod-kube-apiserver-load-balancing:dev');
  if (!Number.isInteger(port) || port < 1024 || port > 65535)
    throw new Error(`port must be an integer from 1024 to 65535 (the container runs as non-root), got ${port}`);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 10) throw new Error(`replicas must be an integer from 1 to 10, got ${replicas}`);
  const caBundle = normalizeCaBundle(options.caBundle);
  const labels = { app: name };
  const metadata = (extra: Record<string, unknown> = {}) => ({ name, namespace, labels, ...extra });
  const tlsSecret = `${name}-tls`;

  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata() },
    {
      // Gardener's namespaces come and go (shoot--<project>--<name>), so the grant is cluster-wide but limited by
      // resourceNames to the two objects the handler reads (docs/webhook.md#what-it-does, steps 2 and 4), verb get only.
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], resourceNames: [CONFIGMAP_NAME], verbs: ['get'] },
        { apiGroups: [''], resources: ['services'], resourceNames: [INTERNAL_SERVICE_NAME], verbs: ['get'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  ];
  if (options.tls) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: tlsSecret, namespace, labels },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': Buffer.from(options.tls.certPem).toString('base64'), 'tls.key': Buffer.from(options.tls.keyPem).toString('base64') },
    });
  }
  objects.push(
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(),
      spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'https', port: 443, targetPort: port, protocol: 'TCP' }] },
    },
    webhookDeployment({ name, namespace, port, replicas, labels, tlsSecret }, options),
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: metadata(), spec: { maxUnavailable: 1, selector: { matchLabels: labels } } },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name, labels },
      webhooks: [mutatingWebhook({ name, namespace }, caBundle, options.namespaceSelector)],
    },
  );
  return objects;
}

/** The webhook server's Deployment: non-root, read-only root, the TLS Secret mounted with fsGroup, probes on /readyz and /healthz. */
function webhookDeployment(
  w: { name: string; namespace: string; port: number; replicas: number; labels: Record<string, string>; tlsSecret: string },
  options: ManifestOptions,
): KubeObject {
  const { name, port, replicas, labels, tlsSecret } = w;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: w.namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: name,
          // fsGroup: the kubelet gives the TLS Secret's files this group (and adds 0440 to their mode), so the
          // non-root server can read its key from a volume written root-owned (docs/kind.md#file-permissions).
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'webhook',
              image: options.image,
              imagePullPolicy: options.imagePullPolicy ?? 'IfNotPresent',
              // Bind the pod IP itself rather than a wildcard address.
              args: [
                'serve',
                '--in-cluster',
                '--host=$(POD_IP)',
                `--port=${port}`,
                `--tls-cert=${TLS_DIR}/tls.crt`,
                `--tls-key=${TLS_DIR}/tls.key`,
                `--cache-ttl=${options.cacheTtlMs ?? 0}`,
                `--log-level=${options.logLevel ?? 'info'}`,
                // Readiness fails for 5 s before the listener closes, so endpoints drop the pod first (failurePolicy Fail).
                '--shutdown-delay=5000',
              ],
              env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
              ports: [{ name: 'https', containerPort: port, protocol: 'TCP' }],
              readinessProbe: { httpGet: { path: '/readyz', port, scheme: 'HTTPS' }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/healthz', port, scheme: 'HTTPS' }, periodSeconds: 10, failureThreshold: 3 },
              resources: { requests: { ...WEBHOOK_REQUESTS }, limits: { memory: '512Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'tls', mountPath: TLS_DIR, readOnly: true },
                // tsx keeps its transpile cache in the temp dir; the root filesystem is read-only.
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'tls', secret: { secretName: tlsSecret, defaultMode: 0o440 } },
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
          ],
        },
      },
    },
  };
}

/**
 * The webhook entry of the MutatingWebhookConfiguration with Gardener's settings; the simulator's seed registers the
 * same entry (pointing at its gardener-resource-manager Service).
 */
export function mutatingWebhook(
  service: { name: string; namespace: string },
  caBundle: string,
  namespaceSelector: Record<string, string> = { 'gardener.cloud/role': 'shoot' },
) {
  return {
    name: WEBHOOK_CONFIGURATION_WEBHOOK_NAME,
    admissionReviewVersions: ['v1beta1', 'v1'],
    clientConfig: { service: { ...service, path: WEBHOOK_PATH, port: 443 }, caBundle: normalizeCaBundle(caBundle) },
    rules: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] }],
    namespaceSelector: { matchLabels: namespaceSelector },
    // skipStaticPods at Gardener HEAD appends this to every webhook that handles pod CREATE.
    objectSelector: { matchExpressions: [{ key: 'static-pod', operator: 'NotIn', values: ['true'] }] },
    failurePolicy: 'Fail',
    matchPolicy: 'Exact',
    sideEffects: 'None',
    timeoutSeconds: 10,
    // reinvocationPolicy is not set in Gardener, so the API default Never applies.
  };
}

export function manifestsToYaml(objects: KubeObject[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}
