// The dry run of a scenario on the kind target (docs/kind.md#dry-run): for each mode, every CLI call the target would
// make, in order (bring the control plane up, admit and drive the client pods, scrape, apply the timeline's changes,
// tear down), printed, and every rendered manifest written to a folder. It issues real certificates (so the folder's
// manifests validate as they would be applied), touches no cluster and needs no tool.
import fs from 'node:fs';
import path from 'node:path';
import { eventName } from '../../../scenarios/events.ts';
import type { ModeName, Scenario } from '../../../scenarios/schema.ts';
import { scaleScenarioTime } from '../../../scenarios/timeScale.ts';
import type { TopologyChange } from '../../cluster/changes.ts';
import { KUBE_APISERVER_PORT, KUBE_APISERVER_SERVICE_NAME } from '../../cluster/gardener.ts';
import { renderKubeconfig } from '../../cluster/kubeconfig.ts';
import { MODES } from '../../cluster/modes.ts';
import { planCluster, type ClusterPlan } from '../../cluster/plan.ts';
import { Rng } from '../../core/random.ts';
import { checkScenarioForKind } from './check.ts';
import { formatSeconds, timingLines } from '../eventTiming.ts';
import { REAL_CLUSTER_TIMING } from './clusterTiming.ts';
import { prepareDryRunDir, writePlanFiles } from './executor.ts';
import { CONTROL_PATHS, controlPath, podProxyPath } from './loadClient/protocol.ts';
import { renderContexts, type RenderContext } from './manifests/common.ts';
import { GATEWAY_DEPLOYMENT } from './manifests/istio.ts';
import { fleetPodObjects } from './manifests/workloads.ts';
import type { ClusterRecord } from './clusterRecord.ts';
import { DEFAULT_WORKERS, KUBELET_DEFAULT_MAX_PODS, resolveKindOptions, type KindTargetOptions, type ResolvedKindOptions } from './options.ts';
import { formatDemand, formatMemory, kindPodRoom, kindSizing, podDemand } from './podCapacity.ts';
import { changeObjectFile, planChange, planClientPods, planControlPlane, planControlPlaneTeardown, planForKind, planRegistrationRemoval } from './plans.ts';
import { appendPlan, emptyPlan, formatPlan, kubectl, type CommandPlan, type SeedAccess, type Step } from './steps.ts';

export interface KindDryRunInput {
  scenario: Scenario;
  /** Default: the scenario's modes. */
  modes?: ModeName[];
  randomSeed: number;
  options?: KindTargetOptions;
  /** The folder the manifests and plan.txt go to. */
  out: string;
}

export interface KindDryRun {
  /** What check(scenario) reports (the run would be refused if any). */
  problems: string[];
  /** Per mode, the plan (steps in order and rendered files). */
  modes: { mode: ModeName; plan: CommandPlan; clusterPlan: ClusterPlan; ctx: RenderContext }[];
  /** The printed plan (also written to <out>/plan.txt). */
  text: string;
  /** Absolute paths of every file written. */
  files: string[];
}

export async function dryRunKindScenario(input: KindDryRunInput): Promise<KindDryRun> {
  const o = resolveKindOptions(input.options);
  // The scenario as this target runs it: every time `o.timeScale` times longer (docs/kind.md#time-scale).
  const scenario = scaleScenarioTime(input.scenario, o.timeScale);
  const access: SeedAccess = { kubeconfig: o.kubeconfig, context: o.context };
  const root = prepareDryRunDir(input.out);
  const problems = checkScenarioForKind(input.scenario, o);
  const modes: KindDryRun['modes'] = [];
  const sections: string[] = [
    `dry run of scenario ${scenario.name} on the ${o.target} target (seed ${input.randomSeed}); nothing was run`,
    problems.length > 0 ? `check(scenario) refuses it:\n  ${problems.join('\n  ')}` : 'check(scenario): no problems',
    capacityLine(input.scenario, o, input.options?.clusterRecord),
    `time scale ${o.timeScale}: the load phase runs ${formatSeconds(scenario.duration)} (the scenario says ${formatSeconds(input.scenario.duration)}), every event ${o.timeScale} times later` +
      (scenario.events.length > 0 ? `; what each event waits for on a real cluster:\n${timingLines(scenario, REAL_CLUSTER_TIMING).join('\n')}` : ''),
  ];
  for (const mode of input.modes ?? scenario.modes) {
    const { notes, ...dry } = await dryRunMode(scenario, mode, input.randomSeed, o, access);
    modes.push(dry);
    sections.push(`\n## mode ${mode}: ${MODES[mode].summary}\n${formatPlan(dry.plan, root)}${notes.map((n) => `\n  note: ${n}`).join('')}`);
  }
  const files = modes.flatMap((m) => writePlanFiles(m.plan, root));
  const text = `${sections.join('\n')}\n`;
  fs.writeFileSync(path.join(root, 'plan.txt'), text);
  return { problems, modes, text, files: [...files, path.join(root, 'plan.txt')] };
}

