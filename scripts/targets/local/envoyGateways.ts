// `--components gateway=envoy` (docs/fidelity.md#swapping-one-component): the local cluster's gateway pods as real
// Envoy processes, everything else simulated. Each pod is the binary target's Envoy (binary/envoy/gatewayEnvoy.ts):
// the kind target's Istio objects of every control plane behind the gateway (Gateway, VirtualServices,
// DestinationRules, Gardener's EnvoyFilters with the Lua filter, the SNI filter chains, passthrough and the mTLS route
// to the replicas with the front-proxy client certificate) translated as istiod would, LEAST_REQUEST, one worker per
// upstream connection per host. It listens at the pod address the simulated kube-proxy sends the gateway Service's
// connections to (pod IP:9443 on loopback, no privileged port), its admin on the pod IP's port 15000, and its clusters'
// endpoints are EDS files the local endpoints controller rewrites as replicas become ready or stop. Its counters come
// from Envoy's admin (binary/envoy/gatewayStats.ts, in the seam's shape by binary/binaryNetworkStats.ts), its CPU
// from /proc (binary/processCpu.ts). The processes and their temporary directory go at close().
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IssuedPlan } from '../../cluster/issuedPlan.ts';
import type { ClusterPlan } from '../../cluster/plan.ts';
import type { GatewayStats } from '../../core/componentStats.ts';
import type { Endpoint } from '../../core/endpoint.ts';
import { endpointNames, seamGatewayStats } from '../binary/binaryNetworkStats.ts';
import type { Address } from '../binary/envoy/endpointFiles.ts';
import {
  clustersOfNamespace,
  GATEWAY_ADMIN_PORT,
  gatewayBaseId,
  gatewayConcurrency,
  startGatewayEnvoy,
  type GatewayEnvoy,
} from '../binary/envoy/gatewayEnvoy.ts';
import { renderGatewayObjects } from '../binary/envoy/istioObjects.ts';
import { translateGateway } from '../binary/envoy/translate.ts';
import type { ManagedProcess } from '../binary/managedProcess.ts';
import { ProcessCpuMeter, runCpuMs } from '../binary/processCpu.ts';
import type { KubeManifest } from '../kind/steps.ts';
import type { ComponentHealth } from '../target.ts';
import type { GatewaySet } from './gatewaySet.ts';
import { indexOf } from './shootControlPlane.ts';

/** The temporary directory of a run's Envoys (bootstraps, EDS files, logs): `<tmp>/apiserver-lb-envoy-<pid>-XXXXXX`. */
export const ENVOY_DIR_PREFIX = 'apiserver-lb-envoy-';
/** Envoy base ids of local runs, apart from the binary target's (gatewayBaseId without offset) and the bench's. */
const BASE_ID_OFFSET = 200_000;

export interface EnvoyGatewaysOptions {
  plan: ClusterPlan;
  issued: IssuedPlan;
  /** The Envoy binary of `npm run binaries`. */
  binary: string;
}

export class EnvoyGateways implements GatewaySet {
  private readonly envoys = new Map<string, { endpoint: Endpoint; envoy: GatewayEnvoy }>();
  private readonly starting = new Set<Promise<unknown>>();
  private readonly objects: KubeManifest[];
  /** Every EDS cluster of the translation (the same on every pod). */
  private readonly clusters: string[];
  private readonly names: Map<string, string>;
  private readonly cpu = new ProcessCpuMeter(() => this.processes());
  private closed = false;

  private constructor(
    private readonly o: EnvoyGatewaysOptions,
    private readonly workDir: string,
  ) {
    const { plan, issued } = o;
    this.objects = renderGatewayObjects([
      { plan, pems: issued.underTest.pems },
      ...plan.neighbours.map((n, i) => ({ plan: n, pems: issued.neighbours[i]!.pems })),
    ]);
    const dry = translateGateway({ objects: this.objects, namespace: plan.istioNamespace, bind: (port) => ({ ip: '0.0.0.0', port }), edsConfig: () => ({}) });
    this.clusters = dry.clusters.map((c) => c.name as string);
    this.names = endpointNames(plan);
  }

  /** The plan's gateway pods as Envoy processes, in parallel, their clusters holding the plan's replicas. */
  static async start(o: EnvoyGatewaysOptions): Promise<EnvoyGateways> {
    const set = new EnvoyGateways(o, fs.mkdtempSync(path.join(os.tmpdir(), `${ENVOY_DIR_PREFIX}${process.pid}-`)));
    try {
      await Promise.all(o.plan.gatewayPods.map((pod, index) => set.add(pod, index, o.plan.replicas)));
    } catch (error) {
      await set.close();
      throw error;
    }
    set.cpu.reset();
    return set;
  }

