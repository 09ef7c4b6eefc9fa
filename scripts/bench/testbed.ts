// The bench's shared backend: kube-apiserver replicas in one worker thread (the simulator's own control plane, with
// zero service time and room for thousands of requests in flight, so a figure is the proxy's or the load
// generator's cost, not a capacity model's), a small ConfigMap to GET, and per-replica request counts read from each
// replica's own /metrics (apiserver_request_total, docs/kube-apiserver.md#metrics), so the gateway, HAProxy and
// direct runs are counted by the same code. Gateway pods under test are started on demand.
import type { ResourceLimits } from 'node:worker_threads';
import controlPlane, { type ControlPlaneConfig } from '../../sim/apiserver/controlPlane.ts';
import gatewayPod, { type GatewayPodConfig } from '../../sim/gateway/gatewayPod.ts';
import type { LbPolicy } from '../../sim/gateway/lbPolicy.ts';
import { RestClient } from '../../sim/kube/restClient.ts';
import type { ComponentDescriptor, HandleOf, MethodTable } from '../../sim/runtime/component.ts';
import { startWorkerComponent } from '../../sim/runtime/startComponent.ts';
import { gatewayPodIp, replicaIp, type AddressPlan } from '../cluster/addresses.ts';
import { controlPlaneCertificates, IN_CLUSTER_API_HOST, issueCertificates, type IssuedCertificates } from '../cluster/certificates.ts';
import { parsePrometheusText, sumOf } from '../measure/promText.ts';
import { leaseAddressBlock } from '../targets/local/addressLease.ts';
import type { H2loadShape } from './h2load.ts';

export const BENCH_HOST = 'api.bench.local.gardener.cloud';
export const BENCH_TOKEN = 'bench-token';
export const BENCH_NAMESPACE = 'bench';
export const OBJECT_PATH = `/api/v1/namespaces/${BENCH_NAMESPACE}/configmaps/small`;
/** The replicas' port (443 with the simulator's privileged-port offset). */
export const REPLICA_PORT = 10443;
export const GATEWAY_PORT = 9443;

export type ControlPlaneHandle = HandleOf<typeof controlPlane>;
export type GatewayHandle = HandleOf<typeof gatewayPod>;

export interface GatewayOptions {
  lbPolicy?: LbPolicy;
  /** Index of the gateway pod address (127.B.2.<index+1>). */
  index?: number;
  /** V8 limits of the gateway worker (a larger young generation means fewer scavenges). */
  resourceLimits?: ResourceLimits;
  /** Start another descriptor with the gateway's config (a wrapper that adds profiling). */
  descriptor?: ComponentDescriptor<GatewayPodConfig, unknown, MethodTable>;
}

export class Testbed {
  private readonly cleanups: (() => Promise<unknown>)[] = [];

  private constructor(
    readonly addresses: AddressPlan,
    readonly pki: IssuedCertificates,
    readonly replicaIps: string[],
    readonly plane: ControlPlaneHandle,
    private readonly admin: RestClient[],
  ) {}

  static async start(replicaCount = 3): Promise<Testbed> {
    const lease = await leaseAddressBlock();
    const cleanups: (() => Promise<unknown>)[] = [() => lease.release()];
    try {
      const addresses = { block: lease.block, privilegedPortOffset: 10_000 };
      const ips = Array.from({ length: replicaCount }, (_, i) => replicaIp(addresses, i));
      const pki = await issueCertificates(controlPlaneCertificates(BENCH_NAMESPACE, [BENCH_HOST], ips));
      const plane = await startWorkerComponent(controlPlane, { name: 'apiserver', config: planeConfig(ips, pki) });
      cleanups.push(() => plane.close());
      const admin = plane.info.replicas.map(
        (r) => new RestClient({ server: r.url, caPem: pki.authorities.ca.certPem, token: BENCH_TOKEN, servername: 'kube-apiserver' }),
      );
      const bed = new Testbed(addresses, pki, ips, plane, admin);
      bed.cleanups.push(...cleanups, async () => admin.forEach((c) => c.close()));
      await bed.createSmallConfigMap();
      return bed;
    } catch (error) {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      throw error;
    }
  }

  get caPem(): string {
    return this.pki.authorities.ca.certPem;
  }

  get serving(): { certPem: string; keyPem: string } {
    return this.pki.certificates['kube-apiserver'];
  }

  get replicas(): { name: string; ip: string; port: number }[] {
    return this.plane.info.replicas.map((r) => ({ name: r.name, ip: r.ip, port: r.port }));
  }

  gatewayIp(index: number): string {
    return gatewayPodIp(this.addresses, index);
  }

