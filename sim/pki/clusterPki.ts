// The PKI of one simulated control plane, shaped like Gardener's (reference/gardener-l7-spec.md §4.3):
// - `ca` (cluster CA) signs the kube-apiserver serving certificate; clients verify the server with it.
// - `ca-front-proxy` signs the Istio gateway's upstream client certificate (CN system:istio-gateway); the
//   kube-apiserver trusts X-Remote-User/Group only on connections that present a certificate from this CA.
// - `ca-client` signs user client certificates; the gateway verifies optional client certs against it.
// The gateway presents the kube-apiserver's own serving certificate downstream, so that certificate carries the
// public `api.` host as well as the in-cluster names.
import { createCertificateAuthority, issueCertificate, type KeyPairPem } from './certificates.ts';

export interface ClusterPkiRequest {
  /** Control-plane namespace, e.g. shoot--local--hot. */
  namespace: string;
  /** Public API host names, e.g. api.hot.local.internal.local.gardener.cloud. */
  publicHosts: string[];
  /** Extra IP SANs for the serving certificate (replica and VIP addresses, so `--server https://<ip>` works). */
  ipAddresses?: string[];
}

/** Everything the simulated components need, as PEM strings (safe to send to worker threads). */
export interface ClusterPki {
  clusterCaPem: string;
  frontProxyCaPem: string;
  clientCaPem: string;
  /** kube-apiserver serving certificate; the gateway presents the same one when it terminates TLS. */
  apiserverServing: KeyPairPem;
  /** The gateway's upstream client certificate for the mTLS path (CN system:istio-gateway, signed by ca-front-proxy). */
  gatewayFrontProxyClient: KeyPairPem;
  /** A user client certificate signed by ca-client (CN/O become user/groups), for tests of the mTLS path. */
  adminClient: KeyPairPem;
  /** SANs of the serving certificate, for messages and kubeconfigs. */
  servingDnsNames: string[];
}

/** The name every kube-apiserver serving cert contains; Gardener uses it as the upstream SNI. */
export const IN_CLUSTER_API_HOST = 'kubernetes.default.svc.cluster.local';

export function servingDnsNamesFor(namespace: string, publicHosts: string[]): string[] {
  return [
    'kube-apiserver',
    `kube-apiserver.${namespace}`,
    `kube-apiserver.${namespace}.svc`,
    `kube-apiserver.${namespace}.svc.cluster.local`,
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    IN_CLUSTER_API_HOST,
    ...publicHosts,
  ];
}

export async function createClusterPki(request: ClusterPkiRequest): Promise<ClusterPki> {
  const [clusterCa, frontProxyCa, clientCa] = await Promise.all([
    createCertificateAuthority(`ca (${request.namespace})`),
    createCertificateAuthority(`ca-front-proxy (${request.namespace})`),
    createCertificateAuthority(`ca-client (${request.namespace})`),
  ]);
  const servingDnsNames = servingDnsNamesFor(request.namespace, request.publicHosts);
  const [apiserverServing, gatewayFrontProxyClient, adminClient] = await Promise.all([
    issueCertificate(clusterCa, {
      commonName: 'kube-apiserver',
      dnsNames: servingDnsNames,
      ipAddresses: request.ipAddresses ?? [],
      usage: 'server',
    }),
    issueCertificate(frontProxyCa, { commonName: 'system:istio-gateway', usage: 'client', validDays: 30 }),
    issueCertificate(clientCa, { commonName: 'system:admin', organizations: ['system:masters'], usage: 'client' }),
  ]);
  return {
    clusterCaPem: clusterCa.certPem,
    frontProxyCaPem: frontProxyCa.certPem,
    clientCaPem: clientCa.certPem,
    apiserverServing,
    gatewayFrontProxyClient,
    adminClient,
    servingDnsNames,
  };
}
