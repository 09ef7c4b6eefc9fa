// Plays a scenario's timeline events against a running cluster during the load phase (docs/scenarios.md#timeline-events).
// Each event becomes the actions a real operator or controller would take, through the Target seam only:
// - scale-apiservers: add replicas (next free index) or delete the highest ones, one at a time;
// - kill-apiserver: the process is killed (connections reset), the kubelet starts it again after `downFor`, and it
//   counts as done once ready; restart-apiserver: a graceful restart (endpoint withdrawn, GOAWAY drain, back when
//   ready); rolling-restart: each replica in index order, each ready again before the next, then `pause`;
// - scale-gateways, kill-gateway (the Deployment replaces a killed pod);
// - client groups: set-clients, stop-clients, start-clients, recreate-pods (new pods first, then the old ones are
//   deleted, as a rollout with maxSurge does; if none of the new pods is admitted the rollout stalls and the old pods
//   stay);
// - webhook, seed objects, the generic kubeconfig, the Service's namespace alias.
// Changes of one kind (replicas, gateway pods, configuration) are applied one after another, as one controller
// would; different kinds overlap. Every change's final /metrics go to the sampler, so restarts lose no counts. An
// event that fails is recorded with its error (a failing check), never thrown: the run goes on.
import { setTimeout as sleep } from 'node:timers/promises';
import { eventName, type TimelineEvent as ScenarioEvent } from '../../scenarios/events.ts';
import type { ChangeOutcome, TopologyChange } from '../cluster/changes.ts';
import type { LoadSampler } from '../measure/loadSampler.ts';
import type { RunningCluster } from '../targets/target.ts';
import type { ClientFleets, LaunchOutcome } from './clientFleets.ts';
import type { TimelineEvent } from './results.ts';

export interface TimelineOptions {
  cluster: RunningCluster;
  fleets: ClientFleets;
  sampler: LoadSampler;
  /** performance.now() when the load phase began, and its length. */
  loadStartedAt: number;
  durationMs: number;
  onApplied?: (event: TimelineEvent) => void;
}

/** What one event did: the first action's end, the end of the whole event, and what happened. */
interface Applied {
  appliedMs?: number;
  readyMs?: number;
  details: string[];
}

type ChangeKind = 'apiservers' | 'gateways' | 'config';

const KIND_OF: Record<TopologyChange['type'], ChangeKind> = {
  'add-apiserver': 'apiservers',
  'remove-apiserver': 'apiservers',
  'stop-apiserver': 'apiservers',
  'start-apiserver': 'apiservers',
  'restart-apiserver': 'apiservers',
  'add-gateway': 'gateways',
  'remove-gateway': 'gateways',
  'stop-webhook': 'config',
  'start-webhook': 'config',
  'delete-seed-object': 'config',
  'recreate-seed-object': 'config',
  'set-kubeconfig-server': 'config',
  'set-namespace-alias': 'config',
};

export class TimelineRunner {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running: Promise<void>[] = [];
  private readonly records: TimelineEvent[] = [];
  private readonly queues: Record<ChangeKind, Promise<unknown>> = { apiservers: Promise.resolve(), gateways: Promise.resolve(), config: Promise.resolve() };
  private readonly stopping = new AbortController();

  constructor(
    private readonly events: readonly ScenarioEvent[],
    private readonly options: TimelineOptions,
  ) {}

  /** Schedules every event at its time after the load phase began. */
  start(): void {
    for (const event of this.events) {
      const delay = Math.max(0, this.options.loadStartedAt + event.at - performance.now());
      this.timers.push(setTimeout(() => this.running.push(this.play(event)), delay));
    }
  }

  /** Waits for every event, fired or still to fire, and returns their records in time order. */
  async finish(): Promise<TimelineEvent[]> {
    await sleep(Math.max(0, this.options.loadStartedAt + this.lastAt() - performance.now()) + 1);
    for (let settled = 0; settled < this.running.length; settled = this.running.length) await Promise.all(this.running.slice(settled));
    return this.sortedRecords();
  }

