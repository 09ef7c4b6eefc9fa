// A plan running on the real upstream components as processes of this machine (the binary target, a RunningCluster of
// scripts/targets/target.ts; docs/binary-target.md). start() brings it up in the order a real seed does
// (clusterBoot.ts); the timeline's changes become process and object changes (binaryChanges.ts); close() removes
// every process, namespace, rule and file, also after a failure half-way.
import type { ClientPodSpec } from '../../../sim/clients/types.ts';
import type { ClientGroup } from '../../../scenarios/schema.ts';
import type { ChangeOutcome, TopologyChange } from '../../cluster/changes.ts';
import type { ClusterPlan } from '../../cluster/plan.ts';
import type { MachineCpu } from '../../measure/machineCpu.ts';
import type { ClientFleet, ClusterMembers, ComponentHealth, MetricsEndpoint, NetworkStats, PodAdmission, RunningCluster } from '../target.ts';
import { applyChange } from './binaryChanges.ts';
import { binaryClientFleet } from './clientFleet.ts';
import { bootCluster, type BootedCluster } from './clusterBoot.ts';

/** The first fleet's warm-up keeps trying this long while the path to the apiservers settles (kube-proxy, EDS). */
const INITIAL_WARM_UP_RETRY_MS = 20_000;

export class BinaryCluster implements RunningCluster {
  readonly closeTimeoutMs = 60_000;
  private loadStarted = false;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly booted: BootedCluster,
    readonly startupMs: number,
  ) {}

  get plan(): ClusterPlan {
    return this.booted.plan;
  }

  static async start(requested: ClusterPlan, log: (line: string) => void = () => {}): Promise<BinaryCluster> {
    const started = performance.now();
    const booted = await bootCluster(requested, log);
    return new BinaryCluster(booted, performance.now() - started);
  }

  admitClientPods(groups: ClientGroup[]): Promise<PodAdmission> {
    return this.booted.clientPods.admit(groups);
  }

  async startClients(pods: ClientPodSpec[]): Promise<ClientFleet> {
    await this.booted.clientPods.start(pods);
    const warmUp = this.loadStarted ? 0 : INITIAL_WARM_UP_RETRY_MS;
    this.loadStarted = true;
    return binaryClientFleet(pods, this.booted.network.tunnel.httpAgent({ keepAlive: true, maxSockets: 32 }), warmUp, (names) =>
      this.booted.clientPods.remove(names),
    );
  }

  async members(): Promise<ClusterMembers> {
    return { replicas: this.booted.shoot.running().map((r) => r.name), gatewayPods: this.booted.gateway?.names() ?? [] };
  }

  replicaMetrics(): MetricsEndpoint[] {
    return this.booted.shoot.running().map((r) => ({ replica: r.name, scrape: () => this.booted.shoot.get(r.name, '/metrics'), excludeExempt: true }));
  }

  /** kube-apiserver exports no connection count; the binary target does not count sockets inside the pods (yet). */
  async replicaConnections(): Promise<undefined> {
    return undefined;
  }

  apply(change: TopologyChange): Promise<ChangeOutcome> {
    return applyChange(this.booted, change);
  }

  /** The simulator's kube-proxy and gateway counters have no real counterpart here; Envoy's own stats are in the docs. */
  async networkStats(): Promise<NetworkStats> {
    return { kubeProxy: [], gateways: [] };
  }

  /** The simulator's self-check measures its own event loops; real processes have none (docs/binary-target.md#what-it-does-not-do). */
  async componentHealth(): Promise<ComponentHealth[]> {
    return [];
  }

  async machineCpu(): Promise<MachineCpu | undefined> {
    return undefined;
  }

  close(): Promise<void> {
    this.closing ??= this.booted.close();
    return this.closing;
  }
}
