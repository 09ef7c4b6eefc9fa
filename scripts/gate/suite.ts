// Which scenarios `npm run gate` runs, and how (docs/scenarios.md#the-gate): the named ones, or every scenario in
// scenarios/ whose `gate.include` is true (the default); each with its `gate.duration` as the load phase when it
// gives one (a shorter run where the statistics allow). All files are loaded and checked before anything runs, so one
// bad file or a --duration that cuts off an event stops the gate with every problem listed (exit 2) instead of failing
// half-way.
import { listScenarioNames, loadScenarioFile, ScenarioError, type LoadedScenario } from '../../scenarios/loader.ts';
import type { Scenario } from '../../scenarios/schema.ts';
import { optionProblems } from '../cli/validateRun.ts';

export interface GateEntry {
  name: string;
  file: string;
  scenario: Scenario;
  /** The load phase the gate uses (ms), and whether it is shorter than the file's. */
  durationMs: number;
  shortened: boolean;
}

export interface GateSelection {
  entries: GateEntry[];
  /** Scenarios left out of the default suite (gate.include: false). */
  excluded: string[];
  problems: string[];
}

export function selectGateSuite(names: string[], options: { durationMs?: number } = {}): GateSelection {
  const explicit = names.length > 0;
  const selection: GateSelection = { entries: [], excluded: [], problems: [] };
  for (const name of explicit ? names : listScenarioNames()) {
    let loaded: LoadedScenario;
    try {
      loaded = loadScenarioFile(name);
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      selection.problems.push(error.message);
      continue;
    }
    const { scenario } = loaded;
    if (!explicit && !scenario.gate.include) {
      selection.excluded.push(scenario.name);
      continue;
    }
    const durationMs = options.durationMs ?? scenario.gate.duration ?? scenario.duration;
    // The schema checks the events against gate.duration; a --duration given on the command line is checked here,
    // by the validation `npm run scenario` and `npm run sim` use too.
    const late = optionProblems(scenario, { durationMs: options.durationMs });
    if (late.length > 0) {
      selection.problems.push(...late);
      continue;
    }
    selection.entries.push({
      name: scenario.name,
      file: loaded.file,
      scenario: { ...scenario, duration: durationMs },
      durationMs,
      shortened: durationMs < scenario.duration,
    });
  }
  return selection;
}
