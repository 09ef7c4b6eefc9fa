// The scenario file model. Defaults come from the real systems (cited), so a scenario only states what it changes.
// `npm run scenario -- --schema` prints this as JSON Schema (scenarios/scenario.schema.json) for editor validation.
import { z } from 'zod';
import { ApfSettings } from './apfSchema.ts';
import { eventName, TimelineEvent, validateTimeline } from './events.ts';
import { boundRefs, parseRelativeBound } from './relativeBound.ts';
import { CLIENT_RESOURCES, CLIENT_VERBS, GROUP_METRICS, MODE_NAMES, RANGE_METRICS, type GroupMetric, type RangeMetric } from './vocabulary.ts';

import { durationMs } from './duration.ts';

export const ModeName = z.enum(MODE_NAMES);
export type ModeName = z.infer<typeof ModeName>;

const MixEntry = z
  .object({
    verb: z.enum(CLIENT_VERBS),
    resource: z.enum(CLIENT_RESOURCES),
    weight: z.number().positive().default(1),
    /** How many objects of this resource the client cycles through (created during warm-up). */
    objects: z.number().int().min(1).max(1000).default(1),
  })
  .strict();

const Watch = z.object({ resource: z.enum(CLIENT_RESOURCES) }).strict();

export const ClientGroup = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label (lowercase letters, digits, "-")')
      .max(40),
    count: z.number().int().min(1).max(500).default(1),
    profile: z.enum(['client-go', 'http1-pool']).default('client-go'),
    /** client-go rest.Config QPS/Burst; defaults DefaultQPS 5 / DefaultBurst 10 (client-go rest/config.go). */
    qps: z.number().positive().max(100_000).default(5),
    burst: z.number().int().min(1).max(100_000).default(10),
    /** Offered load per pod, requests/s (open loop). */
    rate: z.number().positive().max(100_000),
    arrival: z.enum(['constant', 'poisson']).default('poisson'),
    mix: z
      .array(MixEntry)
      .min(1)
      .default([{ verb: 'get', resource: 'leases', weight: 1, objects: 1 }]),
    watches: z.array(Watch).default([]),
    /** client-go rest.Request maxRetries default 10 (Retry-After, GET on connection reset). */
    maxRetries: z.number().int().min(0).max(100).default(10),
    /** The group has no pods until a `start-clients` event creates them. */
    startStopped: z.boolean().default(false),
    /**
     * The neighbour control plane (topology.neighbours[].name) whose pods these are; default the control plane under
     * test. The name of a `count` entry (a set of control planes) gives every control plane of the set a group of its
     * own, `<name>-<k>` for control plane `<set>-<k>` (docs/scenarios.md#many-control-planes).
     */
    controlPlane: z.string().optional(),
    /**
     * How the pods authenticate: the bearer token of their access secret (Gardener's shoot access tokens), or an x509
     * client certificate from the control plane's client CA (CN = the group's user); through the gateway the latter
     * takes the mTLS route, which forwards the identity with front-proxy headers (docs/gardener.md#request-path-in-l7-mode).
     */
    auth: z.enum(['token', 'client-certificate']).default('token'),
    http1: z
      .object({
        /** Keep-alive pool size; client-go's HTTP/1.1 transport keeps up to 25 idle per host (SetTransportDefaults). */
        connections: z.number().int().min(1).max(1000).default(25),
        /** Reconnect each connection after this many requests (connection churn); off by default. */
        reconnectRate: z.number().int().min(1).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type ClientGroup = z.infer<typeof ClientGroup>;

const ServiceTimes = z
  .object({
    get: durationMs({ min: 0, max: 60_000 }).default(2),
    list: durationMs({ min: 0, max: 60_000 }).default(8),
    create: durationMs({ min: 0, max: 60_000 }).default(4),
    update: durationMs({ min: 0, max: 60_000 }).default(4),
    patch: durationMs({ min: 0, max: 60_000 }).default(4),
    delete: durationMs({ min: 0, max: 60_000 }).default(3),
    watchSetup: durationMs({ min: 0, max: 60_000 }).default(2),
  })
  .strict();

const ControlPlane = z
  .object({
    namespace: z.string().default('shoot--local--hot'),
    /** The public API name (Gardener: `api.<internal cluster domain>`, docs/gardener.md#the-configmap-istio-internal-load-balancing). */
    publicHost: z.string().default('api.hot.local.internal.local.gardener.cloud'),
    replicas: z.number().int().min(1).max(16).default(3),
    capacity: z
      .object({
        workers: z.number().int().min(1).max(1000).default(2),
        serviceTime: ServiceTimes.prefault({}),
        distribution: z.enum(['exponential', 'constant']).default('exponential'),
        /** kube-apiserver --max-requests-inflight default 400. */
        maxRequestsInflight: z.number().int().min(1).default(400),
        /** kube-apiserver --max-mutating-requests-inflight default 200. */
        maxMutatingRequestsInflight: z.number().int().min(1).default(200),
      })
      .strict()
      .prefault({}),
    /**
     * How long a (re)started replica takes to pass its readiness check; its endpoint is published only then. A real
     * kube-apiserver needs seconds (etcd, post-start hooks); 0 keeps runs short where restarts are not the point.
     */
    readinessDelay: durationMs({ min: 0, max: 300_000 }).default(0),
    /** Used by the goaway mode; kube-apiserver allows 0..0.02, 0.001 is the recommended start (flag help text). */
    goawayChance: z.number().min(0).max(0.02).default(0.001),
    http2MaxStreamsPerConnection: z.number().int().min(1).max(1000).default(100),
    apf: ApfSettings.prefault({}),
  })
  .strict();

const Gateway = z
  .object({
    namespace: z.string().default('istio-ingress'),
    pods: z.number().int().min(1).max(8).default(2),
    /** Istio's default since 1.14 and Gardener's L7 DestinationRule: LEAST_REQUEST (Envoy P2C). */
    lbPolicy: z.enum(['LEAST_REQUEST', 'ROUND_ROBIN', 'RANDOM']).default('LEAST_REQUEST'),
    choiceCount: z.number().int().min(2).max(10).default(2),
    /** Gardener's envoy-filter sets max_concurrent_streams 100 on the gateway's downstream HTTP/2. */
    maxConcurrentStreams: z.number().int().min(1).max(1000).default(100),
    upstreamConnectionsPerEndpoint: z.number().int().min(1).max(16).default(1),
  })
  .strict();

/**
 * The most neighbour control planes a scenario may add: one address block holds 195 control planes (16 replica IPs
 * each, scripts/cluster/addresses.ts MAX_CONTROL_PLANES), the one under test and 194 neighbours.
 */
export const MAX_NEIGHBOURS = 194;

/**
 * Another shoot's control plane in the same seed, behind the same gateway pods (docs/scenarios.md#shared-gateway):
 * its own namespace, kube-apiserver Service, replicas, certificates and ConfigMap, reached through its own public
 * host. Its replicas are counted (conservation, the neighbour table) but the balance metrics and timeline events are
 * about the control plane under test (`controlPlane`). Namespace and public host default from the name.
 */
const NeighbourControlPlane = ControlPlane.omit({ namespace: true, publicHost: true })
  .extend({
    name: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label (lowercase letters, digits, "-")')
      .max(20),
    /** Default `shoot--local--<name>`. */
    namespace: z.string().optional(),
    /** Default `api.<name>.local.internal.local.gardener.cloud`. */
    publicHost: z.string().optional(),
    /**
     * A set of control planes from this one template: `count` control planes named `<name>-1` … `<name>-<count>`,
     * each with its own namespace, public host, replicas, certificates and clients (docs/scenarios.md#many-control-planes).
     */
    count: z.number().int().min(1).max(MAX_NEIGHBOURS).optional(),
  })
  .strict();

/** A neighbour as the plan sees it: one control plane, expanded from a `count` entry or written out. */
export type NeighbourControlPlane = Omit<z.infer<typeof NeighbourControlPlane>, 'count'> & {
  /** Its entry's index in `topology.neighbours` as written (where a problem with it is reported). */
  entry: number;
  /** The name of the `count` entry it comes from. */
  set?: string;
};

/** `topology.neighbours` with every `count` entry expanded into its control planes, in order. */
function expandNeighbours(entries: z.infer<typeof NeighbourControlPlane>[]): NeighbourControlPlane[] {
  return entries.flatMap(({ count, ...neighbour }, entry) =>
    count === undefined
      ? [{ ...neighbour, entry }]
      : Array.from({ length: count }, (_, k) => ({ ...neighbour, name: `${neighbour.name}-${k + 1}`, entry, set: neighbour.name })),
  );
}

const Topology = z
  .object({
    controlPlane: ControlPlane.prefault({}),
    neighbours: z.array(NeighbourControlPlane).default([]).transform(expandNeighbours),
    kubeProxy: z
      .object({ mode: z.enum(['iptables', 'ipvs']).default('iptables') })
      .strict()
      .prefault({}),
    gateway: Gateway.prefault({}),
    network: z
      .object({ privilegedPortOffset: z.number().int().min(0).max(60_000).default(10_000) })
      .strict()
      .prefault({}),
  })
  .strict();

const Range = z
  .object({ min: z.number().optional(), max: z.number().optional() })
  .strict()
  .refine((r) => r.min !== undefined || r.max !== undefined, 'give min, max or both');

const GroupExpectations = z
  .object(Object.fromEntries(GROUP_METRICS.map((metric) => [metric, Range.optional()])) as Record<GroupMetric, z.ZodOptional<typeof Range>>)
  .strict();

/** Expectations per mode; `npm run scenario` reports them and `npm run gate` fails on them. */
const Expectations = z
  .object({
    ...Object.fromEntries(RANGE_METRICS.map((metric) => [metric, Range.optional()])),
    /** Require request conservation (every answered request counted by exactly one replica). */
    conservation: z.boolean().optional(),
    /**
     * Per timeline event (by its name): seconds until per-second max/mean is back under the scenario's threshold, or
     * `never` to require that it does not get back within the run.
     */
    convergenceSeconds: z.record(z.string(), z.union([Range, z.literal('never')])).optional(),
    /** Per API Priority and Fairness priority level: requests it rejected with 429, all replicas together. */
    priorityLevelRejections: z.record(z.string(), Range).optional(),
    /** Fail when the simulator's self-check found it was itself the bottleneck (docs/architecture.md#self-check). */
    selfCheckClean: z.boolean().optional(),
    /** Per client group: the user name every one of its pods must have been authenticated as (SelfSubjectReview). */
    identity: z.record(z.string(), z.string().min(1)).optional(),
    /** Per client group: bounds on what its pods saw (a quiet neighbour's latency, a flood's 429s). */
    groups: z.record(z.string(), GroupExpectations).optional(),
  } as Record<RangeMetric, z.ZodOptional<typeof Range>> & {
    conservation: z.ZodOptional<z.ZodBoolean>;
    convergenceSeconds: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodUnion<[typeof Range, z.ZodLiteral<'never'>]>>>;
    priorityLevelRejections: z.ZodOptional<z.ZodRecord<z.ZodString, typeof Range>>;
    selfCheckClean: z.ZodOptional<z.ZodBoolean>;
    identity: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodString>>;
    groups: z.ZodOptional<z.ZodRecord<z.ZodString, typeof GroupExpectations>>;
  })
  .strict();
export type Expectations = z.infer<typeof Expectations>;

/** Per mode, and `compare`: relative bounds between modes (scenarios/relativeBound.ts). */
const Expect = z
  .object({
    ...Object.fromEntries(MODE_NAMES.map((mode) => [mode, Expectations.optional()])),
    compare: z.array(z.string()).default([]),
  } as Record<ModeName, z.ZodOptional<typeof Expectations>> & { compare: z.ZodDefault<z.ZodArray<z.ZodString>> })
  .strict();
export type Expect = z.infer<typeof Expect>;

export const Scenario = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** Seed for every random decision; printed so a run can be replayed. Omit for a fresh one per run. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
    /** Measured load phase per mode. */
    duration: durationMs({ min: 500, max: 600_000 }).default(10_000),
    /** Upper bound on requests per mode, on top of the duration (every load loop is bounded). */
    maxRequests: z.number().int().min(1).max(10_000_000).default(2_000_000),
    modes: z
      .array(ModeName)
      .min(1)
      .default([...MODE_NAMES]),
    topology: Topology.prefault({}),
    clients: z.array(ClientGroup).min(1),
    /** What happens while the load runs (scenarios/events.ts), each at a time into the load phase. */
    events: z.array(TimelineEvent).default([]),
    /** After each event: how long per-second max/mean takes to get back under this bound (results: convergence). */
    convergence: z
      .object({ maxOverMean: z.number().min(1).max(16).default(1.25) })
      .strict()
      .prefault({}),
    /** How `npm run gate` runs this scenario: whether it is in the default suite, and a shorter load phase. */
    gate: z
      .object({ include: z.boolean().default(true), duration: durationMs({ min: 500, max: 600_000 }).optional() })
      .strict()
      .prefault({}),
    expect: Expect.prefault({}),
  })
  .strict()
  .superRefine((scenario, ctx) => {
    const seen = new Set<string>();
    scenario.clients.forEach((group, index) => {
      if (seen.has(group.name)) ctx.addIssue({ code: 'custom', path: ['clients', index, 'name'], message: `duplicate client name "${group.name}"` });
      seen.add(group.name);
      if (group.controlPlane !== undefined && !scenario.topology.neighbours.some((n) => n.name === group.controlPlane || n.set === group.controlPlane))
        ctx.addIssue({
          code: 'custom',
          path: ['clients', index, 'controlPlane'],
          message: `no neighbour control plane "${group.controlPlane}" (topology.neighbours: ${neighbourNames(scenario.topology.neighbours) || 'none'})`,
        });
      if (group.auth === 'client-certificate' && group.profile === 'http1-pool')
        ctx.addIssue({ code: 'custom', path: ['clients', index, 'auth'], message: 'client certificates are supported for the client-go profile only' });
    });
    validateNeighbours(scenario.topology, ctx);
    const modes = new Set<string>();
    scenario.modes.forEach((mode, index) => {
      if (modes.has(mode)) ctx.addIssue({ code: 'custom', path: ['modes', index], message: `mode "${mode}" listed twice` });
      modes.add(mode);
    });
    scenario.expect.compare.forEach((text, index) => {
      try {
        const bound = parseRelativeBound(text);
        for (const ref of boundRefs(bound)) {
          if (!modes.has(ref.mode))
            ctx.addIssue({
              code: 'custom',
              path: ['expect', 'compare', index],
              message: `mode "${ref.mode}" is not one of this scenario's modes (${scenario.modes.join(', ')})`,
            });
          if (ref.group !== undefined && !scenario.clients.some((g) => g.name === ref.group))
            ctx.addIssue({
              code: 'custom',
              path: ['expect', 'compare', index],
              message: `no client group "${ref.group}" (groups: ${scenario.clients.map((g) => g.name).join(', ')})`,
            });
        }
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['expect', 'compare', index], message: (error as Error).message });
      }
    });
    for (const mode of MODE_NAMES) {
      if (scenario.expect[mode] && !modes.has(mode))
        ctx.addIssue({
          code: 'custom',
          path: ['expect', mode],
          message: `expectations for mode "${mode}", which this scenario does not run (modes: ${scenario.modes.join(', ')})`,
        });
    }
    const timeline = validateTimeline(scenario.events, {
      durationMs: scenario.duration,
      replicas: scenario.topology.controlPlane.replicas,
      gatewayPods: scenario.topology.gateway.pods,
      readinessDelayMs: scenario.topology.controlPlane.readinessDelay,
      groups: scenario.clients.map((g) => ({ name: g.name, profile: g.profile, startStopped: g.startStopped })),
    });
    for (const issue of timeline) ctx.addIssue({ code: 'custom', path: ['events', ...issue.path], message: issue.message });
    const gateDuration = scenario.gate.duration;
    if (gateDuration !== undefined) {
      if (gateDuration > scenario.duration)
        ctx.addIssue({
          code: 'custom',
          path: ['gate', 'duration'],
          message: `longer than the scenario's duration (${scenario.duration} ms); the gate only shortens`,
        });
      scenario.events.forEach((event, index) => {
        if (event.at >= gateDuration && event.at < scenario.duration)
          ctx.addIssue({
            code: 'custom',
            path: ['events', index, 'at'],
            message: `not before the end of the gate's shorter load phase (gate.duration ${gateDuration} ms)`,
          });
      });
    }
    const names = new Set(scenario.events.map((e) => eventName(e)));
    for (const mode of MODE_NAMES) {
      for (const event of Object.keys(scenario.expect[mode]?.convergenceSeconds ?? {})) {
        if (!names.has(event)) {
          ctx.addIssue({
            code: 'custom',
            path: ['expect', mode, 'convergenceSeconds', event],
            message: `no event named "${event}" (events: ${[...names].join(', ') || 'none'})`,
          });
        }
      }
    }
    const groupNames = new Set(scenario.clients.map((g) => g.name));
    for (const mode of MODE_NAMES) {
      for (const field of ['identity', 'groups'] as const) {
        for (const group of Object.keys(scenario.expect[mode]?.[field] ?? {})) {
          if (!groupNames.has(group))
            ctx.addIssue({
              code: 'custom',
              path: ['expect', mode, field, group],
              message: `no client group "${group}" (groups: ${[...groupNames].join(', ')})`,
            });
        }
      }
    }
    if (scenario.clients.every((g) => g.startStopped)) {
      ctx.addIssue({ code: 'custom', path: ['clients'], message: 'every client group starts stopped: nothing would send load at the start' });
    }
  })
  .transform(expandSetGroups);

