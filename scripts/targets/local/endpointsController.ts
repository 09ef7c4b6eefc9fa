// What the endpoints controller, the kubelet's readiness probe, kube-proxy's and istiod's endpoint watches do together
// in a real cluster, for the local target (docs/kube-proxy.md#endpoints-follow-readiness): a kube-apiserver replica
// is in the Service's endpoints (kube-proxy) and in the gateways' upstream clusters (EDS) only while it is ready.
// - A replica that starts, or is added, is probed on /readyz over a new TLS connection each time, as the kubelet
//   probes; once it answers 200 its endpoint is published.
// - A replica that stops, or is deleted, is withdrawn first: no new connection or request goes to it.
// Gateway pods are the endpoints of the internal gateway Service in the same way (they are ready once listening).
import https from 'node:https';
import type { Endpoint } from '../../core/endpoint.ts';
import { KUBE_APISERVER_SERVICE_NAME } from '../../cluster/gardener.ts';

export interface EndpointSinks {
  /** kube-proxy: the ready endpoints of a Service; `resetRemoved` resets the connections of endpoints that left. */
  setServiceEndpoints(service: string, endpoints: Endpoint[], resetRemoved: boolean): Promise<void>;
  /** Every gateway pod's upstream clusters (Envoy EDS). */
  setUpstreamEndpoints(endpoints: Endpoint[]): Promise<void>;
}

export interface ReadinessProbe {
  caPem: string;
  /** TLS server name the probe verifies (any name on the serving certificate). */
  servername: string;
  periodMs: number;
  timeoutMs: number;
}

export class EndpointsController {
  /** Every replica that exists, in creation order, and whether it is ready. */
  private readonly replicas = new Map<string, { endpoint: Endpoint; ready: boolean }>();
  private gatewayPods: Endpoint[] = [];

  constructor(
    private readonly namespace: string,
    private readonly gatewayService: string,
    private readonly sinks: EndpointSinks,
    private readonly probe: ReadinessProbe,
    initialReplicas: Endpoint[],
  ) {
    for (const endpoint of initialReplicas) this.replicas.set(endpoint.name, { endpoint, ready: true });
  }

  readyReplicas(): Endpoint[] {
    return [...this.replicas.values()].filter((r) => r.ready).map((r) => r.endpoint);
  }

  replicaNames(): string[] {
    return [...this.replicas.keys()];
  }

  has(name: string): boolean {
    return this.replicas.has(name);
  }

  /** A new replica pod (not ready until probed). */
  add(endpoint: Endpoint): void {
    this.replicas.set(endpoint.name, { endpoint, ready: false });
  }

  /** Takes a replica out of the endpoints; `resetConnections` when its pod is gone (kube-proxy drops its flows). */
  async withdraw(name: string, resetConnections: boolean): Promise<void> {
    const replica = this.known(name);
    replica.ready = false;
    await this.publishReplicas(resetConnections);
  }

  /** Forgets a deleted replica. */
  async remove(name: string): Promise<void> {
    this.known(name);
    this.replicas.delete(name);
    await this.publishReplicas(true);
  }

  /** Probes until the replica is ready, then publishes it. Resolves with how long it took (ms). */
  async publishWhenReady(name: string, deadlineMs: number): Promise<number> {
    const replica = this.known(name);
    const started = performance.now();
    while (!(await probeReady(replica.endpoint, this.probe))) {
      if (performance.now() - started > deadlineMs) throw new Error(`${name} did not become ready within ${deadlineMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, this.probe.periodMs));
    }
    replica.ready = true;
    await this.publishReplicas(false);
    return performance.now() - started;
  }

  async setGatewayPods(pods: Endpoint[], resetRemoved: boolean): Promise<void> {
    this.gatewayPods = [...pods];
    await this.sinks.setServiceEndpoints(`${this.gatewayService}`, this.gatewayPods, resetRemoved);
  }

  private async publishReplicas(resetRemoved: boolean): Promise<void> {
    const ready = this.readyReplicas();
    await Promise.all([
      this.sinks.setServiceEndpoints(`${this.namespace}/${KUBE_APISERVER_SERVICE_NAME}`, ready, resetRemoved),
      this.sinks.setUpstreamEndpoints(ready),
    ]);
  }

  private known(name: string) {
    const replica = this.replicas.get(name);
    if (!replica) throw new Error(`unknown kube-apiserver replica "${name}" (known: ${this.replicaNames().join(', ')})`);
    return replica;
  }
}

/** One readiness probe: GET /readyz on a fresh connection (the kubelet's prober disables keep-alive). */
export function probeReady(endpoint: Endpoint, probe: Pick<ReadinessProbe, 'caPem' | 'servername' | 'timeoutMs'>): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(
      { host: endpoint.ip, port: endpoint.port, path: '/readyz', agent: false, ca: probe.caPem, servername: probe.servername, timeout: probe.timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', () => resolve(false));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
