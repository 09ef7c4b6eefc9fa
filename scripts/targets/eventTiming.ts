// Whether a target made of real components can keep a scenario's timeline (docs/kind.md#time-scale,
// docs/binary-target.md#time-scale). The simulator makes a replica ready in milliseconds; real components take
// seconds: a new kube-apiserver needs etcd, its post-start hooks and a readiness probe, a graceful one its shutdown
// delay, new client pods are created through the webhook and pass their readiness probe. With a target's seconds per
// kind of work (its TimingModel: the kind target's in targets/kind/clusterTiming.ts, the binary target's in
// targets/binary/binaryTiming.ts), each event's work is laid out in time order: events at one moment run together (one
// after the other when the runner queues them: replicas, gateway pods, configuration, each client group), an event at
// a later moment must find the earlier ones done (a timeline is an order: the ConfigMap is gone before the pods that
// should miss it are created), and the last one must be done early enough to measure what it did before the load
// phase ends. check() refuses a scenario whose (time-scaled) timeline fails this; the kind dry run prints the layout.
import { eventName } from '../../scenarios/events.ts';
import type { Scenario } from '../../scenarios/schema.ts';

/** Seconds a kind of work takes on a target (upper values). */
export interface EventSeconds {
  /** A new kube-apiserver replica until ready. */
  apiserverReady: number;
  /** A stopped kube-apiserver replica until gone (shutdown delay, GOAWAY, drain). */
  apiserverGone: number;
  /** A new gateway pod until ready, with its routes. */
  gatewayReady: number;
  /** A removed gateway pod until gone (Envoy's drain). */
  gatewayGone: number;
  /** New client pods created through the webhook until ready and warmed up. */
  clientPods: number;
  /** The webhook serving again. */
  webhookReady: number;
  /** The webhook gone. */
  webhookGone: number;
  /** One object applied or deleted, and its watchers notified. */
  objectChange: number;
  /** A control call to the load clients. */
  clientControl: number;
  /** After the last event is done: time to measure what it did (convergence needs two balanced 1 s buckets, plus margin). */
  measureAfter: number;
}

export interface TimingModel {
  seconds: EventSeconds;
  /**
   * A restarted replica comes back at its own address once the old process is gone (the binary target), so a restart
   * takes apiserverGone + apiserverReady; otherwise (a Deployment's rollout with surge) the new pod starts while the
   * old one terminates, and it takes the longer of the two.
   */
  restartInPlace?: boolean;
  /** Where those seconds hold, for messages: "on a real cluster", "on this machine's real components". */
  where: string;
}

export interface EventWork {
  index: number;
  name: string;
  atMs: number;
  /** The runner's queue the event's actions wait in. */
  queue: string;
  /** How long its actions take on a real cluster. */
  workMs: number;
  what: string;
}

