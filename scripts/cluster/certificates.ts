// The certificates of a planned cluster, shaped like Gardener's (docs/gardener.md#certificates):
// - `ca` (cluster CA) signs the kube-apiserver serving certificate; clients verify the server with it;
// - `ca-front-proxy` signs the istio gateway's upstream client certificate (CN system:istio-gateway); kube-apiserver
//   trusts X-Remote-User/Group only on connections that present a certificate from this CA;
// - `ca-client` signs user client certificates; the gateway verifies optional client certificates against it;
// - the seed kube-apiserver and the webhook (gardener-resource-manager) have their own CAs.
// The gateway presents the kube-apiserver's own serving certificate downstream, so that certificate carries the
// public `api.` host as well as the in-cluster names.
//
// The plan only names what to issue (pure). `issueCertificates` creates the keys and certificates (issuePlan calls it
// once per control plane; the seed's own are in the plan under test only); a `PemSource` then hands PEMs to the code
// that builds component configs and seed objects, which is how a plan can be printed and tested with placeholders and
// started with real certificates from the same builders (scripts/cluster/issuedPlan.ts).
import { createCertificateAuthority, issueCertificate, type CertificateAuthority, type KeyPairPem, type LeafRequest } from '../../webhook/x509.ts';

export type AuthorityId = 'ca' | 'ca-front-proxy' | 'ca-client' | 'seed-ca' | 'webhook-ca';
export type CertificateId =
  | 'kube-apiserver'
  | 'istio-gateway-client'
  | 'admin-client'
  | 'seed-kube-apiserver'
  | 'webhook-serving'
  /** The client certificate of a client group with `auth: client-certificate`. */
  | `client-group:${string}`;

export function clientGroupCertificateId(group: string): CertificateId {
  return `client-group:${group}`;
}

/** The client group whose certificate `id` is, or undefined for any other certificate. */
export function clientGroupOfCertificate(id: CertificateId): string | undefined {
  return id.startsWith('client-group:') ? id.slice('client-group:'.length) : undefined;
}

export interface AuthorityPlan {
  id: AuthorityId;
  commonName: string;
}

export interface CertificatePlanEntry {
  id: CertificateId;
  issuer: AuthorityId;
  request: LeafRequest;
}

export interface CertificatePlan {
  authorities: AuthorityPlan[];
  certificates: CertificatePlanEntry[];
}

export interface IssuedCertificates {
  authorities: Record<AuthorityId, CertificateAuthority>;
  certificates: Record<CertificateId, KeyPairPem>;
}

export type { KeyPairPem };

/** Where builders get PEMs from: placeholders while planning, issued certificates when a target starts the plan. */
export interface PemSource {
  authority(id: AuthorityId): string;
  keyPair(id: CertificateId): KeyPairPem;
}

/** PEM-shaped placeholders (so PEM-checking code accepts them) that say which certificate goes there. */
export const PLACEHOLDER_PEMS: PemSource = {
  authority: (id) => placeholderPem('CERTIFICATE', `certificate of ${id}`),
  keyPair: (id) => ({ certPem: placeholderPem('CERTIFICATE', `certificate of ${id}`), keyPem: placeholderPem('PRIVATE KEY', `private key of ${id}`) }),
};

function placeholderPem(label: string, what: string): string {
  return `-----BEGIN ${label}-----\n<${what}: issued when a target starts the plan>\n-----END ${label}-----\n`;
}

/** A neighbour's plan names no seed-wide certificate (those are the plan under test's): asking it for one is a bug. */
export function issuedPems(issued: IssuedCertificates): PemSource {
  const missing = (what: string) => new Error(`no ${what} was issued for this plan (seed-wide certificates are the plan under test's)`);
  return {
    authority: (id) => {
      const authority = issued.authorities[id] as CertificateAuthority | undefined;
      if (!authority) throw missing(`certificate authority "${id}"`);
      return authority.certPem;
    },
    keyPair: (id) => {
      const keyPair = issued.certificates[id] as KeyPairPem | undefined;
      if (!keyPair) throw missing(`certificate "${id}"`);
      return keyPair;
    },
  };
}

/** Creates every CA, then every leaf, in parallel (about 30 ms in all for ECDSA P-256). */
export async function issueCertificates(plan: CertificatePlan): Promise<IssuedCertificates> {
  const authorities = Object.fromEntries(
    await Promise.all(plan.authorities.map(async (a) => [a.id, await createCertificateAuthority(a.commonName)] as const)),
  ) as Record<AuthorityId, CertificateAuthority>;
  const certificates = Object.fromEntries(
    await Promise.all(plan.certificates.map(async (c) => [c.id, await issueCertificate(authorities[c.issuer], c.request)] as const)),
  ) as Record<CertificateId, KeyPairPem>;
  return { authorities, certificates };
}

/** Every kube-apiserver serving certificate contains this name; Gardener's DestinationRules use it as upstream SNI. */
export const IN_CLUSTER_API_HOST = 'kubernetes.default.svc.cluster.local';

/**
 * The certificates of one control plane: its three CAs, the kube-apiserver serving certificate (in-cluster names,
 * public hosts, and the given IPs so `--server https://<ip>` verifies), the gateway's front-proxy client certificate
 * (Gardener's istio-client-certificate: 30 days) and an admin client certificate signed by ca-client.
 */
export function controlPlaneCertificates(namespace: string, publicHosts: string[], ipAddresses: string[]): CertificatePlan {
  return {
    authorities: [
      { id: 'ca', commonName: `ca (${namespace})` },
      { id: 'ca-front-proxy', commonName: `ca-front-proxy (${namespace})` },
      { id: 'ca-client', commonName: `ca-client (${namespace})` },
    ],
    certificates: [
      {
        id: 'kube-apiserver',
        issuer: 'ca',
        request: { commonName: 'kube-apiserver', dnsNames: servingDnsNames(namespace, publicHosts), ipAddresses, usage: 'server' },
      },
      { id: 'istio-gateway-client', issuer: 'ca-front-proxy', request: { commonName: 'system:istio-gateway', usage: 'client', validDays: 30 } },
      { id: 'admin-client', issuer: 'ca-client', request: { commonName: 'system:admin', organizations: ['system:masters'], usage: 'client' } },
    ],
  };
}

/** The in-cluster names every kube-apiserver serving certificate of a control plane carries, plus its public hosts. */
export function servingDnsNames(namespace: string, publicHosts: string[], inClusterHost = IN_CLUSTER_API_HOST): string[] {
  return [
    'kube-apiserver',
    `kube-apiserver.${namespace}`,
    `kube-apiserver.${namespace}.svc`,
    `kube-apiserver.${namespace}.svc.cluster.local`,
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    inClusterHost,
    ...publicHosts,
  ];
}