  /** The run failed: no more events; those under way end at their next step. */
  cancel(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.stopping.abort();
  }

  /** Names of the events applied so far. */
  appliedNames(): string[] {
    return this.records.map((r) => r.name);
  }

  private lastAt(): number {
    return this.events.reduce((max, e) => Math.max(max, e.at), 0);
  }

  private sortedRecords(): TimelineEvent[] {
    return [...this.records].sort((a, b) => a.atMs - b.atMs || a.startedAtMs - b.startedAtMs);
  }

  private async play(event: ScenarioEvent): Promise<void> {
    const started = performance.now();
    const record: TimelineEvent = {
      name: eventName(event),
      type: event.type,
      atMs: event.at,
      startedAtMs: started - this.options.loadStartedAt,
      detail: '',
    };
    try {
      const applied = await this.perform(event, started);
      record.appliedMs = applied.appliedMs ?? performance.now() - started;
      record.readyMs = applied.readyMs;
      record.detail = applied.details.join('; ');
    } catch (error) {
      record.appliedMs = performance.now() - started;
      record.error = (error as Error).message;
      record.detail = `failed: ${record.error}`;
    }
    this.records.push(record);
    this.options.onApplied?.(record);
  }

  /** The actions of one event. */
  private async perform(event: ScenarioEvent, started: number): Promise<Applied> {
    const { cluster, fleets } = this.options;
    const since = () => performance.now() - started;
    const applied: Applied = { details: [] };
    const step = async (change: TopologyChange) => {
      const outcome = await this.apply(change);
      applied.appliedMs ??= since();
      applied.details.push(outcome.detail);
      return outcome;
    };
    const endsAt = this.options.loadStartedAt + this.options.durationMs;
    switch (event.type) {
      case 'scale-apiservers': {
        const { replicas } = await cluster.members();
        for (let n = replicas.length; n < event.replicas; n++) await step({ type: 'add-apiserver' });
        for (const replica of replicas.slice(event.replicas).reverse()) await step({ type: 'remove-apiserver', replica });
        if (event.replicas > replicas.length) applied.readyMs = since();
        if (event.replicas === replicas.length) applied.details.push(`already ${replicas.length} replicas`);
        return applied;
      }
      case 'kill-apiserver': {
        const replica = await this.replica(event.replica);
        await step({ type: 'stop-apiserver', replica, mode: 'kill' });
        if (event.downFor > 0) await sleep(event.downFor, undefined, { signal: this.stopping.signal });
        await step({ type: 'start-apiserver', replica });
        applied.readyMs = since();
        return applied;
      }
      case 'restart-apiserver':
        await step({ type: 'restart-apiserver', replica: await this.replica(event.replica), mode: 'graceful' });
        applied.readyMs = since();
        return applied;
      case 'rolling-restart': {
        const { replicas } = await cluster.members();
        for (const [i, replica] of replicas.entries()) {
          this.stopping.signal.throwIfAborted();
          await step({ type: 'restart-apiserver', replica, mode: 'graceful' });
          if (event.pause > 0 && i < replicas.length - 1) await sleep(event.pause, undefined, { signal: this.stopping.signal });
        }
        applied.readyMs = since();
        return applied;
      }
      case 'scale-gateways': {
        const { gatewayPods } = await cluster.members();
        for (let n = gatewayPods.length; n < event.pods; n++) await step({ type: 'add-gateway' });
        for (const pod of gatewayPods.slice(event.pods).reverse()) await step({ type: 'remove-gateway', pod });
        if (event.pods > gatewayPods.length) applied.readyMs = since();
        return applied;
      }
      case 'kill-gateway': {
        const { gatewayPods } = await cluster.members();
        const pod = gatewayPods[event.pod];
        if (!pod) throw new Error(`there is no gateway pod ${event.pod} now (there are ${gatewayPods.length})`);
        await step({ type: 'remove-gateway', pod });
        await step({ type: 'add-gateway' });
        applied.readyMs = since();
        return applied;
      }
      case 'set-clients':
        await fleets.setGroup(event.group, { rate: event.rate, qps: event.qps, burst: event.burst });
        applied.details.push(
          `${event.group}: ${[event.rate !== undefined ? `rate ${event.rate}/s` : '', event.qps !== undefined ? `QPS ${event.qps}` : '', event.burst !== undefined ? `Burst ${event.burst}` : ''].filter(Boolean).join(', ')}`,
        );
        return applied;
      case 'stop-clients': {
        const pods = fleets.livePods(event.group);
        await fleets.stopPods(event.group, pods);
        applied.details.push(`${event.group}: ${pods.length} pods deleted`);
        return applied;
      }
      case 'start-clients': {
        const outcome = await fleets.launch(event.group, endsAt);
        applied.details.push(launchDetail(event.group, outcome));
        applied.readyMs = since();
        return applied;
      }
      case 'recreate-pods': {
        const old = fleets.livePods(event.group);
        const outcome = await fleets.launch(event.group, endsAt);
        applied.details.push(launchDetail(event.group, outcome));
        if (outcome.admitted.length > 0) {
          await fleets.stopPods(event.group, old);
          applied.details.push(`${old.length} old pods deleted`);
        } else {
          applied.details.push(`the rollout stalls: the ${old.length} old pods stay`);
        }
        applied.readyMs = since();
        return applied;
      }
      case 'stop-webhook':
        await step({ type: 'stop-webhook' });
        return applied;
      case 'start-webhook':
        await step({ type: 'start-webhook' });
        return applied;
      case 'delete-object':
        await step({ type: 'delete-seed-object', object: event.object });
        return applied;
      case 'create-object':
        await step({ type: 'recreate-seed-object', object: event.object });
        return applied;
      case 'set-kubeconfig-server':
        await step({ type: 'set-kubeconfig-server', address: event.address });
        return applied;
      case 'set-namespace-alias':
        await step({ type: 'set-namespace-alias', alias: event.alias });
        return applied;
    }
  }

