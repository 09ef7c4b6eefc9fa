// Whether a real cluster can keep a scenario's timeline (docs/kind.md#time-scale). The simulator makes a replica ready
// in milliseconds; on a cluster a new kube-apiserver pod needs 10 to 30 s, a graceful one 15 s of shutdown delay,
// new client pods are created through the webhook and pass their readiness probe. With the seconds below (upper
// values), each event's work is laid out in time order: events at one moment run together (one after the other when
// the runner queues them: replicas, gateway pods, configuration, each client group), an event at a later moment must
// find the earlier ones done (a timeline is an order: the ConfigMap is gone before the pods that should miss it are
// created), and the last one must be done early enough to measure what it did before the load phase ends.
// check() refuses a scenario whose (time-scaled) timeline fails this; the dry run prints the layout.
import { eventName } from '../../../scenarios/events.ts';
import type { Scenario } from '../../../scenarios/schema.ts';

/** Seconds a real cluster takes, upper values (docs/kind.md#time-scale gives the sources). */
export const REAL_CLUSTER_SECONDS = {
  /** A new kube-apiserver pod until Ready: image present, etcd connected, post-start hooks, readiness probe (10-30 s). */
  apiserverReady: 30,
  /** A deleted kube-apiserver pod until gone: --shutdown-delay-duration 15 s, GOAWAY drain, grace period 30 s. */
  apiserverGone: 30,
  /** A new gateway pod until Ready, with its routes pushed by istiod. */
  gatewayReady: 20,
  /** A deleted gateway pod until gone (Envoy's drain; grace period 30 s). */
  gatewayGone: 30,
  /** New client pods created one by one through the webhook until Ready (readiness probe every second) and warmed up. */
  clientPods: 15,
  /** The webhook Deployment rolled out again. */
  webhookReady: 20,
  /** The webhook pods gone (5 s readiness-failing shutdown delay, then the grace period). */
  webhookGone: 10,
  /** One kubectl apply or delete of an object, and its watchers notified. */
  objectChange: 2,
  /** A control call to the load clients through the pod proxy. */
  clientControl: 2,
  /** After the last event is done: time to measure what it did (convergence needs two balanced 1 s buckets, plus margin). */
  measureAfter: 10,
} as const;

/** Every time of a scenario is this many times longer on the kind and cluster targets, unless --time-scale says otherwise. */
export const DEFAULT_TIME_SCALE = 10;

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
export function eventWork(scenario: Scenario): EventWork[] {
  const s = REAL_CLUSTER_SECONDS;
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
        return work('apiservers', Math.max(s.apiserverGone, s.apiserverReady), 'the old pod gone and its replacement ready');
      case 'rolling-restart':
        return work(
          'apiservers',
          replicas * Math.max(s.apiserverGone, s.apiserverReady),
          `${replicas} replicas replaced one at a time`,
          (replicas - 1) * event.pause,
        );
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
export function timingProblems(scenario: Scenario, timeScale: number): string[] {
  const problems: string[] = [];
  const at = formatSeconds;
  let latest: { doneMs: number; work: EventWork } | undefined;
  for (const moment of moments(eventWork(scenario))) {
    const first = moment[0]!;
    if (latest && first.atMs < latest.doneMs)
      problems.push(
        `events[${first.index}] (${first.name}) starts at ${at(first.atMs)}, before events[${latest.work.index}] (${latest.work.name}, at ${at(latest.work.atMs)}) can be done on a real cluster (about ${at(latest.doneMs)}: ${latest.work.what}); raise --time-scale (now ${timeScale})`,
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
  const needed = (latest?.doneMs ?? 0) + REAL_CLUSTER_SECONDS.measureAfter * 1000;
  if (latest && needed > scenario.duration)
    problems.push(
      `the load phase ends at ${at(scenario.duration)}, but events[${latest.work.index}] (${latest.work.name}) is done only at about ${at(latest.doneMs)} on a real cluster (${latest.work.what}) and measuring what it did needs ${REAL_CLUSTER_SECONDS.measureAfter} s more; raise --time-scale (now ${timeScale})`,
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
export function timingLines(scenario: Scenario): string[] {
  return eventWork(scenario).map(
    (w) => `  events[${w.index}] ${w.name}: at ${formatSeconds(w.atMs)}, ${w.what}: about ${formatSeconds(w.workMs)} on a real cluster`,
  );
}

/** A time on a real cluster in seconds, to a tenth: `7.5s`, `30s`. */
export function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}