export type Scenario = z.infer<typeof Scenario>;

/** The neighbours as a reader wrote them: a set as `<name>-1 … <name>-<count>`. */
function neighbourNames(neighbours: NeighbourControlPlane[]): string {
  const names: string[] = [];
  for (const n of neighbours) {
    if (n.set === undefined) names.push(n.name);
    else if (n.name === `${n.set}-1`) names.push(`${n.set}-1 … ${n.set}-${neighbours.filter((m) => m.set === n.set).length}`);
  }
  return names.join(', ');
}

/**
 * Every control plane of the seed has its own name, namespace and public host; a set's are its members' names'
 * defaults, and the seed holds at most MAX_NEIGHBOURS neighbours. Problems are reported at the entry as written.
 */
function validateNeighbours(topology: z.infer<typeof Topology>, ctx: z.RefinementCtx): void {
  if (topology.neighbours.length > MAX_NEIGHBOURS)
    ctx.addIssue({
      code: 'custom',
      path: ['topology', 'neighbours'],
      message: `${topology.neighbours.length} neighbour control planes do not fit: one address block holds the control plane under test and at most ${MAX_NEIGHBOURS} neighbours (16 replica addresses each)`,
    });
  const cp = topology.controlPlane;
  const taken = { names: new Set<string>(), namespaces: new Set([cp.namespace]), hosts: new Set([cp.publicHost.toLowerCase()]) };
  const reported = new Set<string>();
  const report = (entry: number, field: string, message: string) => {
    if (reported.has(`${entry}/${field}`)) return;
    reported.add(`${entry}/${field}`);
    ctx.addIssue({ code: 'custom', path: ['topology', 'neighbours', entry, field], message });
  };
  const sets = new Set(topology.neighbours.flatMap((n) => (n.set === undefined ? [] : [n.set])));
  for (const neighbour of topology.neighbours) {
    const resolved = neighbourIdentity(neighbour);
    if (neighbour.set !== undefined)
      for (const field of ['namespace', 'publicHost'] as const)
        if (neighbour[field] !== undefined)
          report(neighbour.entry, field, `a set of control planes (count) takes each one's ${field} from its name; leave ${field} out`);
    if (taken.names.has(neighbour.name) || (neighbour.set === undefined && sets.has(neighbour.name)))
      report(neighbour.entry, 'name', `duplicate neighbour name "${neighbour.name}"`);
    if (taken.namespaces.has(resolved.namespace)) report(neighbour.entry, 'namespace', `namespace "${resolved.namespace}" is already another control plane's`);
    if (taken.hosts.has(resolved.publicHost.toLowerCase()))
      report(neighbour.entry, 'publicHost', `public host "${resolved.publicHost}" is already another control plane's`);
    taken.names.add(neighbour.name);
    taken.namespaces.add(resolved.namespace);
    taken.hosts.add(resolved.publicHost.toLowerCase());
  }
}

