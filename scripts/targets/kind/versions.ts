// Pinned versions of everything the kind target installs or checks (docs/kind.md#versions). Changing one is a
// one-line edit here; `cluster:up --kube-apiserver-version` and `--istio-version` override them per run.
import { KUBE_APISERVER_FLAG_SETS, type SupportedKubeMinor } from './kubeApiserverFlags.ts';

/** The kind node image (the seed cluster's own Kubernetes); kind v0.30.0 publishes it. */
export const KIND_NODE_IMAGE = 'kindest/node:v1.34.0';

/**
 * Istio, as Gardener runs it: gardener/gardener's imagevector pins proxyv2 and pilot 1.29.6 (docs/gardener.md#sources-and-versions
 * names the Gardener commit read). Installed with Istio's own Helm charts base, istiod and gateway.
 */
export const ISTIO_VERSION = '1.29.6';
export const ISTIO_HELM_REPO = 'https://istio-release.storage.googleapis.com/charts';
export const ISTIO_SYSTEM_NAMESPACE = 'istio-system';

/** The shoot kube-apiservers (registry.k8s.io/kube-apiserver:<version>): the newest patch of each supported minor. */
export const KUBE_APISERVER_VERSIONS: Record<SupportedKubeMinor, string> = {
  '1.33': 'v1.33.13',
  '1.34': 'v1.34.10',
  '1.35': 'v1.35.7',
  '1.36': 'v1.36.3',
};
export const DEFAULT_KUBE_APISERVER_VERSION = KUBE_APISERVER_VERSIONS['1.34'];

/**
 * etcd for the control plane (one member, emptyDir): the 3.5 line kube-apiserver's storage backend supports on every
 * supported minor; 3.5.21-0 is the image kubeadm 1.33 deploys. Override with `etcdImage`.
 */
export const ETCD_IMAGE = 'registry.k8s.io/etcd:3.5.21-0';

/** The project's own images, built here and loaded into the kind nodes (never pushed anywhere). */
export const DEFAULT_IMAGES = {
  webhook: 'localhost/pod-kube-apiserver-load-balancing:dev',
  loadClient: 'localhost/apiserver-lb-load-client:dev',
} as const;

/** Lowest versions the scripts were written against (older ones may lack flags the plan uses). */
export const MINIMUM_TOOL_VERSIONS = { docker: '20.10.0', kind: '0.30.0', kubectl: '1.30.0', helm: '3.14.0', istioctl: '1.29.0' } as const;

/** `v1.34.10` → `1.34`, or undefined when that minor has no flag list here. */
export function kubeMinorOf(version: string): SupportedKubeMinor | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(version.trim());
  if (!match) return undefined;
  const minor = `${match[1]}.${match[2]}`;
  return minor in KUBE_APISERVER_FLAG_SETS ? (minor as SupportedKubeMinor) : undefined;
}

export function kubeApiserverImage(version: string): string {
  return `registry.k8s.io/kube-apiserver:${version.startsWith('v') ? version : `v${version}`}`;
}
