// One shoot control plane running on the local target: its plan, its issued certificates and the worker that runs
// its kube-apiserver replicas, with the runner's admin access to them (/metrics scrapes, connection counts). The
// cluster has one for the control plane under test and one per neighbour (docs/scenarios.md#shared-gateway); the
// per-replica bookkeeping is written once here for both.
import type controlPlane from '../../../sim/apiserver/controlPlane.ts';
import { RestClient } from '../../../sim/kube/restClient.ts';
import type { HandleOf } from '../../../sim/runtime/component.ts';
import { replicaEndpoint, replicaIdentity, type ClusterPlan, type GenericKubeconfig } from '../../cluster/plan.ts';
import type { IssuedCertificates } from '../../cluster/certificates.ts';
import { KUBE_APISERVER_SERVICE_NAME } from '../../cluster/gardener.ts';
import type { MetricsEndpoint } from '../target.ts';

export type ShootApiserver = HandleOf<typeof controlPlane>;

export class ShootControlPlane {
  private readonly metricsClients = new Map<string, RestClient>();
  /** The generic token kubeconfig pods created from now on mount (a set-kubeconfig-server change replaces it). */
  genericKubeconfig: GenericKubeconfig;

  constructor(
    readonly plan: ClusterPlan,
    readonly certificates: IssuedCertificates,
    readonly apiserver: ShootApiserver,
  ) {
    this.genericKubeconfig = plan.genericKubeconfig;
  }

  /** Admin access to the first replica (system:masters token, verified against the cluster CA). */
  get admin() {
    const first = this.plan.replicas[0]!;
    return {
      server: `https://${first.ip}:${first.port}`,
      caPem: this.certificates.authorities.ca.certPem,
      token: this.plan.tokens.shootAdmin,
      servername: KUBE_APISERVER_SERVICE_NAME,
    };
  }

  /** The /metrics endpoints of the named replicas (one kept-alive admin connection each). */
  metrics(replicas: string[]): MetricsEndpoint[] {
    return replicas.map((name) => {
      let client = this.metricsClients.get(name);
      if (!client) {
        const endpoint = replicaEndpoint(this.plan.addresses, indexOf(name));
        client = new RestClient({ ...this.admin, server: `https://${endpoint.ip}:${endpoint.port}` }, 5_000);
        this.metricsClients.set(name, client);
      }
      const rest = client;
      const identity = replicaIdentity(this.plan, name);
      const replica = identity.replica;
      return {
        ...identity,
        async scrape() {
          const res = await rest.request('GET', '/metrics', undefined, { accept: 'text/plain' });
          if (res.statusCode !== 200) throw new Error(`scraping /metrics of ${replica} failed: HTTP ${res.statusCode} ${res.text.slice(0, 200)}`);
          return res.text;
        },
      };
    });
  }

  /** Client connections per replica: every TLS connection it has open, less the runner's own /metrics connection. */
  async connections(): Promise<Record<string, number>> {
    return Object.fromEntries(
      (await this.apiserver.remote.replicaStates()).map((r) => [
        replicaIdentity(this.plan, r.replica).replica,
        Math.max(0, r.connections - (this.metricsClients.get(r.replica)?.openConnections ?? 0)),
      ]),
    );
  }

  /** Drops the admin connection of a deleted replica. */
  forget(replica: string): void {
    this.metricsClients.get(replica)?.close();
    this.metricsClients.delete(replica);
  }

  close(): void {
    for (const client of this.metricsClients.values()) client.close();
    this.metricsClients.clear();
  }
}

/** The index at the end of a replica or gateway pod name (`kube-apiserver-2` → 2). */
export function indexOf(name: string): number {
  return Number(/-(\d+)$/.exec(name)?.[1]);
}
