// The dry run of a scenario on the kind target (docs/kind.md#dry-run): for each mode, every CLI call the target would
// make, in order (bring the control plane up, admit and drive the client pods, scrape, apply the timeline's changes,
// tear down), printed, and every rendered manifest written to a folder. It issues real certificates (so the folder's
// manifests validate as they would be applied), touches no cluster and needs no tool.
import fs from 'node:fs';
import path from 'node:path';
import { eventName } from '../../../scenarios/events.ts';
import type { ModeName, Scenario } from '../../../scenarios/schema.ts';
import type { TopologyChange } from '../../cluster/changes.ts';
import { KUBE_APISERVER_PORT, KUBE_APISERVER_SERVICE_NAME } from '../../cluster/gardener.ts';
import { renderKubeconfig } from '../../cluster/kubeconfig.ts';
import { MODES } from '../../cluster/modes.ts';
import { planCluster, type ClusterPlan } from '../../cluster/plan.ts';
import { Rng } from '../../cluster/random.ts';
import { checkScenarioForKind } from './check.ts';
import { prepareDryRunDir, writePlanFiles } from './executor.ts';
import { CONTROL_PATHS, controlPath, podProxyPath } from './loadClient/protocol.ts';
import { renderContexts, type RenderContext } from './manifests/common.ts';
import { GATEWAY_DEPLOYMENT } from './manifests/istio.ts';
import { fleetPodObjects } from './manifests/workloads.ts';
import { resolveKindOptions, type KindTargetOptions } from './options.ts';
import { changeObjectFile, planChange, planClientPods, planControlPlane, planControlPlaneTeardown, planForKind } from './plans.ts';
import { appendPlan, emptyPlan, formatPlan, kubectl, type CommandPlan, type SeedAccess } from './steps.ts';

