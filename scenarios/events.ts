// Timeline events of a scenario (docs/scenarios.md#timeline-events): what happens to the cluster and the clients
// while the load runs, each at a time into the load phase. Each event says what a real action would do:
// - control plane: scale the kube-apiserver Deployment; kill a replica (its connections reset; the kubelet restarts
//   it, after `downFor`); restart one (its endpoint is withdrawn, it drains with GOAWAY, and its endpoint comes back
//   once it is ready); a rolling restart (one replica at a time, each ready before the next, as a Deployment rollout
//   with maxUnavailable 1 does);
// - gateway: scale the ingress gateway, or kill one of its pods (its connections reset; the Deployment starts a
//   replacement);
// - clients: change a group's offered rate or client-go QPS/Burst; stop a group (its pods are deleted) or start it
//   (new pods, admitted through the webhook); recreate a group's pods, as a controller rollout does;
// - webhook and config: stop or start the webhook server; delete or create the ConfigMap
//   istio-internal-load-balancing, the Service istio-ingressgateway-internal or the webhook registration (deleting one
//   that is not there is a no-op, as Gardener's reconcilers treat NotFound); point the generic token kubeconfig at
//   another server address (what switching L7 on or off does in Gardener); give the internal gateway Service a
//   namespace alias, as it had before gardener#12260, so that the NetworkPolicy no longer admits the webhook's label.
// `validateTimeline` checks a whole timeline against the scenario before anything starts.
import { z } from 'zod';
import { durationMs, formatDurationMs } from './duration.ts';
import { RECREATABLE_SEED_OBJECTS } from './vocabulary.ts';

const replicaIndex = z.number().int().min(0).max(15);
const at = durationMs({ min: 0, max: 600_000 });
const name = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and "-" (it names the event in expectations)')
  .max(60)
  .optional();
const base = { at, name };

export const TimelineEvent = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('scale-apiservers'), replicas: z.number().int().min(1).max(16) }).strict(),
  z
    .object({
      ...base,
      type: z.literal('kill-apiserver'),
      replica: replicaIndex,
      /** How long the killed process stays down before the kubelet starts it again; it then comes back once ready. */
      downFor: durationMs({ min: 0, max: 600_000 }).default(0),
    })
    .strict(),
  z.object({ ...base, type: z.literal('restart-apiserver'), replica: replicaIndex }).strict(),
  z
    .object({
      ...base,
      type: z.literal('rolling-restart'),
      /** Wait after each replica is ready again (a Deployment's minReadySeconds). */
      pause: durationMs({ min: 0, max: 600_000 }).default(0),
    })
    .strict(),
  z.object({ ...base, type: z.literal('scale-gateways'), pods: z.number().int().min(1).max(16) }).strict(),
  z.object({ ...base, type: z.literal('kill-gateway'), pod: z.number().int().min(0).max(15) }).strict(),
  z
    .object({
      ...base,
      type: z.literal('set-clients'),
      group: z.string(),
      rate: z.number().positive().max(100_000).optional(),
      qps: z.number().positive().max(100_000).optional(),
      burst: z.number().int().min(1).max(100_000).optional(),
    })
    .strict()
    .refine((e) => e.rate !== undefined || e.qps !== undefined || e.burst !== undefined, 'give rate, qps or burst'),
  z.object({ ...base, type: z.literal('stop-clients'), group: z.string() }).strict(),
  z.object({ ...base, type: z.literal('start-clients'), group: z.string() }).strict(),
  z.object({ ...base, type: z.literal('recreate-pods'), group: z.string() }).strict(),
  z.object({ ...base, type: z.literal('stop-webhook') }).strict(),
  z.object({ ...base, type: z.literal('start-webhook') }).strict(),
  z.object({ ...base, type: z.literal('delete-object'), object: z.enum(RECREATABLE_SEED_OBJECTS) }).strict(),
  z.object({ ...base, type: z.literal('create-object'), object: z.enum(RECREATABLE_SEED_OBJECTS) }).strict(),
  z.object({ ...base, type: z.literal('set-kubeconfig-server'), address: z.enum(['kube-apiserver', 'public-host']) }).strict(),
  z
    .object({
      ...base,
      type: z.literal('set-namespace-alias'),
      /** The annotation pod-label-selector-namespace-alias on istio-ingressgateway-internal; omit it to remove the annotation. */
      alias: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label')
        .max(63)
        .optional(),
    })
    .strict(),
]);
export type TimelineEvent = z.infer<typeof TimelineEvent>;
export type TimelineEventType = TimelineEvent['type'];

/** What a timeline needs to know about the rest of the scenario. */
export interface TimelineContext {
  durationMs: number;
  replicas: number;
  gatewayPods: number;
  /** How long a restarted replica takes to be ready (topology.controlPlane.readinessDelay). */
  readinessDelayMs: number;
  groups: { name: string; profile: 'client-go' | 'http1-pool'; startStopped: boolean }[];
}

