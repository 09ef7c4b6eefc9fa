// The kind target (docs/kind.md): the same plan on a real cluster with Istio, real kube-apiservers and the deployed
// webhook. `createKindTarget(options)` is the Target (scripts/targets/target.ts) for `--target kind` (a cluster made
// by `npm run cluster:up`) and `--target cluster` (any cluster, through a kubeconfig): check() refuses what a real
// cluster cannot do (check.ts), preflight() what this machine or the cluster lacks (preflight.ts), fits() whether the
// cluster's nodes have room for the scenario's pods (clusterRoom.ts), and start() brings
// one mode's cluster up (kindCluster.ts). It loads no simulator code (the load client runs in the pods).
import type { Scenario } from '../../../scenarios/schema.ts';
import type { ClusterPlan } from '../../cluster/plan.ts';
import type { Target, TargetStartOptions } from '../target.ts';
import { checkScenarioForKind } from './check.ts';
import { scenarioFitProblems } from './clusterRoom.ts';
import { KindCluster } from './kindCluster.ts';
import { resolveKindOptions, type KindTargetOptions } from './options.ts';
import { preflightProblems } from './preflight.ts';
import { execaRunner } from './tools.ts';

export function createKindTarget(options: KindTargetOptions = {}): Target {
  const resolved = resolveKindOptions(options);
  const runner = options.runner ?? execaRunner();
  return {
    name: resolved.target,
    timeScale: resolved.timeScale,
    check: (scenario: Scenario) => checkScenarioForKind(scenario, resolved),
    // A user who may not list nodes or pods (RBAC on a cluster of their own) is not refused: the check is skipped, said.
    fits: (scenario: Scenario) =>
      scenarioFitProblems(runner, resolved, scenario).catch((error: Error) => {
        const why = error.message.replace(/\s*\n\s*/g, ' ').slice(0, 300);
        options.log?.(`cannot read the cluster's room for the run's pods (${why}): the capacity check is skipped`);
        return [];
      }),
    preflight: () => preflightProblems(runner, resolved),
    start: (plan: ClusterPlan, startOptions?: TargetStartOptions) => KindCluster.start(plan, resolved, runner, options.log, startOptions),
  };
}
