// A calibration of one scenario: its run on the simulator (`local`) and on the real components (`binary`), mode by
// mode, turned into rows (./calibrationRow.ts) by the balance, counting, latency and timeline rules; and the file
// results/calibration-<time>.json that holds every scenario's rows (docs/fidelity.md).
import type { Scenario } from '../../scenarios/schema.ts';
import type { ModeResult, ScenarioResults } from '../runner/results.ts';
import { balanceRows } from './balanceRows.ts';
import { inconclusiveWhenLimited, LEVEL, outsideRows, type CalibrationRow } from './calibrationRow.ts';
import { connectionRows, failureRows, tooManyRequestsRows } from './countRows.ts';
import { eventRows } from './eventRows.ts';
import { latencyRows } from './latencyRows.ts';

export const CALIBRATION_SCHEMA_VERSION = 1;

export interface CalibratedScenario {
  scenario: string;
  timeScale: number;
  /** The results files of both runs (each also has its own HTML report next to it). */
  files: { local?: string; binary?: string };
  seeds: { local: number; binary: number };
  modes: string[];
  /**
   * Real components the simulator's run had swapped in (its results' parameters.components, `--components
   * gateway=envoy`): `{ gateway: 'envoy 1.37.0' }`; absent when everything was simulated.
   */
  simulatorComponents?: Record<string, string>;
}

export interface CalibrationFile {
  schemaVersion: typeof CALIBRATION_SCHEMA_VERSION;
  kind: 'calibration';
  startedAt: string;
  finishedAt: string;
  level: number;
  machine: ScenarioResults['machine'] & { loadAverage?: number[] };
  versions: Record<string, string>;
  scenarios: CalibratedScenario[];
  rows: CalibrationRow[];
  summary: { within: number; outside: number; inconclusive: number; notMeasured: number; info: number; outsideRows: string[] };
}

/** Every row of one scenario, mode by mode, for the modes both runs have. */
export function calibrateScenario(scenario: Scenario, simulated: ScenarioResults, real: ScenarioResults): CalibrationRow[] {
  const rows: CalibrationRow[] = [];
  for (const sim of simulated.modes) {
    const act = real.modes.find((m) => m.mode === sim.mode);
    if (!act) continue;
    const modeRows = [
      ...balanceRows(scenario, sim, act),
      ...tooManyRequestsRows(scenario, sim, act),
      ...failureRows(scenario, sim, act),
      ...connectionRows(scenario, sim, act),
      ...eventRows(scenario.name, sim, act),
    ];
    rows.push(...modeRows.map((row) => inconclusiveWhenLimited(row, limitedBy(sim))));
  }
  const direct = simulated.modes.find((m) => m.mode === 'direct');
  for (const row of latencyRows(scenario.name, simulated.modes, real.modes)) {
    const mode = simulated.modes.find((m) => m.mode === row.mode);
    rows.push(inconclusiveWhenLimited(row, (mode && limitedBy(mode)) ?? (direct && limitedBy(direct))));
  }
  return rows;
}

/** Why the simulator's own run of a mode may not show the model: its self-check's first warning, if any. */
function limitedBy(mode: ModeResult): string | undefined {
  if (mode.selfCheck.clean) return undefined;
  return `the simulator's self-check flagged the ${mode.mode} mode (${mode.selfCheck.warnings[0] ?? 'not clean'})`;
}

export function summarize(rows: readonly CalibrationRow[]): CalibrationFile['summary'] {
  const count = (status: CalibrationRow['status']) => rows.filter((r) => r.status === status).length;
  return {
    within: count('within'),
    outside: count('outside'),
    inconclusive: count('inconclusive'),
    notMeasured: count('not-measured'),
    info: count('info'),
    outsideRows: outsideRows(rows),
  };
}

export { LEVEL };

/** A run's swapped-in real components as words: `{ gateway: 'envoy 1.37.0' }` → `gateway envoy 1.37.0`. */
export function swapsText(components: Record<string, string>): string {
  return Object.entries(components)
    .map(([component, real]) => `${component} ${real}`)
    .join(', ');
}
