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
import type { AppliedEvent } from './results.ts';

export interface TimelineOptions {
  cluster: RunningCluster;
  fleets: ClientFleets;
  sampler: LoadSampler;
  /** performance.now() when the load phase began, and its length. */
  loadStartedAt: number;
  durationMs: number;
  onApplied?: (event: AppliedEvent) => void;
}

/** What one event did: the first action's end, the end of the whole event, and what happened. */
interface Applied {
  appliedMs?: number;
  readyMs?: number;
  details: string[];
}

/** One event being performed: what it did so far, the time since it started, and how it applies a change. */
interface EventRun {
  applied: Applied;
  since: () => number;
  step: (change: TopologyChange) => Promise<ChangeOutcome>;
}

type EventOf<T extends ScenarioEvent['type']> = Extract<ScenarioEvent, { type: T }>;

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
  private readonly records: AppliedEvent[] = [];
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
  async finish(): Promise<AppliedEvent[]> {
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

  private sortedRecords(): AppliedEvent[] {
    return [...this.records].sort((a, b) => a.atMs - b.atMs || a.startedAtMs - b.startedAtMs);
  }

  private async play(event: ScenarioEvent): Promise<void> {
    const started = performance.now();
    const record: AppliedEvent = {
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
    const applied: Applied = { details: [] };
    const since = () => performance.now() - started;
    const step = async (change: TopologyChange) => {
      const outcome = await this.apply(change);
      applied.appliedMs ??= since();
      applied.details.push(outcome.detail);
      return outcome;
    };
    const run: EventRun = { applied, since, step };
    switch (event.type) {
      case 'scale-apiservers':
      case 'kill-apiserver':
      case 'restart-apiserver':
      case 'rolling-restart':
        await this.changeApiservers(event, run);
        break;
      case 'scale-gateways':
      case 'kill-gateway':
        await this.changeGateways(event, run);
        break;
      case 'set-clients':
      case 'stop-clients':
      case 'start-clients':
      case 'recreate-pods':
        await this.changeClients(event, run);
        break;
      default:
        await step(configurationChange(event));
    }
    return applied;
  }

  /** The kube-apiserver replicas: scale, kill (and the kubelet's start after downFor), restart, rolling restart. */
  private async changeApiservers(
    event: EventOf<'scale-apiservers' | 'kill-apiserver' | 'restart-apiserver' | 'rolling-restart'>,
    run: EventRun,
  ): Promise<void> {
    const { applied, since, step } = run;
    switch (event.type) {
      case 'scale-apiservers': {
        const { replicas } = await this.options.cluster.members();
        for (let n = replicas.length; n < event.replicas; n++) await step({ type: 'add-apiserver' });
        for (const replica of replicas.slice(event.replicas).reverse()) await step({ type: 'remove-apiserver', replica });
        if (event.replicas > replicas.length) applied.readyMs = since();
        if (event.replicas === replicas.length) applied.details.push(`already ${replicas.length} replicas`);
        return;
      }
      case 'kill-apiserver': {
        const replica = await this.replica(event.replica);
        await step({ type: 'stop-apiserver', replica, mode: 'kill' });
        if (event.downFor > 0) await sleep(event.downFor, undefined, { signal: this.stopping.signal });
        await step({ type: 'start-apiserver', replica });
        applied.readyMs = since();
        return;
      }
      case 'restart-apiserver':
        await step({ type: 'restart-apiserver', replica: await this.replica(event.replica), mode: 'graceful' });
        applied.readyMs = since();
        return;
      case 'rolling-restart': {
        const { replicas } = await this.options.cluster.members();
        for (const [i, replica] of replicas.entries()) {
          this.stopping.signal.throwIfAborted();
          await step({ type: 'restart-apiserver', replica, mode: 'graceful' });
          if (event.pause > 0 && i < replicas.length - 1) await sleep(event.pause, undefined, { signal: this.stopping.signal });
        }
        applied.readyMs = since();
        return;
      }
    }
  }

  /** The gateway pods: scale, or kill one (its Deployment replaces it). */
  private async changeGateways(event: EventOf<'scale-gateways' | 'kill-gateway'>, run: EventRun): Promise<void> {
    const { applied, since, step } = run;
    const { gatewayPods } = await this.options.cluster.members();
    if (event.type === 'scale-gateways') {
      for (let n = gatewayPods.length; n < event.pods; n++) await step({ type: 'add-gateway' });
      for (const pod of gatewayPods.slice(event.pods).reverse()) await step({ type: 'remove-gateway', pod });
      if (event.pods > gatewayPods.length) applied.readyMs = since();
      return;
    }
    const pod = gatewayPods[event.pod];
    if (!pod) throw new Error(`there is no gateway pod ${event.pod} now (there are ${gatewayPods.length})`);
    await step({ type: 'remove-gateway', pod });
    await step({ type: 'add-gateway' });
    applied.readyMs = since();
  }

  /** A client group: its rate, its pods stopped or started, or its pods recreated (new first, as a rollout with maxSurge). */
  private async changeClients(event: EventOf<'set-clients' | 'stop-clients' | 'start-clients' | 'recreate-pods'>, run: EventRun): Promise<void> {
    const { fleets } = this.options;
    const { applied, since } = run;
    const endsAt = this.options.loadStartedAt + this.options.durationMs;
    switch (event.type) {
      case 'set-clients':
        await fleets.setGroup(event.group, { rate: event.rate, qps: event.qps, burst: event.burst });
        applied.details.push(
          `${event.group}: ${[event.rate !== undefined ? `rate ${event.rate}/s` : '', event.qps !== undefined ? `QPS ${event.qps}` : '', event.burst !== undefined ? `Burst ${event.burst}` : ''].filter(Boolean).join(', ')}`,
        );
        return;
      case 'stop-clients': {
        const pods = fleets.livePods(event.group);
        await fleets.stopPods(event.group, pods);
        applied.details.push(`${event.group}: ${pods.length} pods deleted`);
        return;
      }
      case 'start-clients': {
        const outcome = await fleets.launch(event.group, endsAt);
        applied.details.push(launchDetail(event.group, outcome));
        applied.readyMs = since();
        return;
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
        return;
      }
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

/** The events that are one configuration change each: the webhook, seed objects, the kubeconfig, the namespace alias. */
function configurationChange(
  event: EventOf<'stop-webhook' | 'start-webhook' | 'delete-object' | 'create-object' | 'set-kubeconfig-server' | 'set-namespace-alias'>,
): TopologyChange {
  switch (event.type) {
    case 'stop-webhook':
    case 'start-webhook':
      return { type: event.type };
    case 'delete-object':
      return { type: 'delete-seed-object', object: event.object };
    case 'create-object':
      return { type: 'recreate-seed-object', object: event.object };
    case 'set-kubeconfig-server':
      return { type: 'set-kubeconfig-server', address: event.address };
    case 'set-namespace-alias':
      return { type: 'set-namespace-alias', alias: event.alias };
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
