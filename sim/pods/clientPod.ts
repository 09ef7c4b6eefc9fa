// Client pods as Gardener deploys control-plane components (reference/gardener-l7-spec.md §5 "Pod wiring"):
// a projected volume `kubeconfig` (mode 0420) with the generic token kubeconfig secret (item kubeconfig) and the
// component's `shoot-access-<name>` secret (item token), mounted at /var/run/secrets/gardener.cloud/shoot/generic-kubeconfig.
// The pods carry `to-kube-apiserver-tcp-443: allowed` themselves (§6); the webhook adds the istio label in L7 mode.
import { createHash } from 'node:crypto';

export const GENERIC_TOKEN_KUBECONFIG_PREFIX = 'generic-token-kubeconfig';
export const KUBE_APISERVER_POLICY_LABEL = 'networking.resources.gardener.cloud/to-kube-apiserver-tcp-443';

export interface PodObject {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: { name: string; namespace: string; labels?: Record<string, string>; [k: string]: unknown };
  spec: {
    containers: { name: string; image: string; [k: string]: unknown }[];
    volumes?: unknown[];
    hostAliases?: { ip: string; hostnames: string[] }[];
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** The secrets manager names secrets `<name>-<hash of content>`; a changed server gives a new name and rolls pods. */
export function genericKubeconfigSecretName(kubeconfigYaml: string): string {
  return `${GENERIC_TOKEN_KUBECONFIG_PREFIX}-${createHash('sha256').update(kubeconfigYaml).digest('hex').slice(0, 8)}`;
}

export function clientPodObject(options: { name: string; namespace: string; app: string; genericKubeconfigSecret: string; accessSecret: string }): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: options.name,
      namespace: options.namespace,
      labels: { app: options.app, [KUBE_APISERVER_POLICY_LABEL]: 'allowed' },
    },
    spec: {
      containers: [{ name: options.app, image: `simulated/${options.app}`, volumeMounts: [{ name: 'kubeconfig', mountPath: '/var/run/secrets/gardener.cloud/shoot/generic-kubeconfig', readOnly: true }] }],
      volumes: [
        {
          name: 'kubeconfig',
          projected: {
            defaultMode: 0o420,
            sources: [
              { secret: { name: options.genericKubeconfigSecret, items: [{ key: 'kubeconfig', path: 'kubeconfig' }], optional: false } },
              { secret: { name: options.accessSecret, items: [{ key: 'token', path: 'token' }], optional: false } },
            ],
          },
        },
      ],
    },
  };
}
