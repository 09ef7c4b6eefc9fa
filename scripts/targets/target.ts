// The seam between the scenario runner and what runs the cluster (docs/architecture.md#targets). The runner drives a
// Target and never imports the simulator: `local` (scripts/targets/local/) runs every component on this machine;
// the kind target runs the same plan on a real cluster. Both start a cluster for a mode from the plan, admit client
// pods, start clients, expose the replicas' metrics endpoints, apply topology changes, and close.
import type { ClientGroup, Scenario } from '../../scenarios/schema.ts';
import type { ChangeOutcome, TopologyChange } from '../cluster/changes.ts';
import type { ClusterPlan } from '../cluster/plan.ts';
import type { MachineCpu } from '../measure/machineCpu.ts';
import type { ClientPodSpec, ClientRunResult, PrepareResult, RunOptions } from '../core/clientPod.ts';
import type { GatewayStats, ServiceProxyStats, ThreadHealth } from '../core/componentStats.ts';

export type TargetName = 'local' | 'kind' | 'cluster' | 'binary';

export interface Target {
  readonly name: TargetName;
  /**
   * Simulated components this target replaces with real ones, each with the version that runs (the local target's
   * `--components gateway=envoy`: `{ gateway: 'envoy 1.37.0' }`); the results record it as `parameters.components`.
   */
  readonly components?: Record<string, string>;
  /**
   * Every time of a scenario (load phase, event times) runs this many times longer on this target; the runner scales
   * the scenario (scenarios/timeScale.ts). Absent: 1 (the local target). The kind target's default is 10.
   */
  readonly timeScale?: number;
  /**
   * The time scale this scenario runs at on this target, when the target chooses it per scenario (the binary target
   * picks the smallest scale its real components can keep, docs/binary-target.md#time-scale). Absent: `timeScale`.
   */
  timeScaleFor?(scenario: Scenario): number;
  /** What stops a scenario from running on this target, found before anything starts (empty: it can run). */
  check(scenario: Scenario): string[];
  /**
   * What the cluster in front of the target lacks for this scenario, read from it once preflight() passed (the kind
   * and cluster targets: room on the nodes for the run's pods, docs/kind.md#cluster-capacity). Absent: nothing.
   */
  fits?(scenario: Scenario): Promise<string[]>;
  /** What this machine lacks for the target (tools, a cluster), each line saying what to do; empty: ready. */
  preflight(): Promise<string[]>;
  start(plan: ClusterPlan, options?: TargetStartOptions): Promise<RunningCluster>;
}

export interface TargetStartOptions {
  /** Component events: crashes, exits, warnings. */
  onEvent?: (component: string, event: string, data: unknown) => void;
  /** Registers a clean-up for Ctrl-C while start() runs, with how long it may take; returns the unregister function. */
  registerCleanup?: (cleanup: () => Promise<void>, graceMs?: number) => () => void;
}

export interface RunningCluster {
  /** The plan as started (a target may have moved it, e.g. to a free address block). */
  readonly plan: ClusterPlan;
  readonly startupMs: number;
  /** Creates the groups' pods through the seed kube-apiserver, so admission (the webhook) runs for each. */
  admitClientPods(groups: ClientGroup[]): Promise<PodAdmission>;
  startClients(pods: ClientPodSpec[], options?: { workers?: number }): Promise<ClientFleet>;
  /**
   * The kube-apiserver replica pods and gateway pods that exist now (a stopped replica's pod still exists), each in
   * index order: what a timeline event's `replica: 2` or `pod: 1` refers to.
   */
  members(): Promise<ClusterMembers>;
  /** The current replicas' /metrics, read the same way on every target. */
  replicaMetrics(): MetricsEndpoint[];
  /**
   * Open client connections per replica right now, where the target can see them (kube-apiserver exports no such
   * metric; the local target counts its replicas' TCP connections). Undefined when it cannot.
   */
  replicaConnections(): Promise<Record<string, number> | undefined>;
  apply(change: TopologyChange): Promise<ChangeOutcome>;
  networkStats(): Promise<NetworkStats>;
  /** Event-loop delay, utilisation and CPU time of every component thread (the simulator's self-check). */
  componentHealth(reset?: boolean): Promise<ComponentHealth[]>;
  /**
   * How busy this machine's CPUs were since the last reset, and this process's part (the self-check's machine line,
   * docs/performance.md#self-check). Undefined where the cluster does not run in this process (kind: its pods are other
   * processes) or the machine has no /proc/stat.
   */
  machineCpu(reset?: boolean): Promise<MachineCpu | undefined>;
  /** How long close() may take (Ctrl-C waits that long for it); absent: the 5 s of scripts/runner/interrupts.ts. */
  readonly closeTimeoutMs?: number;
  close(): Promise<void>;
}

export interface ClusterMembers {
  replicas: string[];
  gatewayPods: string[];
}

export interface PodAdmission {
  admitted: ClientPodSpec[];
  /** Pods the seed kube-apiserver refused (a webhook denial with failurePolicy Fail, for instance). */
  rejected: RejectedPod[];
}

export interface RejectedPod {
  pod: string;
  group: string;
  code: number;
  message: string;
}

export interface ClientFleet {
  /**
   * Warm-up: clients create their objects, list what they watch, and connect. Resolves with how many of those requests
   * an apiserver answered (warm-up inside a load phase, by pods a timeline event started, counts on the replicas) and
   * the pods whose warm-up failed; those still run, and their requests fail by kind.
   */
  prepare(): Promise<PrepareResult>;
  /** The open-loop load phase; resolves with every pod's accounting. */
  run(options: RunOptions): Promise<ClientRunResult[]>;
  /** While run() is under way: a group's new offered rate and/or client-go QPS and Burst (a controller reconfigured). */
  setGroup(group: string, change: GroupChange): Promise<void>;
  /**
   * Ends these pods' load for good: they are deleted (a group stopped, or replaced by a rollout). Their requests in
   * flight finish, their connections close, and run() still reports what they did until then.
   */
  stopPods(pods: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface GroupChange {
  rate?: number;
  qps?: number;
  burst?: number;
}

export interface MetricsEndpoint {
  replica: string;
  /** The neighbour control plane the replica belongs to (docs/scenarios.md#shared-gateway); absent: the one under test. */
  controlPlane?: string;
  /** The Prometheus text of the replica's /metrics. */
  scrape(): Promise<string>;
  /**
   * A real kube-apiserver counts requests that are not the clients': its own loopback requests (identity lease,
   * endpoint reconciler), readiness probes and these scrapes, all at APF's exempt priority level. True: the runner
   * counts apiserver_request_total minus apiserver_flowcontrol_dispatched_requests_total{priority_level="exempt"}.
   */
  excludeExempt?: boolean;
}

export interface NetworkStats {
  kubeProxy: ServiceProxyStats[];
  gateways: GatewayStats[];
}

export interface ComponentHealth extends ThreadHealth {
  component: string;
  /** What the component is (kube-apiserver, gateway-pod, client-pods, ...). */
  kind: string;
  /**
   * A real component's process (the binary target): cpuMs is all its threads' CPU, it has no event loop (NaN), and the
   * self-check reports it without judging it: only the machine line says whether the machine limited the run.
   */
  realProcess?: boolean;
}