export interface TimelineIssue {
  /** Path below `events`, e.g. [2, 'replica']. */
  path: (string | number)[];
  message: string;
}

/** How long a replica counts as busy with a restart or kill, beyond its readiness delay: the graceful drain. */
export const RESTART_DRAIN_MS = 2000;

export function eventName(event: TimelineEvent): string {
  return event.name ?? `${event.type}@${formatDurationMs(event.at)}`;
}

/**
 * Checks the timeline as a whole, in time order: events inside the load phase, replicas and gateway pods that exist
 * at that moment, no two restarts of one replica at once, client groups that exist and are in the right state, and
 * changes a group's profile cannot make.
 */
export function validateTimeline(events: readonly TimelineEvent[], context: TimelineContext): TimelineIssue[] {
  const issues: TimelineIssue[] = [];
  const order = events.map((event, index) => ({ event, index })).sort((a, b) => a.event.at - b.event.at || a.index - b.index);
  let replicas = context.replicas;
  let gatewayPods = context.gatewayPods;
  /** Until when each replica is busy with a restart or kill. */
  const busyUntil = new Map<number, { until: number; by: number }>();
  const groups = new Map(context.groups.map((g) => [g.name, { ...g, running: !g.startStopped }]));
  const names = new Map<string, number>();
  const restartWindow = (extraMs: number) => extraMs + context.readinessDelayMs + RESTART_DRAIN_MS;

  const claim = (index: number, replica: number, from: number, until: number, what: string) => {
    const busy = busyUntil.get(replica);
    if (busy && from < busy.until) {
      issues.push({
        path: [index],
        message: `${what} of replica ${replica} at ${formatDurationMs(from)} overlaps the restart from event ${busy.by} (busy until about ${formatDurationMs(busy.until)})`,
      });
    }
    busyUntil.set(replica, { until, by: index });
  };

  for (const { event, index } of order) {
    const label = eventName(event);
    const seen = names.get(label);
    if (seen !== undefined) issues.push({ path: [index, 'name'], message: `event name "${label}" is used by event ${seen} too` });
    names.set(label, index);
    if (event.at >= context.durationMs) {
      issues.push({
        path: [index, 'at'],
        message: `at ${formatDurationMs(event.at)} is not before the end of the load phase (duration ${formatDurationMs(context.durationMs)})`,
      });
      continue;
    }
    switch (event.type) {
      case 'scale-apiservers':
        replicas = event.replicas;
        break;
      case 'kill-apiserver':
      case 'restart-apiserver':
        if (event.replica >= replicas) {
          issues.push({
            path: [index, 'replica'],
            message: `replica ${event.replica} does not exist at ${formatDurationMs(event.at)} (there are ${replicas}: 0 to ${replicas - 1})`,
          });
          break;
        }
        claim(
          index,
          event.replica,
          event.at,
          event.at + restartWindow(event.type === 'kill-apiserver' ? event.downFor : 0),
          event.type === 'kill-apiserver' ? 'the kill' : 'the restart',
        );
        break;
      case 'rolling-restart':
        for (let r = 0; r < replicas; r++) {
          const from = event.at + r * (restartWindow(0) + event.pause);
          claim(index, r, from, from + restartWindow(0), 'the rolling restart');
        }
        break;
      case 'scale-gateways':
        gatewayPods = event.pods;
        break;
      case 'kill-gateway':
        if (event.pod >= gatewayPods)
          issues.push({ path: [index, 'pod'], message: `gateway pod ${event.pod} does not exist at ${formatDurationMs(event.at)} (there are ${gatewayPods})` });
        break;
      case 'set-clients':
      case 'stop-clients':
      case 'start-clients':
      case 'recreate-pods': {
        const group = groups.get(event.group);
        if (!group) {
          issues.push({ path: [index, 'group'], message: `unknown client group "${event.group}" (known: ${[...groups.keys()].join(', ')})` });
          break;
        }
        if (event.type === 'set-clients' && group.profile === 'http1-pool') {
          issues.push({
            path: [index, 'group'],
            message: `group "${group.name}" uses the http1-pool profile, whose rate is fixed when autocannon starts; stop it and start another group instead`,
          });
        }
        if (event.type === 'start-clients') {
          if (group.running)
            issues.push({
              path: [index, 'group'],
              message: `group "${group.name}" is already running at ${formatDurationMs(event.at)} (give it startStopped: true, or stop it first)`,
            });
          group.running = true;
        } else if (!group.running) {
          issues.push({ path: [index, 'group'], message: `group "${group.name}" is stopped at ${formatDurationMs(event.at)}` });
        } else if (event.type === 'stop-clients') group.running = false;
        break;
      }
      case 'delete-object':
      case 'create-object':
      case 'stop-webhook':
      case 'start-webhook':
      case 'set-kubeconfig-server':
      case 'set-namespace-alias':
        break;
    }
  }
  return issues;
}
