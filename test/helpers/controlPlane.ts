// Starts a small simulated control plane on a leased loopback block for tests, with an admin token.
import { leaseAddressBlock, replicaIp, type AddressLease } from '../../sim/network/addresses.ts';
import { createClusterPki, type ClusterPki } from '../../sim/pki/clusterPki.ts';
import { startControlPlane, type ControlPlaneConfig, type ControlPlaneHooks } from '../../sim/apiserver/controlPlane.ts';
import type { CapacityConfig } from '../../sim/apiserver/capacity.ts';
import { MetricsScraper } from '../../scripts/measure/scrape.ts';

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
  pki: ClusterPki;
  plane: Awaited<ReturnType<typeof startControlPlane>>;
  urls: string[];
  close(): Promise<void>;
}

export async function startTestControlPlane(overrides: Partial<ControlPlaneConfig> = {}, replicas = 2, hooks: ControlPlaneHooks = {}): Promise<TestControlPlane> {
  const lease = await leaseAddressBlock();
  const ips = Array.from({ length: replicas }, (_, i) => replicaIp(lease.plan, i));
  const pki = await createClusterPki({ namespace: 'test', publicHosts: ['api.test.example'], ipAddresses: ips });
  const plane = await startControlPlane({
    namespace: 'test',
    replicas: ips.map((ip, i) => ({ name: `kube-apiserver-${i}`, ip, port: 10443 })),
    tls: pki.apiserverServing,
    clientCaPem: pki.clientCaPem,
    frontProxyCaPem: pki.frontProxyCaPem,
    tokens: { [ADMIN_TOKEN]: { user: 'system:admin', groups: ['system:masters'] }, [USER_TOKEN]: { user: 'alice', groups: ['dev'] } },
    seed: 1,
    capacity: FAST_CAPACITY,
    goawayChance: 0,
    http2MaxStreamsPerConnection: 100,
    ...overrides,
  }, hooks);
  return {
    lease,
    pki,
    plane,
    urls: plane.info.replicas.map((r) => r.url),
    async close() {
      await plane.close();
      await lease.release();
    },
  };
}

/** apiserver_request_total per replica, read from each replica's /metrics with the scenario runner's own scraper. */
export async function replicaRequestTotals(cp: TestControlPlane): Promise<number[]> {
  const scraper = new MetricsScraper(cp.plane.info.replicas.map((r) => ({ replica: r.name, server: r.url, caPem: cp.pki.clusterCaPem, token: ADMIN_TOKEN, servername: 'kube-apiserver' })));
  try {
    return (await scraper.scrapeAll()).map((snapshot) => snapshot.requests);
  } finally {
    scraper.close();
  }
}