/**
 * The room the run needs on the cluster (podCapacity.ts), and on the kind target whether the cluster:up cluster holds
 * it; a run reads the nodes before it starts (clusterRoom.ts), which a dry run cannot.
 */
function capacityLine(scenario: Scenario, o: ResolvedKindOptions, record: ClusterRecord | undefined): string {
  const demand = podDemand(scenario);
  const needs = `cluster capacity: the run needs ${formatDemand(demand)} at its busiest (docs/kind.md#cluster-capacity)`;
  if (o.target !== 'kind') return `${needs}; the run checks the nodes' room before it starts`;
  const workers = record?.workers ?? DEFAULT_WORKERS;
  const maxPods = record?.maxPods ?? KUBELET_DEFAULT_MAX_PODS;
  const room = kindPodRoom(workers, maxPods);
  const cluster = `a kind cluster of ${workers} worker(s) at ${maxPods} pods a node${record ? " (this cluster's record)" : " (cluster:up's default)"} holds about ${room}`;
  const sizing = kindSizing(demand);
  const advice =
    demand.pods <= room
      ? 'enough'
      : sizing.fits
        ? `not enough: create it with npm run cluster:up -- ${sizing.flags}`
        : `not enough for any kind cluster of this tool (${sizing.workers} workers needed): use --target cluster`;
  // Every kind node is a container that reports the whole machine's CPUs and memory as its own.
  return `${needs}; ${cluster}: ${advice}. Each kind node reports this machine's CPUs and memory as its own, so the machine needs the ${formatMemory(demand.memoryMi)} the pods request`;
}

/** A client pod of the initial fleet: its group and its control plane's namespace. */
interface FleetPod {
  name: string;
  group: Scenario['clients'][number];
  namespace: string;
}

/** One mode, in the order the target runs it: bring up, admit, scrape, load, the timeline, results, teardown. */
async function dryRunMode(scenario: Scenario, mode: ModeName, randomSeed: number, o: ResolvedKindOptions, access: SeedAccess) {
  const clusterPlan = planForKind(planCluster(scenario.topology, MODES[mode], randomSeed, { clientGroups: scenario.clients }), o);
  // The control plane under test first (it brings the seed-wide parts), then each neighbour (docs/scenarios.md#shared-gateway).
  const contexts = await renderContexts(clusterPlan, o);
  const plan = emptyPlan();
  for (const c of contexts) appendPlan(plan, bringUp(c, mode, access));
  const fleet = `f0-${mode}`;
  const controlPlaneOf = (group: FleetPod['group']) => contexts.find((c) => c.plan.neighbour?.name === group.controlPlane)!.plan;
  const pods: FleetPod[] = scenario.clients
    .filter((g) => !g.startStopped)
    .flatMap((group) => Array.from({ length: group.count }, (_, i) => ({ name: `${group.name}-${i}`, group, namespace: controlPlaneOf(group).namespace })));
  const rng = new Rng(clusterPlan.randomSeed);
  for (const c of contexts) {
    const objects = fleetPodObjects(
      pods.filter((p) => p.namespace === c.plan.namespace),
      { name: fleet, namespace: c.plan.namespace, genericKubeconfig: c.plan.genericKubeconfig, rng, options: o },
    );
    if (objects.length > 0) appendPlan(plan, planClientPods(access, c.plan.namespace, fleet, objects, o.readyTimeoutMs));
  }
  plan.steps.push(...scrapeSteps(contexts, access), ...loadSteps(scenario, pods, access));
  const notes = appendEventSteps(plan, scenario, contexts[0]!, pods, access);
  for (const p of pods) plan.steps.push(controlCall(access, `read ${p.name}'s results (every second until it reports)`, p, CONTROL_PATHS.result));
  appendPlan(plan, teardown(contexts, pods, fleet, access));
  return { mode, plan, clusterPlan, ctx: contexts[0]!, notes };
}

