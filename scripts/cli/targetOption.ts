// `--target local|kind|cluster` and its companions, shared by `scenario` and `gate` (docs/kind.md#running-scenarios):
// where a scenario runs. local (the default) is the simulator; kind a cluster made by `npm run cluster:up`; cluster
// any cluster with Istio, through --kubeconfig.
import { Option, type Command } from 'commander';
import type { Scenario } from '../../scenarios/schema.ts';
import { addKindFlags, KIND_FLAG_KEYS, kindFlagOptions, type KindFlags } from '../targets/kind/cliFlags.ts';
import type { Target, TargetName } from '../targets/target.ts';
import type { ComponentSwaps } from '../targets/local/componentSwaps.ts';
import { COMPONENTS_FLAG_HELP, parseComponents } from './componentsOption.ts';
import { UsageError } from './runCommand.ts';

export const TARGET_NAMES: readonly TargetName[] = ['local', 'kind', 'cluster', 'binary'];

export interface TargetFlags extends KindFlags {
  target: TargetName;
  kubeconfig?: string;
  context?: string;
  clusterName?: string;
  /** --components: simulated components replaced by real ones (local target only). */
  components?: ComponentSwaps;
}

/** The kind target's options for the flags (images, versions, time scale, ...: scripts/targets/kind/cliFlags.ts). */
export function kindTargetOptions(flags: TargetFlags, log?: (line: string) => void) {
  const target = flags.target === 'cluster' ? ('cluster' as const) : ('kind' as const);
  return {
    ...kindFlagOptions({ ...flags, target }),
    target,
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    clusterName: flags.clusterName,
    log,
  };
}

export function addTargetOptions(command: Command): Command {
  command
    .addOption(
      new Option(
        '--target <name>',
        'where to run: local (the simulator), binary (the real components as processes: npm run binaries), kind (npm run cluster:up), cluster (any cluster)',
      )
        .choices(TARGET_NAMES)
        .default('local'),
    )
    .option('--kubeconfig <file>', "kubeconfig of the cluster (targets kind and cluster; default kubectl's own)")
    .option('--context <name>', 'kubeconfig context (default: kind-<cluster name> for kind, the current one for cluster)')
    .option('--cluster-name <name>', 'kind cluster name (default apiserver-lb)')
    .addOption(new Option('--components <list>', COMPONENTS_FLAG_HELP).argParser(parseComponents));
  addKindFlags(command);
  // The kind and cluster targets' own flags mean nothing to the simulator: say so rather than ignore them.
  return command.hook('preAction', (_command, action) => {
    const opts = action.opts() as TargetFlags;
    if (opts.components !== undefined && opts.target !== 'local')
      throw new UsageError(`--components is for --target local (the simulator with one real component); the ${opts.target} target runs its own components`);
    // --time-scale also applies to the binary target (real replicas take seconds to start and stop).
    const given = KIND_FLAG_KEYS.filter((key) => opts[key] !== undefined && !(key === 'timeScale' && opts.target === 'binary'));
    if ((opts.target === 'local' || opts.target === 'binary') && given.length > 0)
      throw new UsageError(
        `--${given[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is for --target kind or cluster (not for the ${opts.target} target)`,
      );
  });
}

/** The Target for the flags; the kind target's code is loaded only when it is asked for. */
export async function resolveTarget(flags: TargetFlags, log?: (line: string) => void): Promise<Target> {
  if (flags.target === 'local') {
    const { createLocalTarget } = await import('../targets/local/localTarget.ts');
    return createLocalTarget({ components: flags.components });
  }
  if (flags.target === 'binary') {
    const { createBinaryTarget } = await import('../targets/binary/binaryTarget.ts');
    return createBinaryTarget({ log, timeScale: flags.timeScale });
  }
  const { createKindTarget } = await import('../targets/kind/kindTarget.ts');
  return createKindTarget(kindTargetOptions(flags, log));
}

/**
 * What keeps `target` from running these scenarios, before anything starts: the machine (preflight: tools, a
 * reachable cluster) and each scenario (check: what the target cannot do; fits: room on the cluster's nodes). Each problem as a line to print, the last
 * one saying that nothing was run; none when it can run. The caller exits with EXIT_BAD_INPUT on any.
 */
export async function targetProblems(target: Target, scenarios: Scenario[]): Promise<string[]> {
  const missing = await target.preflight();
  if (missing.length > 0) return [...missing, `the ${target.name} target cannot run on this machine yet; nothing was run.`];
  const refusals = (await Promise.all(scenarios.map((scenario) => scenarioProblems(target, scenario)))).flatMap((problems, i) =>
    problems.map((reason) => `${scenarios[i]!.name}: ${reason}`),
  );
  if (refusals.length > 0)
    return [...refusals, `the ${target.name} target cannot run ${scenarios.length === 1 ? 'this scenario' : 'these scenarios'}; nothing was run.`];
  return [];
}

/** What keeps `target` from running one scenario, once its preflight passed: check(), then the cluster's room (fits()). */
export async function scenarioProblems(target: Target, scenario: Scenario): Promise<string[]> {
  const refused = target.check(scenario);
  if (refused.length > 0 || !target.fits) return refused;
  return target.fits(scenario);
}
