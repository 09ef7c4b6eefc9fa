// One validation of scenarios against the options of a run, shared by `npm run scenario`, `npm run gate` and
// `npm run sim`, so that they cannot disagree about what can run (docs/scenarios.md#the-gate): the load phase a
// command line sets (--duration) against the timeline, with the very check the schema makes against the file's own
// duration (scenarios/events.ts validateTimeline: every event before the end of the load phase); the modes asked for
// (--modes, sim's --mode) against the scenario's modes; and the target: what the machine lacks (preflight, once) and
// what the target refuses in each scenario (check). Every problem is a line to print; the commands print them all and
// exit 2 (EXIT_BAD_INPUT) without running anything.
import { formatDurationMs } from '../../scenarios/duration.ts';
import { eventName, validateTimeline } from '../../scenarios/events.ts';
import type { ModeName, Scenario } from '../../scenarios/schema.ts';
import type { Target } from '../targets/target.ts';
import { targetProblems } from './targetOption.ts';

export interface RunOptions {
  /** The load phase per mode, when the command line sets one. */
  durationMs?: number;
  /** The flag that set it, for the message (default --duration). */
  durationFlag?: string;
  /** The modes to run, when the command line chooses them. */
  modes?: readonly ModeName[];
  /** The flag that chose them, for the message (default --modes). */
  modesFlag?: string;
}

export interface PlannedRun {
  scenario: Scenario;
  options: RunOptions;
}

/** The scenario as the run uses it: the command line's load phase in place of the file's. */
export function applyRunOptions(scenario: Scenario, options: RunOptions): Scenario {
  return options.durationMs === undefined ? scenario : { ...scenario, duration: options.durationMs };
}

/** What keeps one scenario from running with these options: one line per problem, each naming the scenario. */
export function optionProblems(scenario: Scenario, options: RunOptions): string[] {
  const problems: string[] = [];
  if (options.durationMs !== undefined) {
    const flag = `${options.durationFlag ?? '--duration'} ${formatDurationMs(options.durationMs)}`;
    const issues = validateTimeline(scenario.events, {
      durationMs: options.durationMs,
      replicas: scenario.topology.controlPlane.replicas,
      gatewayPods: scenario.topology.gateway.pods,
      readinessDelayMs: scenario.topology.controlPlane.readinessDelay,
      groups: scenario.clients.map((g) => ({ name: g.name, profile: g.profile, startStopped: g.startStopped })),
    });
    for (const issue of issues) {
      const index = issue.path[0] as number;
      const event = scenario.events[index]!;
      problems.push(
        `${scenario.name}: ${flag}: events[${index}] (${eventName(event)}): ${issue.message}; give a longer ${options.durationFlag ?? '--duration'}`,
      );
    }
  }
  if (options.modes !== undefined) {
    const foreign = options.modes.filter((m) => !scenario.modes.includes(m));
    if (foreign.length > 0)
      problems.push(`${scenario.name}: ${options.modesFlag ?? '--modes'} ${foreign.join(',')}: not among this scenario's modes (${scenario.modes.join(', ')})`);
  }
  return problems;
}

/**
 * The one validation: every scenario's option problems, then, when a target is given, what keeps the target from
 * running them (scripts/cli/targetOption.ts). Lines to print, the last one saying that nothing was run; none when
 * everything can run.
 */
export async function validateRun(runs: PlannedRun[], target?: Target): Promise<string[]> {
  const problems = runs.flatMap((run) => optionProblems(run.scenario, run.options));
  if (problems.length > 0) return [...problems, `${problems.length} problem(s) with the run's options; nothing was run.`];
  return target
    ? targetProblems(
        target,
        runs.map((run) => applyRunOptions(run.scenario, run.options)),
      )
    : [];
}
