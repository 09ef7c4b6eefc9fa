// The binary target (docs/binary-target.md): every scenario on the real upstream components as processes on this
// machine, no containers: the seed's and the shoot's real etcd and kube-apiservers, the real kube-proxy in iptables
// mode in a network namespace that plays the node, real Envoy as the gateway pods, our webhook called by the seed's
// real admission plugin, and the Go client-go load client in a namespace per pod.
import { BINARY_NAMES, type BinaryName } from '../../binaries/components.ts';
import { locateBinary, missingBinaryMessage } from '../../binaries/locate.ts';
import { eventName } from '../../../scenarios/events.ts';
import type { Scenario } from '../../../scenarios/schema.ts';
import { findTool, missingToolMessage } from '../../tools/externalTools.ts';
import type { Target } from '../target.ts';
import { BinaryCluster } from './binaryCluster.ts';
import { UNSUPPORTED_CHANGES } from './binaryChanges.ts';
import { BINARY_TIMING, chooseTimeScale, MAX_BINARY_TIME_SCALE } from './binaryTiming.ts';
import { inotifyInstanceLimit, inotifyProblem } from './inotifyBudget.ts';
import { repositoryAccessProblem } from './repositoryAccess.ts';
import { timingProblems } from '../eventTiming.ts';
import { scaleScenarioTime } from '../../../scenarios/timeScale.ts';
import { networkProblems } from './network/hostTools.ts';
import { choiceCountProblem } from '../kind/manifests/istio.ts';

/**
 * What the binary target cannot run, one line each (empty: it can). `timeScale`: the one --time-scale chose, whose
 * timeline the real components must keep; absent, the target chooses one (chooseTimeScale) and only a timeline no
 * scale keeps is refused.
 */
export function binaryCheck(scenario: Scenario, timeScale?: number, inotifyLimit = inotifyInstanceLimit()): string[] {
  const problems: string[] = [];
  const inotify = inotifyProblem(scenario, inotifyLimit);
  if (inotify) problems.push(inotify);
  if (timeScale !== undefined) problems.push(...timingProblems(scaleScenarioTime(scenario, timeScale), timeScale, BINARY_TIMING));
  else if (chooseTimeScale(scenario) === undefined)
    problems.push(
      `its timeline cannot be kept on this machine's real components even at time scale ${MAX_BINARY_TIME_SCALE}: ${timingProblems(scaleScenarioTime(scenario, MAX_BINARY_TIME_SCALE), MAX_BINARY_TIME_SCALE, BINARY_TIMING)[0]}`,
    );
  const choiceCount = choiceCountProblem(scenario.topology.gateway);
  if (choiceCount) problems.push(choiceCount);
  scenario.events.forEach((event, index) => {
    if (event.type === 'set-namespace-alias') problems.push(`events[${index}] (${eventName(event)}): ${UNSUPPORTED_CHANGES['set-namespace-alias']}`);
  });
  return problems;
}

/** What this machine lacks for the binary target, each line saying what to do. */
export function binaryPreflight(): string[] {
  const problems = networkProblems();
  const access = repositoryAccessProblem();
  if (access) problems.push(access);
  const missing = BINARY_NAMES.filter((name: BinaryName) => !locateBinary(name));
  if (missing.length > 0) problems.push(`${missingBinaryMessage(missing[0]!)}${missing.length > 1 ? ` (also missing: ${missing.slice(1).join(', ')})` : ''}`);
  if (!findTool('kubectl')) problems.push(missingToolMessage('kubectl'));
  return problems;
}

export function createBinaryTarget(options: { log?: (line: string) => void; timeScale?: number } = {}): Target {
  return {
    name: 'binary',
    timeScale: options.timeScale ?? 1,
    // Without --time-scale, each scenario at the smallest scale the real components keep (announced in the log and
    // recorded as parameters.timeScale, never silent).
    ...(options.timeScale === undefined
      ? {
          timeScaleFor: (scenario: Scenario) => {
            const scale = chooseTimeScale(scenario) ?? MAX_BINARY_TIME_SCALE;
            if (scale !== 1)
              options.log?.(
                `time scale ${scale}: the smallest at which this machine's real components keep ${scenario.name}'s timeline (--time-scale to choose)`,
              );
            return scale;
          },
        }
      : {}),
    check: (scenario) => binaryCheck(scenario, options.timeScale),
    preflight: async () => binaryPreflight(),
    start: (plan) => BinaryCluster.start(plan, options.log),
  };
}