  /** The gateway pod exactly as a scenario configures it (terminate mode, Gardener's settings), one worker thread. */
  gatewayConfig(options: GatewayOptions = {}): GatewayPodConfig {
    return {
      name: `istio-ingressgateway-bench-${options.index ?? 0}`,
      ip: this.gatewayIp(options.index ?? 0),
      port: GATEWAY_PORT,
      mode: 'terminate',
      lbPolicy: options.lbPolicy ?? 'LEAST_REQUEST',
      choiceCount: 2,
      randomSeed: 1,
      maxConcurrentStreams: 100,
      upstreamConnectionsPerEndpoint: 1,
      controlPlanes: [
        {
          hosts: [BENCH_HOST],
          servingTls: this.serving,
          clientCaPem: this.pki.authorities['ca-client'].certPem,
          upstream: {
            endpoints: this.replicas,
            caPem: this.caPem,
            sni: IN_CLUSTER_API_HOST,
            frontProxyClient: this.pki.certificates['istio-gateway-client'],
          },
        },
      ],
    };
  }

  async startGateway(options: GatewayOptions = {}): Promise<GatewayHandle> {
    const config = this.gatewayConfig(options);
    const descriptor = (options.descriptor ?? gatewayPod) as typeof gatewayPod;
    const handle = await startWorkerComponent(descriptor, { name: config.name, config, resourceLimits: options.resourceLimits });
    this.cleanups.push(() => handle.close());
    return handle;
  }

  /** Registers something to stop when the testbed closes (newest first). */
  onClose(cleanup: () => Promise<unknown>): void {
    this.cleanups.push(cleanup);
  }

  /** apiserver_request_total of every replica now, by replica name. */
  async replicaTotals(): Promise<Record<string, number>> {
    const texts = await Promise.all(this.admin.map((c) => c.request('GET', '/metrics', undefined, { accept: 'text/plain' })));
    return Object.fromEntries(texts.map((t, i) => [this.plane.info.replicas[i]!.name, sumOf(parsePrometheusText(t.text), 'apiserver_request_total')]));
  }

  async close(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  }

  private async createSmallConfigMap(): Promise<void> {
    const client = this.admin[0]!;
    await client.apply('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: BENCH_NAMESPACE } });
    await client.apply(`/api/v1/namespaces/${BENCH_NAMESPACE}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'small', namespace: BENCH_NAMESPACE },
      data: { key: 'value' },
    });
  }
}

/** A fixed total rate (req/s), or closed loop as fast as answers come back. */
export type LoadRate = number | 'saturation';

/**
 * The bench's standard load through a balancer (gateway, HAProxy, or straight to a replica): small GETs of the
 * testbed's ConfigMap over 4 HTTP/2 connections; at a fixed rate 16 streams each with h2load --rps splitting the rate
 * over the connections, at saturation 32 streams each, closed loop. The URI gives SNI and :authority (the gateway
 * routes and checks both); --connect-to picks the address.
 */
export function benchGetShape(connectTo: string, rate: LoadRate, timing: { durationSeconds: number; warmupSeconds: number; logFile: string }): H2loadShape {
  const saturated = rate === 'saturation';
  return {
    connectTo,
    uri: `https://${BENCH_HOST}${OBJECT_PATH}`,
    connections: 4,
    streams: saturated ? 32 : 16,
    ratePerConnection: saturated ? undefined : Math.ceil(rate / 4),
    headers: [`authorization: Bearer ${BENCH_TOKEN}`],
    ...timing,
  };
}

/** Requests counted per replica between two replicaTotals() readings. */
export function totalsDelta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([name, n]) => [name, n - (before[name] ?? 0)]));
}

function planeConfig(ips: string[], pki: IssuedCertificates): ControlPlaneConfig {
  return {
    namespace: BENCH_NAMESPACE,
    replicas: ips.map((ip, i) => ({ name: `kube-apiserver-${i}`, ip, port: REPLICA_PORT })),
    tls: pki.certificates['kube-apiserver'],
    clientCaPem: pki.authorities['ca-client'].certPem,
    frontProxyCaPem: pki.authorities['ca-front-proxy'].certPem,
    tokens: { [BENCH_TOKEN]: { user: 'system:admin', groups: ['system:masters'] } },
    randomSeed: 1,
    capacity: {
      workers: 64,
      serviceTimeMs: { get: 0, list: 0, create: 0, update: 0, patch: 0, delete: 0, watchSetup: 0 },
      distribution: 'constant',
      maxRequestsInflight: 4000,
      maxMutatingRequestsInflight: 2000,
      retryAfterSeconds: 1,
    },
    goawayChance: 0,
    http2MaxStreamsPerConnection: 100,
  };
}