/** A control plane brought up, with the shoot kubeconfig the target writes once its port-forward is open. */
function bringUp(c: RenderContext, mode: ModeName, access: SeedAccess): CommandPlan {
  const kubeconfigFile = `${c.plan.namespace}/${mode}/shoot-admin.kubeconfig`;
  const plan = withShootKubeconfig(planControlPlane(c, access), kubeconfigFile);
  plan.files.push({
    path: kubeconfigFile,
    mode: 0o600,
    content: renderKubeconfig({
      contextName: 'shoot-admin',
      server: 'https://127.0.0.1:<port of `kubectl port-forward svc/kube-apiserver :443`>',
      tlsServerName: 'kube-apiserver',
      caPem: c.pems.authority('ca'),
      token: c.plan.tokens.shootAdmin,
    }),
  });
  return plan;
}

/** A control call to a load client through the seed API server's pod proxy. */
function controlCall(access: SeedAccess, title: string, pod: { name: string; namespace: string }, pathWithQuery: string): Step {
  return kubectl(access, title, ['get', '--raw', podProxyPath(pod.namespace, pod.name, pathWithQuery)]);
}

function scrapeSteps(contexts: RenderContext[], access: SeedAccess): Step[] {
  return contexts.flatMap((c) =>
    c.plan.replicas.map((replica) =>
      kubectl(
        access,
        `port-forward to ${c.plan.neighbour ? `${c.plan.neighbour.name}/` : ''}${replica.name}'s pod, then GET https://127.0.0.1:<port>/metrics (every second during the load)`,
        ['port-forward', '-n', c.plan.namespace, `pod/<pod of ${replica.name}>`, `:${KUBE_APISERVER_PORT}`],
      ),
    ),
  );
}

/** Warm-up, then one shared start of the load phase with the (time-scaled) duration and each pod's share of the budget. */
function loadSteps(scenario: Scenario, pods: FleetPod[], access: SeedAccess): Step[] {
  const perPod = Math.max(1, Math.floor(scenario.maxRequests / Math.max(1, pods.length)));
  return [
    ...pods.map((p) => controlCall(access, `warm up ${p.name}`, p, controlPath(CONTROL_PATHS.prepare, { retryForMs: 90_000 }))),
    ...pods.map((p) =>
      controlCall(
        access,
        `start ${p.name}'s load phase`,
        p,
        `${controlPath(CONTROL_PATHS.run, { durationMs: scenario.duration, maxRequests: perPod })}&epochUnixMs=<now + lead>`,
      ),
    ),
  ];
}

/** The timeline's kubectl calls and control calls at their (time-scaled) times; notes for events with no real equivalent. */
function appendEventSteps(plan: CommandPlan, scenario: Scenario, ctx: RenderContext, pods: FleetPod[], access: SeedAccess): string[] {
  const notes: string[] = [];
  const { plan: clusterPlan } = ctx;
  for (const [index, event] of scenario.events.entries()) {
    const when = `at ${formatSeconds(event.at)}, event ${index} (${eventName(event)})`;
    for (const change of changesOf(event, clusterPlan)) {
      try {
        const changePlan = planChange(change, {
          access,
          namespace: clusterPlan.namespace,
          istioNamespace: clusterPlan.istioNamespace,
          pod: `<pod of ${'replica' in change ? change.replica : 'pod' in change ? change.pod : 'the new pod'}>`,
          count: clusterPlan.replicas.length,
          objectFile: changeObjectFile(change, ctx, `${clusterPlan.namespace}/${clusterPlan.mode.name}/changes`, clusterPlan.neighbours),
          webhookReplicas: 2,
        });
        for (const step of changePlan.steps) step.title = `${when}: ${step.title}`;
        appendPlan(plan, changePlan);
      } catch (error) {
        notes.push(`event ${index} (${eventName(event)}) has no real equivalent: ${(error as Error).message}`);
      }
    }
    if (event.type === 'set-clients' || event.type === 'stop-clients')
      for (const p of pods.filter((x) => x.group.name === event.group))
        plan.steps.push(
          controlCall(
            access,
            `${when}: ${event.type === 'set-clients' ? 'reconfigure' : 'stop'} ${p.name}`,
            p,
            event.type === 'set-clients' ? controlPath(CONTROL_PATHS.set, { rate: event.rate, qps: event.qps, burst: event.burst }) : CONTROL_PATHS.stop,
          ),
        );
  }
  return notes;
}

