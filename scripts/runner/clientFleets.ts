// The client pods of one mode's run, as the timeline changes them (docs/scenarios.md#timeline-events): the groups
// that run from the start, pods that events start later (admitted through the webhook like any pod, warmed up, then
// run for the rest of the load phase), groups that are stopped, and the current settings of each group, which new
// pods of the group take over. It keeps what conservation needs: the requests an apiserver answered for warm-ups that
// happened inside the load phase, and every fleet's results.
import type { ClientGroup, Scenario } from '../../scenarios/schema.ts';
import type { ClientFleet, GroupChange, RejectedPod, RunningCluster } from '../targets/target.ts';
import type { ClientPodSpec, ClientRunResult } from '../core/clientPod.ts';

export interface LaunchOutcome {
  admitted: string[];
  /** Of the admitted pods, those the webhook gave host aliases (they take the gateway path). */
  withHostAliases: number;
  rejected: RejectedPod[];
  /** Pods whose warm-up failed (they still run, and their requests fail by kind). */
  warmUpFailed: { pod: string; error: string }[];
  /** Whether the pods got to run (not when the load phase ended during their warm-up). */
  ran: boolean;
}

interface RunningFleet {
  fleet: ClientFleet;
  pods: ClientPodSpec[];
  results?: Promise<ClientRunResult[]>;
}

export class ClientFleets {
  private readonly fleets: RunningFleet[] = [];
  /** Group → its pods that are running (not stopped). */
  private readonly live = new Map<string, string[]>();
  /** Group settings as they are now (set-clients changes them; pods started later take them over). */
  private readonly groups: Map<string, ClientGroup>;
  private readonly rejected: RejectedPod[] = [];
  private readonly warmUpFailed: { pod: string; error: string }[] = [];
  /** Requests an apiserver answered for warm-ups inside the load phase. */
  private warmUpAnswered = 0;

  constructor(
    private readonly cluster: RunningCluster,
    private readonly scenario: Scenario,
  ) {
    this.groups = new Map(scenario.clients.map((g) => [g.name, { ...g }]));
  }

  /** Before the load phase: the groups that run from the start, admitted and warmed up (not measured). */
  async setUp(): Promise<LaunchOutcome> {
    const initial = this.scenario.clients.filter((g) => !g.startStopped);
    const { outcome } = await this.admitAndWarmUp(initial, false);
    return outcome;
  }

  /** The load phase of the pods set up before it. */
  runInitial(durationMs: number): void {
    for (const entry of this.fleets) entry.results ??= entry.fleet.run({ durationMs, maxRequests: this.scenario.maxRequests });
  }

  /**
   * During the load phase: new pods of a group, admitted through the webhook, warmed up and run until `endsAt`
   * (performance.now() time). Their warm-up counts on the replicas, so it is added to what the clients saw answered.
   */
  async launch(group: string, endsAt: number): Promise<LaunchOutcome> {
    const spec = this.group(group);
    const { outcome, entry } = await this.admitAndWarmUp([spec], true);
    const remaining = endsAt - performance.now();
    if (entry && remaining > 0) {
      entry.results = entry.fleet.run({ durationMs: remaining, maxRequests: this.scenario.maxRequests });
      outcome.ran = true;
    }
    return outcome;
  }

  /** A group's controllers reconfigured: every running pod of the group, and pods started later. */
  async setGroup(group: string, change: GroupChange): Promise<void> {
    const spec = this.group(group);
    if (change.rate !== undefined) spec.rate = change.rate;
    if (change.qps !== undefined) spec.qps = change.qps;
    if (change.burst !== undefined) spec.burst = change.burst;
    await Promise.all(this.fleets.filter((f) => f.pods.some((p) => p.group === group)).map((f) => f.fleet.setGroup(group, change)));
  }

  /** The pods of a group that are running now. */
  livePods(group: string): string[] {
    return [...(this.live.get(group) ?? [])];
  }

  /** Deletes these pods: their load ends (requests in flight finish). */
  async stopPods(group: string, pods: string[]): Promise<void> {
    if (pods.length === 0) return;
    const stopping = new Set(pods);
    this.live.set(
      group,
      this.livePods(group).filter((p) => !stopping.has(p)),
    );
    await Promise.all(this.fleets.filter((f) => f.pods.some((p) => stopping.has(p.name))).map((f) => f.fleet.stopPods(pods)));
  }

  /** Every fleet's results, once all have run (call after the timeline has finished launching). */
  async results(): Promise<{
    clientResults: ClientRunResult[];
    warmUpAnswered: number;
    rejected: RejectedPod[];
    warmUpFailed: { pod: string; error: string }[];
  }> {
    const results = await Promise.all(this.fleets.map((f) => f.results ?? Promise.resolve([])));
    return { clientResults: results.flat(), warmUpAnswered: this.warmUpAnswered, rejected: [...this.rejected], warmUpFailed: [...this.warmUpFailed] };
  }

  async close(): Promise<void> {
    const closed = await Promise.allSettled(this.fleets.map((f) => f.fleet.close()));
    const failed = closed.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0)
      throw new AggregateError(
        failed.map((f) => f.reason),
        `closing client fleets: ${failed.map((f) => String(f.reason)).join('; ')}`,
      );
  }

  private async admitAndWarmUp(groups: ClientGroup[], duringLoad: boolean): Promise<{ outcome: LaunchOutcome; entry?: RunningFleet }> {
    const admission = await this.cluster.admitClientPods(groups);
    this.rejected.push(...admission.rejected);
    const outcome: LaunchOutcome = {
      admitted: admission.admitted.map((p) => p.name),
      withHostAliases: admission.admitted.filter((p) => p.hostAliases.length > 0).length,
      rejected: admission.rejected,
      warmUpFailed: [],
      ran: false,
    };
    if (admission.admitted.length === 0) return { outcome };
    const entry: RunningFleet = { fleet: await this.cluster.startClients(admission.admitted), pods: admission.admitted };
    this.fleets.push(entry);
    for (const pod of admission.admitted) this.live.set(pod.group, [...this.livePods(pod.group), pod.name]);
    const prepared = await entry.fleet.prepare();
    if (duringLoad) this.warmUpAnswered += prepared.answered;
    outcome.warmUpFailed = prepared.failed;
    this.warmUpFailed.push(...prepared.failed);
    return { outcome, entry };
  }

  private group(name: string): ClientGroup {
    const spec = this.groups.get(name);
    if (!spec) throw new Error(`unknown client group "${name}"`);
    return spec;
  }
}
