// Pinned versions of everything the kind target installs or checks (docs/kind.md#versions). The real components both
// real targets run (kube-apiserver, etcd) are pinned once, in scripts/binaries/versions.ts, and taken from there; the
// kind node image, Istio and the other kube-apiserver minors are the kind target's own. `cluster:up
// --kube-apiserver-version` and `--istio-version` override them for a cluster (and its runs, clusterRecord.ts).
import { ETCD_IMAGE_TAG, KUBERNETES_VERSION } from '../../binaries/versions.ts';
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

/**
 * The shoot kube-apiservers (registry.k8s.io/kube-apiserver:<version>) per supported minor: the newest patch tag of
 * each in kubernetes/apiserver, and for KUBERNETES_VERSION's minor that version itself (the default).
 */
export const KUBE_APISERVER_VERSIONS: Record<SupportedKubeMinor, string> = {
  '1.33': 'v1.33.13',
  '1.34': 'v1.34.10',
  '1.35': 'v1.35.7',
  '1.36': 'v1.36.3',
  ...{ [kubeMinorOf(KUBERNETES_VERSION) ?? '1.34']: KUBERNETES_VERSION },
};
/** What a run deploys unless told otherwise: the version the binary target builds (scripts/binaries/versions.ts). */
export const DEFAULT_KUBE_APISERVER_VERSION = KUBERNETES_VERSION;

/**
 * etcd for the control plane (one member, emptyDir): the image of ETCD_VERSION (scripts/binaries/versions.ts), the
 * `<version>-0` tag kubeadm deploys with kube-apiserver 1.34 (cmd/kubeadm/app/constants/constants.go
 * SupportedEtcdVersion[34] = "3.6.5-0"). Override with `etcdImage`.
 */
export const ETCD_IMAGE = `registry.k8s.io/etcd:${ETCD_IMAGE_TAG}`;

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