/**
 * What close() runs (docs/kind.md#ctrl-c): the webhook registration removed first, then the fleet's pods deleted,
 * then each neighbour's control plane, then the one under test's.
 */
function teardown(contexts: RenderContext[], pods: FleetPod[], fleet: string, access: SeedAccess): CommandPlan {
  const plan: CommandPlan = { steps: [planRegistrationRemoval(access)], files: [] };
  for (const c of contexts) {
    const names = pods.filter((p) => p.namespace === c.plan.namespace).map((p) => p.name);
    if (names.length > 0)
      plan.steps.push(
        kubectl(access, `delete fleet ${fleet}'s pods in ${c.plan.namespace}`, [
          'delete',
          'pod',
          ...names,
          '-n',
          c.plan.namespace,
          '--wait=false',
          '--ignore-not-found',
        ]),
      );
  }
  for (const c of [...contexts.slice(1), contexts[0]!])
    appendPlan(plan, planControlPlaneTeardown(access, c.plan.namespace, c.plan.istioNamespace, false, false));
  return plan;
}

/** A control plane's plan with its shoot kubeconfig named: the file the target writes once its port-forward is open. */
function withShootKubeconfig(plan: CommandPlan, file: string): CommandPlan {
  return {
    ...plan,
    steps: plan.steps.map((step) => ({ ...step, args: step.args.map((a) => (typeof a === 'object' && 'runtime' in a ? { file } : a)) })),
  };
}

/** The topology changes an event makes (the runner's timeline does the same through members(); here by plan). */
function changesOf(event: Scenario['events'][number], plan: ClusterPlan): TopologyChange[] {
  const replica = (i: number) => `${KUBE_APISERVER_SERVICE_NAME}-${i}`;
  switch (event.type) {
    case 'scale-apiservers': {
      const n = plan.replicas.length;
      if (event.replicas > n) return Array.from({ length: event.replicas - n }, () => ({ type: 'add-apiserver' }) as const);
      return Array.from({ length: n - event.replicas }, (_, i) => ({ type: 'remove-apiserver', replica: replica(n - 1 - i) }) as const);
    }
    case 'kill-apiserver':
      return [
        { type: 'stop-apiserver', replica: replica(event.replica), mode: 'kill' },
        { type: 'start-apiserver', replica: replica(event.replica) },
      ];
    case 'restart-apiserver':
      return [{ type: 'restart-apiserver', replica: replica(event.replica), mode: 'graceful' }];
    case 'rolling-restart':
      return plan.replicas.map((r) => ({ type: 'restart-apiserver', replica: r.name, mode: 'graceful' }) as const);
    case 'scale-gateways':
      return Array.from({ length: Math.max(0, event.pods - plan.topology.gateway.pods) }, () => ({ type: 'add-gateway' }) as const);
    case 'kill-gateway':
      return [{ type: 'remove-gateway', pod: `${GATEWAY_DEPLOYMENT}-${event.pod}` }, { type: 'add-gateway' }];
    case 'stop-webhook':
    case 'start-webhook':
      return [{ type: event.type }];
    case 'delete-object':
      return [{ type: 'delete-seed-object', object: event.object }];
    case 'create-object':
      return [{ type: 'recreate-seed-object', object: event.object }];
    case 'set-kubeconfig-server':
      return [{ type: 'set-kubeconfig-server', address: event.address }];
    case 'set-namespace-alias':
      return [{ type: 'set-namespace-alias', alias: event.alias }];
    default:
      return [];
  }
}