/** Each event's work on a real cluster, in time order, following the replica and gateway-pod counts through the timeline. */
export function eventWork(scenario: Scenario, model: TimingModel): EventWork[] {
  const s = model.seconds;
  const restart = model.restartInPlace ? s.apiserverGone + s.apiserverReady : Math.max(s.apiserverGone, s.apiserverReady);
  let replicas = scenario.topology.controlPlane.replicas;
  let gateways = scenario.topology.gateway.pods;
  const order = scenario.events.map((event, index) => ({ event, index })).sort((a, b) => a.event.at - b.event.at || a.index - b.index);
  return order.map(({ event, index }) => {
    const work = (queue: string, seconds: number, what: string, extraMs = 0): EventWork => ({
      index,
      name: eventName(event),
      atMs: event.at,
      queue,
      workMs: seconds * 1000 + extraMs,
      what,
    });
    switch (event.type) {
      case 'scale-apiservers': {
        const added = Math.max(0, event.replicas - replicas);
        const removed = Math.max(0, replicas - event.replicas);
        replicas = event.replicas;
        return work('apiservers', added * s.apiserverReady + removed * s.apiserverGone, `${added} new replica(s) ready, ${removed} gone`);
      }
      case 'kill-apiserver':
        return work('apiservers', s.apiserverReady, 'the replacement pod ready', event.downFor);
      case 'restart-apiserver':
        return work('apiservers', restart, 'the old pod gone and its replacement ready');
      case 'rolling-restart':
        return work('apiservers', replicas * restart, `${replicas} replicas replaced one at a time`, (replicas - 1) * event.pause);
      case 'scale-gateways': {
        const added = Math.max(0, event.pods - gateways);
        const removed = Math.max(0, gateways - event.pods);
        gateways = event.pods;
        return work('gateways', added * s.gatewayReady + removed * s.gatewayGone, `${added} new gateway pod(s) ready, ${removed} gone`);
      }
      case 'kill-gateway':
        return work('gateways', s.gatewayGone + s.gatewayReady, 'the gateway pod gone and its replacement ready');
      case 'set-clients':
      case 'stop-clients':
        return work(`clients:${event.group}`, s.clientControl, 'the load clients told');
      case 'start-clients':
      case 'recreate-pods':
        return work(`clients:${event.group}`, s.clientPods, 'new client pods admitted, ready and warmed up');
      case 'stop-webhook':
        return work('config', s.webhookGone, 'the webhook pods gone');
      case 'start-webhook':
        return work('config', s.webhookReady, 'the webhook rolled out');
      default:
        return work('config', s.objectChange, 'one object applied or deleted');
    }
  });
}

/** What a real cluster cannot keep of this timeline (the scenario's times as the target runs them), one line each. */
export function timingProblems(scenario: Scenario, timeScale: number, model: TimingModel): string[] {
  const problems: string[] = [];
  const at = formatSeconds;
  let latest: { doneMs: number; work: EventWork } | undefined;
  for (const moment of moments(eventWork(scenario, model))) {
    const first = moment[0]!;
    if (latest && first.atMs < latest.doneMs)
      problems.push(
        `events[${first.index}] (${first.name}) starts at ${at(first.atMs)}, before events[${latest.work.index}] (${latest.work.name}, at ${at(latest.work.atMs)}) can be done ${model.where} (about ${at(latest.doneMs)}: ${latest.work.what}); raise --time-scale (now ${timeScale})`,
      );
    const start = Math.max(first.atMs, latest?.doneMs ?? 0);
    for (const queue of new Set(moment.map((w) => w.queue))) {
      let doneMs = start;
      for (const w of moment.filter((x) => x.queue === queue)) {
        doneMs += w.workMs;
        if (!latest || doneMs > latest.doneMs) latest = { doneMs, work: w };
      }
    }
  }
  const needed = (latest?.doneMs ?? 0) + model.seconds.measureAfter * 1000;
  if (latest && needed > scenario.duration)
    problems.push(
      `the load phase ends at ${at(scenario.duration)}, but events[${latest.work.index}] (${latest.work.name}) is done only at about ${at(latest.doneMs)} ${model.where} (${latest.work.what}) and measuring what it did needs ${model.seconds.measureAfter} s more; raise --time-scale (now ${timeScale})`,
    );
  return problems;
}

/** The events grouped by the moment they start at, in time order. */
function moments(work: EventWork[]): EventWork[][] {
  const groups: EventWork[][] = [];
  for (const w of work) {
    if (groups.at(-1)?.[0]!.atMs === w.atMs) groups.at(-1)!.push(w);
    else groups.push([w]);
  }
  return groups;
}

/** The dry run's lines: each event at its time on the target, what it waits for, and when it is done at the latest. */
export function timingLines(scenario: Scenario, model: TimingModel): string[] {
  return eventWork(scenario, model).map(
    (w) => `  events[${w.index}] ${w.name}: at ${formatSeconds(w.atMs)}, ${w.what}: about ${formatSeconds(w.workMs)} ${model.where}`,
  );
}

/** A time in seconds, to a tenth: `7.5s`, `30s`. */
export function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}
