// The internal istio ingress gateway on the binary target (docs/binary-target.md#the-gateway): one real Envoy per
// gateway pod, each in its own network namespace with the plan's pod IP, configured from the kind target's Istio
// objects (envoy/translate.ts) as istiod would, its upstream clusters' endpoints written from the control plane's
// ready replicas (EDS files), and listed in the seed's EndpointSlice of `istio-ingressgateway-internal` once Envoy is
// ready, as the gateway Deployment's pods would be. Admin listens on the pod IP (Istio: 127.0.0.1:15000 inside the
// pod), so the runner reads its stats through the node.
import path from 'node:path';
import { GATEWAY_INTERNAL_SERVICE_NAME } from '../../cluster/gardener.ts';
import { gatewayEndpoint, type ClusterPlan } from '../../cluster/plan.ts';
import { GATEWAY_TARGET_PORT } from '../../../webhook/constants.ts';
import { requireBinary } from '../../binaries/locate.ts';
import type { KubeManifest } from '../kind/steps.ts';
import { publishEndpoints } from './endpointSlices.ts';
import { clustersOfNamespace, GATEWAY_ADMIN_PORT, gatewayBaseId, gatewayConcurrency, startGatewayEnvoy, type GatewayEnvoy } from './envoy/gatewayEnvoy.ts';
import type { Address } from './envoy/endpointFiles.ts';
import type { EnvoyStats } from './envoy/gatewayStats.ts';
import type { PodRuntime } from './podRuntime.ts';
import type { PodNamespace } from './network/podNamespace.ts';

interface GatewayPod {
  index: number;
  envoy: GatewayEnvoy;
  network: PodNamespace;
}

export class BinaryGateway {
  private readonly pods = new Map<string, GatewayPod>();
  private endpoints = new Map<string, Address[]>();
  private nextIndex = 0;

  constructor(
    private readonly plan: ClusterPlan,
    private readonly objects: KubeManifest[],
    private readonly runtime: PodRuntime,
  ) {}

  /** The plan's gateway pods, in parallel (a Deployment's pods start together). */
  async start(): Promise<void> {
    await Promise.all(this.plan.gatewayPods.map(() => this.addPod()));
  }

  names(): string[] {
    return [...this.pods.entries()].sort((a, b) => a[1].index - b[1].index).map(([name]) => name);
  }

  async addPod(): Promise<string> {
    const index = this.nextIndex++;
    const endpoint = gatewayEndpoint(index, this.plan.addresses);
    const network = await this.runtime.network.addPod({ name: endpoint.name, namespace: this.plan.istioNamespace, ip: endpoint.ip });
    try {
      const envoy = await startGatewayEnvoy({
        name: endpoint.name,
        binary: requireBinary('envoy'),
        objects: this.objects,
        namespace: this.plan.istioNamespace,
        listen: { ip: endpoint.ip, port: GATEWAY_TARGET_PORT },
        admin: { ip: endpoint.ip, port: GATEWAY_ADMIN_PORT },
        workDir: path.join(this.runtime.network.dir, 'gateway', endpoint.name),
        concurrency: gatewayConcurrency(this.plan),
        baseId: gatewayBaseId(index),
        endpoints: Object.fromEntries(this.endpoints),
        prefix: network.enter,
        adminAgent: this.runtime.network.tunnel.httpAgent({ keepAlive: true }),
      });
      this.runtime.network.adopt(envoy.envoy.process);
      this.pods.set(endpoint.name, { index, envoy, network });
    } catch (error) {
      await this.runtime.network.removePod(network);
      throw error;
    }
    await this.publish();
    return endpoint.name;
  }

  /** Out of the Service first, then pilot-agent's termination (drain, 5 s, stop). */
  async removePod(name: string): Promise<void> {
    const pod = this.pods.get(name);
    if (!pod) throw new Error(`no gateway pod ${name}`);
    this.pods.delete(name);
    await this.publish();
    await pod.envoy.terminate();
    await this.runtime.network.removePod(pod.network);
  }

  /** Every cluster of a control plane's namespace gets these replicas (its kube-apiserver Services select the same pods). */
  async setReplicas(namespace: string, replicas: Address[]): Promise<void> {
    const first = [...this.pods.values()][0];
    const clusters = first ? clustersOfNamespace(first.envoy.clusters, namespace) : [];
    for (const cluster of clusters) this.endpoints.set(cluster, replicas);
    await Promise.all([...this.pods.values()].flatMap((p) => clusters.map((c) => p.envoy.setEndpoints(c, replicas))));
  }

  async stats(): Promise<{ pod: string; stats: EnvoyStats }[]> {
    return Promise.all([...this.pods.entries()].map(async ([pod, p]) => ({ pod, stats: await p.envoy.stats() })));
  }

  private publish(): Promise<void> {
    const endpoints = [...this.pods.keys()].map((name) => ({ name, ip: gatewayEndpoint(this.pods.get(name)!.index, this.plan.addresses).ip }));
    return publishEndpoints(this.runtime.seed, this.plan.istioNamespace, GATEWAY_INTERNAL_SERVICE_NAME, { name: 'tcp', port: GATEWAY_TARGET_PORT }, endpoints);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pods.values()].map((p) => p.envoy.close().catch(() => undefined)));
    this.pods.clear();
  }
}
