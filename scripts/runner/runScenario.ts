// Runs every mode of a scenario, one fresh cluster per mode on the given target, and assembles the versioned results.
import os from 'node:os';
import { freshSeed } from '../core/random.ts';
import type { ModeName, Scenario } from '../../scenarios/schema.ts';
import { scaleScenarioTime } from '../../scenarios/timeScale.ts';
import type { Target } from '../targets/target.ts';
import { evaluateChecks } from './checks.ts';
import { RESULTS_SCHEMA_VERSION, type ModeResult, type ScenarioResults } from './results.ts';
import { runMode, type RunModeOptions } from './runMode.ts';

export interface RunScenarioOptions {
  scenario: Scenario;
  file: string;
  modes?: ModeName[];
  /** The run's random seed (default: the scenario file's `seed`, else a fresh one); the results record it as `seed`. */
  randomSeed?: number;
  onProgress?: (message: string) => void;
  /** Once per second of each mode's load phase, for live displays. */
  onSample?: RunModeOptions['onSample'];
  onModeDone?: (result: ModeResult) => void;
  onEvent?: (component: string, event: string, data: unknown) => void;
  target: Target;
  registerCleanup?: RunModeOptions['registerCleanup'];
  toolVersion?: string;
  /** What the command line changed against the scenario file (recorded in the results). */
  parameters?: Record<string, unknown>;
}

export async function runScenario(options: RunScenarioOptions): Promise<ScenarioResults> {
  // A slower target runs every time of the scenario longer (Target.timeScale, docs/scenarios.md#time-scale).
  const timeScale = options.target.timeScaleFor?.(options.scenario) ?? options.target.timeScale ?? 1;
  const scenario = scaleScenarioTime(options.scenario, timeScale);
  const randomSeed = options.randomSeed ?? scenario.seed ?? freshSeed();
  const modes = options.modes ?? scenario.modes;
  const startedAt = new Date();
  const started = performance.now();
  const results: ModeResult[] = [];
  for (const mode of modes) {
    const result = await runMode({
      scenario,
      mode,
      randomSeed,
      target: options.target,
      onProgress: options.onProgress,
      onSample: options.onSample,
      onEvent: options.onEvent,
      registerCleanup: options.registerCleanup,
    });
    results.push(result);
    options.onModeDone?.(result);
  }
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'apiserver-l7-testbed', version: options.toolVersion ?? '0.0.0' },
    scenario: { name: scenario.name, file: options.file, description: scenario.description, events: scenario.events },
    target: options.target.name,
    parameters: {
      ...(options.parameters ?? {}),
      ...(timeScale !== 1 ? { timeScale } : {}),
      ...(options.target.components ? { components: options.target.components } : {}),
    },
    seed: randomSeed,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    wallMs: performance.now() - started,
    machine: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model },
    modes: results,
    checks: evaluateChecks(scenario.expect, results),
  };
}