/**
 * A client group of a set of control planes (`controlPlane: <set>`) becomes one group per member, `<group>-<k>` for
 * member `<set>-<k>`, each with the group's expectations (docs/scenarios.md#many-control-planes).
 */
function expandSetGroups<S extends { topology: z.infer<typeof Topology>; clients: ClientGroup[]; expect: Expect }>(scenario: S): S {
  const members = (set: string) => scenario.topology.neighbours.filter((n) => n.set === set);
  const isSet = (group: ClientGroup) => group.controlPlane !== undefined && members(group.controlPlane).length > 0;
  if (!scenario.clients.some(isSet)) return scenario;
  const expanded = new Map<string, string[]>();
  const clients = scenario.clients.flatMap((group) => {
    if (!isSet(group)) return [group];
    const copies = members(group.controlPlane!).map((member) => ({
      ...group,
      name: `${group.name}-${member.name.slice(member.set!.length + 1)}`,
      controlPlane: member.name,
    }));
    expanded.set(
      group.name,
      copies.map((c) => c.name),
    );
    return copies;
  });
  const expect = { ...scenario.expect };
  for (const mode of MODE_NAMES) {
    const e = expect[mode];
    if (!e) continue;
    const copy = <V>(record: Record<string, V> | undefined) =>
      record && Object.fromEntries(Object.entries(record).flatMap(([g, v]) => (expanded.get(g) ?? [g]).map((name) => [name, v] as const)));
    expect[mode] = { ...e, ...(e.groups ? { groups: copy(e.groups) } : {}), ...(e.identity ? { identity: copy(e.identity) } : {}) };
  }
  return { ...scenario, clients, expect };
}

/** A neighbour's namespace and public host, with the defaults that follow from its name. */
export function neighbourIdentity(neighbour: Pick<NeighbourControlPlane, 'name' | 'namespace' | 'publicHost'>): { namespace: string; publicHost: string } {
  return {
    namespace: neighbour.namespace ?? `shoot--local--${neighbour.name}`,
    publicHost: neighbour.publicHost ?? `api.${neighbour.name}.local.internal.local.gardener.cloud`,
  };
}
export type ScenarioInput = z.input<typeof Scenario>;