export interface KindDryRunInput {
  scenario: Scenario;
  /** Default: the scenario's modes. */
  modes?: ModeName[];
  seed: number;
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
  const access: SeedAccess = { kubeconfig: o.kubeconfig, context: o.context };
  const root = prepareDryRunDir(input.out);
  const problems = checkScenarioForKind(input.scenario, o);
  const modes: KindDryRun['modes'] = [];
  const sections: string[] = [
    `dry run of scenario ${input.scenario.name} on the ${o.target} target (seed ${input.seed}); nothing was run`,
    problems.length > 0 ? `check(scenario) refuses it:\n  ${problems.join('\n  ')}` : 'check(scenario): no problems',
  ];
  for (const mode of input.modes ?? input.scenario.modes) {
    const clusterPlan = planForKind(planCluster(input.scenario.topology, MODES[mode], input.seed, { clientGroups: input.scenario.clients }), o);
    // The control plane under test first (it brings the seed-wide parts), then each neighbour (docs/scenarios.md#shared-gateway).
    const contexts = await renderContexts(clusterPlan, o);
    const ctx = contexts[0]!;
    const ns = clusterPlan.namespace;
    const plan = emptyPlan();
    for (const c of contexts) {
      // The shoot kubeconfig the target writes once its port-forward is open (the port is chosen then).
      const kubeconfigFile = `${c.plan.namespace}/${mode}/shoot-admin.kubeconfig`;
      appendPlan(plan, withShootKubeconfig(planControlPlane(c, access), kubeconfigFile));
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
    }
    const notes: string[] = [];
    const rng = new Rng(clusterPlan.randomSeed);
    const fleet = `f0-${mode}`;
    const controlPlaneOf = (group: Scenario['clients'][number]) => contexts.find((c) => c.plan.neighbour?.name === group.controlPlane)!.plan;
    const pods = input.scenario.clients
      .filter((g) => !g.startStopped)
      .flatMap((group) => Array.from({ length: group.count }, (_, i) => ({ name: `${group.name}-${i}`, group, namespace: controlPlaneOf(group).namespace })));
    for (const c of contexts) {
      const objects = fleetPodObjects(
        pods.filter((p) => p.namespace === c.plan.namespace),
        { name: fleet, namespace: c.plan.namespace, genericKubeconfig: c.plan.genericKubeconfig, rng, options: o },
      );
      if (objects.length > 0) appendPlan(plan, planClientPods(access, c.plan.namespace, fleet, objects, o.readyTimeoutMs));
    }
    const raw = (title: string, pod: { name: string; namespace: string }, pathWithQuery: string) =>
      kubectl(access, title, ['get', '--raw', podProxyPath(pod.namespace, pod.name, pathWithQuery)]);
    for (const c of contexts)
      for (const replica of c.plan.replicas)
        plan.steps.push(
          kubectl(
            access,
            `port-forward to ${c.plan.neighbour ? `${c.plan.neighbour.name}/` : ''}${replica.name}'s pod, then GET https://127.0.0.1:<port>/metrics (every second during the load)`,
            ['port-forward', '-n', c.plan.namespace, `pod/<pod of ${replica.name}>`, `:${KUBE_APISERVER_PORT}`],
          ),
        );
    for (const p of pods) plan.steps.push(raw(`warm up ${p.name}`, p, controlPath(CONTROL_PATHS.prepare, { retryForMs: 90_000 })));
    const perPod = Math.max(1, Math.floor(input.scenario.maxRequests / Math.max(1, pods.length)));
    for (const p of pods)
      plan.steps.push(
        raw(
          `start ${p.name}'s load phase`,
          p,
          `${controlPath(CONTROL_PATHS.run, { durationMs: input.scenario.duration, maxRequests: perPod })}&epochUnixMs=<now + lead>`,
        ),
      );
    for (const [index, event] of input.scenario.events.entries()) {
      for (const change of changesOf(event, clusterPlan)) {
        try {
          const objectFile = changeObjectFile(change, ctx, `${ns}/${mode}/changes`);
          const changePlan = planChange(change, {
            access,
            namespace: ns,
            istioNamespace: clusterPlan.istioNamespace,
            pod: `<pod of ${'replica' in change ? change.replica : 'pod' in change ? change.pod : 'the new pod'}>`,
            count: clusterPlan.replicas.length,
            objectFile,
            webhookReplicas: 2,
          });
          for (const step of changePlan.steps) step.title = `at ${event.at} ms, event ${index} (${eventName(event)}): ${step.title}`;
          appendPlan(plan, changePlan);
        } catch (error) {
          notes.push(`event ${index} (${eventName(event)}) has no real equivalent: ${(error as Error).message}`);
        }
      }
      if (event.type === 'set-clients' || event.type === 'stop-clients')
        for (const p of pods.filter((x) => x.group.name === event.group))
          plan.steps.push(
            raw(
              `at ${event.at} ms, event ${index} (${eventName(event)}): ${event.type === 'set-clients' ? 'reconfigure' : 'stop'} ${p.name}`,
              p,
              event.type === 'set-clients' ? controlPath(CONTROL_PATHS.set, { rate: event.rate, qps: event.qps, burst: event.burst }) : CONTROL_PATHS.stop,
            ),
          );
    }
    for (const p of pods) plan.steps.push(raw(`read ${p.name}'s results (every second until it reports)`, p, CONTROL_PATHS.result));
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
    for (const c of [...contexts.slice(1), ctx])
      appendPlan(plan, planControlPlaneTeardown(access, c.plan.namespace, c.plan.istioNamespace, false, c.plan.neighbour ? 'neighbour' : 'under-test'));
    modes.push({ mode, plan, clusterPlan, ctx });
    sections.push(`\n## mode ${mode}: ${MODES[mode].summary}\n${formatPlan(plan, root)}${notes.map((n) => `\n  note: ${n}`).join('')}`);
  }
  const files = modes.flatMap((m) => writePlanFiles(m.plan, root));
  const text = `${sections.join('\n')}\n`;
  fs.writeFileSync(path.join(root, 'plan.txt'), text);
  return { problems, modes, text, files: [...files, path.join(root, 'plan.txt')] };
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
