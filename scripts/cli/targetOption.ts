// `--target local|kind|cluster` and its companions, shared by `scenario` and `gate` (docs/kind.md#running-scenarios):
// where a scenario runs. local (the default) is the simulator; kind a cluster made by `npm run cluster:up`; cluster
// any cluster with Istio, through --kubeconfig.
import { Option, type Command } from 'commander';
import type { Scenario } from '../../scenarios/schema.ts';
import { addKindFlags, KIND_FLAG_KEYS, kindFlagOptions, type KindFlags } from '../targets/kind/cliFlags.ts';
import type { Target, TargetName } from '../targets/target.ts';
import { UsageError } from './runCommand.ts';

export const TARGET_NAMES: readonly TargetName[] = ['local', 'kind', 'cluster', 'binary'];

export interface TargetFlags extends KindFlags {
  target: TargetName;
  kubeconfig?: string;
  context?: string;
  clusterName?: string;
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
    .option('--cluster-name <name>', 'kind cluster name (default apiserver-lb)');
  addKindFlags(command);
  // The kind and cluster targets' own flags mean nothing to the simulator: say so rather than ignore them.
  return command.hook('preAction', (_command, action) => {
    const opts = action.opts() as TargetFlags;
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
    const { localTarget } = await import('../targets/local/localTarget.ts');
    return localTarget;
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
 * reachable cluster) and each scenario (check: what the target cannot do). Each problem as a line to print, the last
 * one saying that nothing was run; none when it can run. The caller exits with EXIT_BAD_INPUT on any.
 */
export async function targetProblems(target: Target, scenarios: Scenario[]): Promise<string[]> {
  const missing = await target.preflight();
  if (missing.length > 0) return [...missing, `the ${target.name} target cannot run on this machine yet; nothing was run.`];
  const refusals = scenarios.flatMap((scenario) => target.check(scenario).map((reason) => `${scenario.name}: ${reason}`));
  if (refusals.length > 0)
    return [...refusals, `the ${target.name} target cannot run ${scenarios.length === 1 ? 'this scenario' : 'these scenarios'}; nothing was run.`];
  return [];
}
