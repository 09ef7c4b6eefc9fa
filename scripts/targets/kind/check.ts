// What stops a scenario from running on a real cluster, found before anything starts (Target.check,
// docs/kind.md#what-the-kind-target-refuses): settings the real systems do not have, events with no real equivalent,
// kube-apiserver flags the chosen version lacks, and a timeline a real cluster cannot keep at the target's time scale
// (clusterTiming.ts).
import { eventName } from '../../../scenarios/events.ts';
import type { Scenario } from '../../../scenarios/schema.ts';
import { scaleScenarioTime } from '../../../scenarios/timeScale.ts';
import { MODES } from '../../cluster/modes.ts';
import { planCluster } from '../../cluster/plan.ts';
import { timingProblems } from '../eventTiming.ts';
import { REAL_CLUSTER_TIMING } from './clusterTiming.ts';
import { unknownKubeApiserverFlags } from './kubeApiserverFlags.ts';
import { kubeApiserverFlags } from './manifests/controlPlane.ts';
import { choiceCountProblem } from './manifests/istio.ts';
import type { ResolvedKindOptions } from './options.ts';
import { kubeMinorOf } from './versions.ts';

export function checkScenarioForKind(scenario: Scenario, o: ResolvedKindOptions): string[] {
  const problems: string[] = [];
  const topology = scenario.topology;
  const minor = kubeMinorOf(o.kubeApiserverVersion);
  if (!minor) problems.push(`kube-apiserver ${o.kubeApiserverVersion}: no flag list for this version (supported: 1.33 to 1.36)`);
  else {
    for (const mode of scenario.modes) {
      const plan = planCluster(topology, MODES[mode], 1, { clientGroups: scenario.clients });
      for (const p of [plan, ...plan.neighbours])
        for (const problem of unknownKubeApiserverFlags(minor, kubeApiserverFlags(p)))
          problems.push(`mode ${mode}${p.neighbour ? ` (neighbour ${p.neighbour.name})` : ''}: ${problem}`);
    }
  }
  if (o.kubeProxyMode && topology.kubeProxy.mode !== o.kubeProxyMode)
    problems.push(
      `topology.kubeProxy.mode is ${topology.kubeProxy.mode}, but the cluster's kube-proxy runs in ${o.kubeProxyMode} mode (kind: recreate it with cluster:up --kube-proxy-mode ${topology.kubeProxy.mode})`,
    );
  const choiceCount = choiceCountProblem(topology.gateway);
  if (choiceCount) problems.push(choiceCount);
  scenario.events.forEach((event, index) => {
    const where = `events[${index}] (${eventName(event)})`;
    if (event.type === 'kill-apiserver' && event.downFor > 0)
      problems.push(
        `${where}: downFor ${event.downFor} ms cannot be honoured: the kube-apiserver Deployment replaces a deleted pod at once (use downFor: 0, or run it on the local target)`,
      );
  });
  problems.push(...timingProblems(scaleScenarioTime(scenario, o.timeScale), o.timeScale, REAL_CLUSTER_TIMING));
  return problems;
}
