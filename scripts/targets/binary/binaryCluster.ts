// A plan running on the real upstream components as processes of this machine (the binary target, a RunningCluster of
// scripts/targets/target.ts; docs/binary-target.md). start() brings it up in the order a real seed does
// (clusterBoot.ts); the timeline's changes become process and object changes (binaryChanges.ts); close() removes
// every process, namespace, rule and file, also after a failure half-way.
import type { ClientGroup } from '../../../scenarios/schema.ts';
import type { ChangeOutcome, TopologyChange } from '../../cluster/changes.ts';
import { replicaIdentity, type ClusterPlan } from '../../cluster/plan.ts';
import { MachineCpuMeter, type MachineCpu } from '../../measure/machineCpu.ts';
import type { ClientFleet, ClusterMembers, ComponentHealth, MetricsEndpoint, NetworkStats, PodAdmission, RunningCluster } from '../target.ts';
import { applyChange } from './binaryChanges.ts';
import { binaryClientFleet } from './clientFleet.ts';
import { bootCluster, type BootedCluster } from './clusterBoot.ts';
import { ProcessCpuMeter, runCpuMs } from './processCpu.ts';
import type { BinaryNeighbour } from './neighbourPlanes.ts';
import { connectionsPerReplica, endpointNames, kubeProxyStats, seamGatewayStats } from './binaryNetworkStats.ts';
import { natCounters, trackedConnections } from './network/connectionTable.ts';
import type { ClientPodSpec } from '../../core/clientPod.ts';

/** The first fleet's warm-up keeps trying this long while the path to the apiservers settles (kube-proxy, EDS). */
const INITIAL_WARM_UP_RETRY_MS = 20_000;

export class BinaryCluster implements RunningCluster {
  readonly closeTimeoutMs = 60_000;
  private loadStarted = false;
  private closing: Promise<void> | undefined;
  private readonly processCpu = new ProcessCpuMeter();
  private readonly machine = MachineCpuMeter.open('/proc/stat', () => runCpuMs() * 1000);

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

  /** Each group's pods in its control plane's namespace (`controlPlane`: a neighbour's; absent: the one under test). */
  async admitClientPods(groups: ClientGroup[]): Promise<PodAdmission> {
    const admission: PodAdmission = { admitted: [], rejected: [] };
    for (const plane of this.planes()) {
      const mine = groups.filter((g) => g.controlPlane === plane.ctx.plan.neighbour?.name);
      if (mine.length === 0) continue;
      const { admitted, rejected } = await plane.clientPods.admit(mine);
      admission.admitted.push(...admitted);
      admission.rejected.push(...rejected);
    }
    return admission;
  }

  async startClients(pods: ClientPodSpec[]): Promise<ClientFleet> {
    await Promise.all(this.planes().map((p) => p.clientPods.start(pods.filter((pod) => pod.namespace === p.ctx.plan.namespace))));
    const warmUp = this.loadStarted ? 0 : INITIAL_WARM_UP_RETRY_MS;
    this.loadStarted = true;
    return binaryClientFleet(pods, this.booted.network.tunnel.httpAgent({ keepAlive: true, maxSockets: 32 }), warmUp, (names) =>
      Promise.all(this.planes().map((p) => p.clientPods.remove(names))).then(() => undefined),
    );
  }

  /** The control plane under test, then every neighbour's. */
  private planes(): BinaryNeighbour[] {
    return [{ ctx: this.booted.ctx, shoot: this.booted.shoot, clientPods: this.booted.clientPods }, ...this.booted.neighbours];
  }

  async members(): Promise<ClusterMembers> {
    return { replicas: this.booted.shoot.running().map((r) => r.name), gatewayPods: this.booted.gateway?.names() ?? [] };
  }

  /** The replicas under test, then every neighbour's, named as the results name them (replicaIdentity). */
  replicaMetrics(): MetricsEndpoint[] {
    return this.planes().flatMap(({ ctx, shoot }) =>
      shoot.running().map((r) => ({ ...replicaIdentity(ctx.plan, r.name), scrape: () => shoot.get(r.name, '/metrics'), excludeExempt: true })),
    );
  }

  /** kube-apiserver exports no connection count: the node's conntrack table has them (binaryNetworkStats.ts). */
  async replicaConnections(): Promise<Record<string, number>> {
    const table = await trackedConnections(this.booted.network.node.name);
    return Object.assign(
      {},
      ...this.planes().map(({ ctx, shoot }) =>
        connectionsPerReplica(
          shoot.readyEndpoints().map((e) => ({ ...e, name: replicaIdentity(ctx.plan, e.name).replica })),
          table,
        ),
      ),
    ) as Record<string, number>;
  }

  apply(change: TopologyChange): Promise<ChangeOutcome> {
    return applyChange(this.booted, change);
  }

  /** kube-proxy's counters from the kernel, each gateway pod's from its Envoy (docs/binary-target.md#network-stats). */
  async networkStats(): Promise<NetworkStats> {
    const node = this.booted.network.node.name;
    const [dnat, table, envoys] = await Promise.all([natCounters(node), trackedConnections(node), this.booted.gateway?.stats() ?? []]);
    const names = endpointNames(this.plan);
    const mode = this.plan.mode.gatewayMode ?? 'terminate';
    return {
      kubeProxy: kubeProxyStats(this.plan, dnat, table),
      gateways: envoys.map(({ pod, stats }) =>
        seamGatewayStats(pod, mode, stats, names, (ns) => this.plan.neighbours.find((n) => n.namespace === ns)?.publicHost),
      ),
    };
  }

  /**
   * Every process of the cluster with the CPU it used in the window (docs/binary-target.md#self-check): real processes
   * have no event loop to measure, so only their CPU is reported, and the self-check judges the machine, not them.
   */
  async componentHealth(reset = false): Promise<ComponentHealth[]> {
    if (reset) this.processCpu.reset();
    return this.processCpu.health();
  }

  /** The machine's CPUs over the window, with this run's part: the runner's process and every process of the cluster. */
  async machineCpu(reset = false): Promise<MachineCpu | undefined> {
    if (reset) this.machine?.reset();
    return this.machine?.read();
  }

  close(): Promise<void> {
    this.processCpu.close();
    this.closing ??= this.booted.close();
    return this.closing;
  }
}
