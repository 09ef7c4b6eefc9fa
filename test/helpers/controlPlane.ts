// Starts a small simulated control plane on a leased loopback block for tests, with an admin token, and issues its
// certificates the way a plan does (scripts/cluster/certificates.ts).
import { startControlPlane, type ControlPlaneConfig, type ControlPlaneHooks } from '../../sim/apiserver/controlPlane.ts';
import type { CapacityConfig } from '../../sim/apiserver/capacity.ts';
import { replicaIp, type AddressPlan } from '../../scripts/cluster/addresses.ts';
import { controlPlaneCertificates, issueCertificates, type IssuedCertificates } from '../../scripts/cluster/certificates.ts';
import { parsePrometheusText, sumOf } from '../../scripts/measure/promText.ts';
import { snapshotOf } from '../../scripts/measure/scrape.ts';
import { leaseAddressBlock, type AddressLease } from '../../scripts/targets/local/addressLease.ts';
import { RestClient } from '../../sim/kube/restClient.ts';

export const ADMIN_TOKEN = 'admin-token';
export const USER_TOKEN = 'user-token';

export const FAST_CAPACITY: CapacityConfig = {
  workers: 8,
  serviceTimeMs: { get: 0, list: 0, create: 0, update: 0, patch: 0, delete: 0, watchSetup: 0 },
  distribution: 'constant',
  maxRequestsInflight: 400,
  maxMutatingRequestsInflight: 200,
  retryAfterSeconds: 1,
};

export interface TestControlPlane {
  lease: AddressLease;
  addresses: AddressPlan;
  pki: IssuedCertificates;
  plane: Awaited<ReturnType<typeof startControlPlane>>;
  urls: string[];
  close(): Promise<void>;
}

/** Test addresses in a leased /16: the same layout as a plan's. */
export async function leaseTestAddresses(): Promise<{ lease: AddressLease; addresses: AddressPlan }> {
  const lease = await leaseAddressBlock();
  return { lease, addresses: { block: lease.block, privilegedPortOffset: 10_000 } };
}

export async function startTestControlPlane(
  overrides: Partial<ControlPlaneConfig> = {},
  replicas = 2,
  hooks: ControlPlaneHooks = {},
): Promise<TestControlPlane> {
  const { lease, addresses } = await leaseTestAddresses();
  const ips = Array.from({ length: replicas }, (_, i) => replicaIp(addresses, i));
  const pki = await issueCertificates(controlPlaneCertificates('test', ['api.test.example'], ips));
  const plane = await startControlPlane(
    {
      namespace: 'test',
      replicas: ips.map((ip, i) => ({ name: `kube-apiserver-${i}`, ip, port: 10443 })),
      tls: pki.certificates['kube-apiserver'],
      clientCaPem: pki.authorities['ca-client'].certPem,
      frontProxyCaPem: pki.authorities['ca-front-proxy'].certPem,
      tokens: { [ADMIN_TOKEN]: { user: 'system:admin', groups: ['system:masters'] }, [USER_TOKEN]: { user: 'alice', groups: ['dev'] } },
      randomSeed: 1,
      capacity: FAST_CAPACITY,
      goawayChance: 0,
      http2MaxStreamsPerConnection: 100,
      ...overrides,
    },
    hooks,
  );
  return {
    lease,
    addresses,
    pki,
    plane,
    urls: plane.info.replicas.map((r) => r.url),
    async close() {
      await plane.close();
      await lease.release();
    },
  };
}

/** Each replica's /metrics text (or only those named). */
export async function replicaMetricsTexts(cp: TestControlPlane, names?: string[]): Promise<string[]> {
  return Promise.all(
    cp.plane.info.replicas
      .filter((r) => !names || names.includes(r.name))
      .map(async (r) => {
        const client = new RestClient({ server: r.url, caPem: cp.pki.authorities.ca.certPem, token: ADMIN_TOKEN, servername: 'kube-apiserver' });
        try {
          return (await client.request('GET', '/metrics', undefined, { accept: 'text/plain' })).text;
        } finally {
          client.close();
        }
      }),
  );
}

/** apiserver_request_total per replica, read from each replica's /metrics with the measurement's own parser. */
export async function replicaRequestTotals(cp: TestControlPlane): Promise<number[]> {
  return (await replicaMetricsTexts(cp)).map((text, i) => snapshotOf(`replica-${i}`, text).requests);
}

/** Watches open on all replicas right now (apiserver_longrunning_requests{verb="WATCH"}). */
export async function openWatches(cp: TestControlPlane): Promise<number> {
  const texts = await replicaMetricsTexts(cp);
  return texts.reduce((sum, text) => sum + sumOf(parsePrometheusText(text), 'apiserver_longrunning_requests', { verb: 'WATCH' }), 0);
}