  pods(): Endpoint[] {
    return [...this.envoys.values()].map((p) => p.endpoint);
  }

  has(name: string): boolean {
    return this.envoys.has(name);
  }

  async add(endpoint: Endpoint, index: number, replicas: Endpoint[]): Promise<void> {
    if (this.closed) throw new Error(`cannot start ${endpoint.name}: the cluster is closing`);
    const starting = startGatewayEnvoy({
      name: endpoint.name,
      binary: this.o.binary,
      objects: this.objects,
      namespace: this.o.plan.istioNamespace,
      listen: { ip: endpoint.ip, port: endpoint.port },
      admin: { ip: endpoint.ip, port: GATEWAY_ADMIN_PORT },
      workDir: path.join(this.workDir, endpoint.name),
      concurrency: gatewayConcurrency(this.o.plan),
      baseId: gatewayBaseId(index, BASE_ID_OFFSET),
      endpoints: this.endpointsFor(replicas),
    });
    this.starting.add(starting);
    try {
      const envoy = await starting;
      this.envoys.set(endpoint.name, { endpoint, envoy });
      // In pod index order, whichever became ready first (the stats and the self-check's rows list them so).
      const ordered = [...this.envoys].sort(([a], [b]) => indexOf(a) - indexOf(b));
      this.envoys.clear();
      for (const [name, pod] of ordered) this.envoys.set(name, pod);
      if (this.closed) await envoy.close();
    } finally {
      this.starting.delete(starting);
    }
  }

  /** SIGKILL: the pod's connections end with it, as the simulated pod's are reset (GatewaySet.remove). */
  async remove(name: string): Promise<void> {
    const envoy = this.envoys.get(name)?.envoy;
    if (!envoy) throw new Error(`unknown gateway pod "${name}" (known: ${[...this.envoys.keys()].join(', ')})`);
    this.envoys.delete(name);
    envoy.envoy.process.signal('SIGKILL');
    await envoy.envoy.process.exited;
  }

  async setUpstreamEndpoints(replicas: Endpoint[]): Promise<void> {
    const underTest = clustersOfNamespace(this.clusters, this.o.plan.namespace);
    const addresses = replicas.map(({ ip, port }) => ({ ip, port }));
    await Promise.all([...this.envoys.values()].flatMap(({ envoy }) => underTest.map((cluster) => envoy.setEndpoints(cluster, addresses))));
  }

  async stats(): Promise<GatewayStats[]> {
    const { plan } = this.o;
    const mode = plan.mode.gatewayMode ?? 'terminate';
    const neighbourHost = (namespace: string) => plan.neighbours.find((n) => n.namespace === namespace)?.publicHost;
    return Promise.all([...this.envoys].map(async ([pod, { envoy }]) => seamGatewayStats(pod, mode, await envoy.stats(), this.names, neighbourHost)));
  }

  /** Each Envoy process's CPU over the window (every thread, /proc), as the binary target reports its processes. */
  async health(reset: boolean): Promise<ComponentHealth[]> {
    if (reset) this.cpu.reset();
    return this.cpu.health();
  }

  /** The Envoy processes running now. */
  processes(): ManagedProcess[] {
    return [...this.envoys.values()].map((p) => p.envoy.envoy.process);
  }

  /** This process and its Envoy children (/proc, as the binary target counts its processes). */
  runCpuMicros(): number {
    return runCpuMs(() => this.processes()) * 1000;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cpu.close();
    await Promise.allSettled([...this.starting]);
    const results = await Promise.allSettled([...this.envoys.values()].map((p) => p.envoy.close()));
    this.envoys.clear();
    fs.rmSync(this.workDir, { recursive: true, force: true });
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0)
      throw new AggregateError(
        failed.map((f) => f.reason as Error),
        `closing Envoy gateway pods: ${failed.map((f) => (f.reason as Error).message).join('; ')}`,
      );
  }

  /** Each cluster's endpoints: the control plane under test's from `replicas`, each neighbour's its plan's (they never change). */
  private endpointsFor(replicas: Endpoint[]): Record<string, Address[]> {
    const endpoints: Record<string, Address[]> = {};
    for (const plane of [this.o.plan, ...this.o.plan.neighbours]) {
      const list = plane === this.o.plan ? replicas : plane.replicas;
      for (const cluster of clustersOfNamespace(this.clusters, plane.namespace)) endpoints[cluster] = list.map(({ ip, port }) => ({ ip, port }));
    }
    return endpoints;
  }
}