  /** Applies a change after the changes of its kind before it; the processes it ended hand their counts to the sampler. */
  private apply(change: TopologyChange): Promise<ChangeOutcome> {
    const kind = KIND_OF[change.type];
    const run = this.queues[kind].then(async () => {
      this.stopping.signal.throwIfAborted();
      const outcome = await this.options.cluster.apply(change);
      if (outcome.finalMetrics) this.options.sampler.ingestFinal(outcome.finalMetrics);
      if (outcome.initialMetrics) this.options.sampler.ingestInitial(outcome.initialMetrics);
      return outcome;
    });
    this.queues[kind] = run.catch(() => undefined);
    return run;
  }

  private async replica(index: number): Promise<string> {
    const { replicas } = await this.options.cluster.members();
    const name = replicas[index];
    if (!name) throw new Error(`there is no kube-apiserver replica ${index} now (there are ${replicas.length})`);
    return name;
  }
}

function launchDetail(group: string, outcome: LaunchOutcome): string {
  const parts = [`${group}: ${outcome.admitted.length} pods admitted (${outcome.withHostAliases} with host aliases)`];
  if (outcome.rejected.length > 0) parts.push(`${outcome.rejected.length} rejected (${outcome.rejected[0]!.code}: ${clip(outcome.rejected[0]!.message)})`);
  if (outcome.warmUpFailed.length > 0) parts.push(`${outcome.warmUpFailed.length} failed their warm-up (${clip(outcome.warmUpFailed[0]!.error)})`);
  if (outcome.admitted.length > 0 && !outcome.ran) parts.push('the load phase ended during their warm-up');
  return parts.join(', ');
}

/** The first line of a message, at most 160 characters (the full text is in the results' failures and rejected pods). */
function clip(message: string): string {
  const line = message.split('\n')[0]!;
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
