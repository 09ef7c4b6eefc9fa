// Client pods as Gardener deploys control-plane components (docs/gardener.md#pod-wiring): a projected volume
// `kubeconfig` (Gardener's `DefaultMode: ptr.To[int32](420)`: decimal 420, i.e. 0644) with the generic token kubeconfig secret (item kubeconfig) and the component's
// `shoot-access-<name>` secret (item token), mounted at /var/run/secrets/gardener.cloud/shoot/generic-kubeconfig. A
// group with `auth: client-certificate` gets its certificate Secret's tls.crt and tls.key there instead of the token.
// The pods carry `to-kube-apiserver-tcp-443: allowed` themselves; the webhook adds the istio label in L7 mode.
import { createHash } from 'node:crypto';
import { GENERIC_TOKEN_KUBECONFIG_SECRET_PREFIX } from '../../webhook/constants.ts';
import { LABEL_NETWORK_POLICY_ALLOWED } from '../../webhook/networkPolicyLabel.ts';
import { GENERIC_KUBECONFIG_MOUNT_PATH, KUBE_APISERVER_POLICY_LABEL } from './gardener.ts';
import type { ClientBehaviour } from '../core/clientPod.ts';

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

/**
 * The secrets manager names the secret `generic-token-kubeconfig-<hash>`; the hash follows the kubeconfig's content, so
 * a changed server address gives a new name and rolls the pods (docs/gardener.md#the-generic-token-kubeconfig). Here
 * the hash covers what differs between modes (server, context, token file), not the CA bundle.
 */
export function genericKubeconfigSecretName(content: { server: string; contextName: string; tokenFile: string }): string {
  const digest = createHash('sha256').update(`${content.contextName}\n${content.server}\n${content.tokenFile}`).digest('hex');
  return `${GENERIC_TOKEN_KUBECONFIG_SECRET_PREFIX}-${digest.slice(0, 8)}`;
}

export interface ClientPodOptions {
  name: string;
  namespace: string;
  /** The client group; becomes the `app` label and the container name. */
  app: string;
  genericKubeconfigSecret: string;
  accessSecret: string;
  /**
   * For a group with `auth: client-certificate`: its certificate Secret (clientCertificateSecretName), projected as
   * tls.crt and tls.key in place of the access token; the load client then authenticates with them.
   */
  clientCertificateSecret?: string;
  /** What runs in the container; the simulator's pods run nothing (a placeholder image). */
  container?: { image: string; args?: string[]; env?: { name: string; value: string }[]; imagePullPolicy?: string };
}

export function clientPodObject(options: ClientPodOptions): PodObject {
  const container = options.container ?? { image: `simulated/${options.app}` };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: options.name,
      namespace: options.namespace,
      labels: { app: options.app, [KUBE_APISERVER_POLICY_LABEL]: LABEL_NETWORK_POLICY_ALLOWED },
    },
    spec: {
      containers: [{ name: options.app, ...container, volumeMounts: [{ name: 'kubeconfig', mountPath: GENERIC_KUBECONFIG_MOUNT_PATH, readOnly: true }] }],
      volumes: [
        {
          name: 'kubeconfig',
          projected: {
            // Gardener writes 420 in Go, a decimal literal: 0o644, readable by any user (the load client runs as 65532).
            defaultMode: 0o644,
            sources: [
              { secret: { name: options.genericKubeconfigSecret, items: [{ key: 'kubeconfig', path: 'kubeconfig' }], optional: false } },
              options.clientCertificateSecret
                ? {
                    secret: {
                      name: options.clientCertificateSecret,
                      items: [
                        { key: 'tls.crt', path: 'tls.crt' },
                        { key: 'tls.key', path: 'tls.key' },
                      ],
                      optional: false,
                    },
                  }
                : { secret: { name: options.accessSecret, items: [{ key: 'token', path: 'token' }], optional: false } },
            ],
          },
        },
      ],
    },
  };
}

/** The behaviour fields of a client group (or anything that carries them), and nothing else: what a pod of it runs with. */
export function clientBehaviour(group: ClientBehaviour): ClientBehaviour {
  const { profile, qps, burst, rate, arrival, mix, watches, http1, maxRetries } = group;
  return { profile, qps, burst, rate, arrival, mix, watches, http1, maxRetries };
}
