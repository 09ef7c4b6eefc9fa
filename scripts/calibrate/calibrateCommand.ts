// `npm run calibrate [scenario ...]` / `apiserver-lb calibrate`: runs each scenario (default: the calibration set,
// ./calibrationSet.ts) on the simulator (`local`) and on the real components (`binary`, docs/binary-target.md), and
// prints per mode the simulator's figure, the real one, the difference and whether it is within the expected error
// (docs/fidelity.md). Writes results/calibration-<time>.json and .html next to both runs' own results. Exit 0 when
// every judged row is within its expected error, 1 naming the rows outside, 2 bad input or a missing prerequisite
// (nothing run), 3 a run that could not complete (scripts/core/exitCodes.ts). `--local-results` and
// `--binary-results` judge two existing results files instead of running anything. `--components gateway=envoy` runs
// the simulator's side with the real Envoy as its gateway (docs/fidelity.md#swapping-one-component), so that a row
// which diverges without it and agrees with it comes from the gateway.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadScenarioFile, ScenarioError } from '../../scenarios/loader.ts';
import type { ModeName, Scenario } from '../../scenarios/schema.ts';
import { scaleScenarioTime } from '../../scenarios/timeScale.ts';
import { ENVOY_VERSION, ETCD_VERSION, KUBERNETES_VERSION, STAGING_VERSION } from '../binaries/versions.ts';
import { EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK, EXIT_RUNTIME } from '../core/exitCodes.ts';
import { parseComponents } from '../cli/componentsOption.ts';
import { durationParser, parseModes, parseSeed } from '../cli/flags.ts';
import { createProgress } from '../cli/progress.ts';
import { saveResults } from '../cli/saveResults.ts';
import { readToolVersion } from '../cli/toolVersion.ts';
import { applyRunOptions, validateRun } from '../cli/validateRun.ts';
import { onInterrupt } from '../runner/interrupts.ts';
import type { ScenarioResults } from '../runner/results.ts';
import { runScenario } from '../runner/runScenario.ts';
import type { ComponentSwaps } from '../targets/local/componentSwaps.ts';
import type { Target } from '../targets/target.ts';
import { calibrateScenario, CALIBRATION_SCHEMA_VERSION, LEVEL, summarize, swapsText, type CalibratedScenario, type CalibrationFile } from './calibration.ts';
import { renderCalibrationPage } from './calibrationPage.ts';
import type { CalibrationRow } from './calibrationRow.ts';
import { CALIBRATION_SET, entryFor, type CalibrationEntry } from './calibrationSet.ts';

interface CalibrateFlags {
  modes?: ModeName[];
  seed?: number;
  duration?: number;
  timeScale?: number;
  out: string;
  quiet?: boolean;
  localResults?: string;
  binaryResults?: string;
  components?: ComponentSwaps;
}

export function calibrateCommand(): Command {
  return new Command('calibrate')
    .description('run scenarios on the simulator and on the real components (binary target) and judge every difference against its expected error')
    .argument('[scenario...]', `scenario names (default: the calibration set, ${CALIBRATION_SET.map((e) => e.scenario).join(', ')})`)
    .addOption(new Option('--modes <list>', "comma-separated subset of each scenario's modes").argParser(parseModes))
    .addOption(new Option('--seed <n>', "the simulator's seed (the binary target's plan uses it too; kube-proxy is unseeded)").argParser(parseSeed))
    .addOption(new Option('--duration <d>', 'override the load phase per mode, e.g. 5s').argParser(durationParser(500)))
    .addOption(new Option('--time-scale <n>', "every time of the scenarios n times longer on both targets (default: the set's)").argParser(positive))
    .option('--out <dir>', 'directory for the results', 'results')
    .option('--quiet', 'no progress lines')
    .option('--local-results <file>', 'judge this simulator results file (with --binary-results) instead of running')
    .option('--binary-results <file>', 'judge this binary-target results file (with --local-results) instead of running')
    .addOption(
      new Option(
        '--components <list>',
        "the simulator's runs with these components real, e.g. gateway=envoy: which component a divergence comes from",
      ).argParser(parseComponents),
    )
    .action(async (names: string[], opts: CalibrateFlags) => {
      process.exitCode = await calibrate(names, opts);
    });
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number, e.g. 3');
  return n;
}

async function calibrate(names: string[], opts: CalibrateFlags): Promise<number> {
  const startedAt = new Date();
  if (opts.localResults !== undefined || opts.binaryResults !== undefined) return judgeFiles(opts, startedAt);
  const entries = names.length > 0 ? names.map((n) => entryFor(n, opts.timeScale)) : CALIBRATION_SET.map((e) => entryFor(e.scenario, opts.timeScale));
  const scenarios = loadAll(entries.map((e) => e.scenario));
  if (!scenarios) return EXIT_BAD_INPUT;
  const runOptions = { durationMs: opts.duration, modes: opts.modes };
  const { createBinaryTarget } = await import('../targets/binary/binaryTarget.ts');
  const { createLocalTarget } = await import('../targets/local/localTarget.ts');
  const localTarget = createLocalTarget({ components: opts.components });
  const log = opts.quiet ? undefined : (line: string) => console.error(line);
  const runs = scenarios.map((scenario) => ({ scenario, options: runOptions }));
  // The simulator refuses nothing, but with a component swapped in it refuses what that component cannot do.
  const problems = [...(await validateRun(runs, createBinaryTarget({ log }))), ...(opts.components ? await validateRun(runs, localTarget) : [])];
  if (problems.length > 0) {
    for (const line of problems) console.error(line);
    return EXIT_BAD_INPUT;
  }
  const judged: { entry: CalibrationEntry; scenario: Scenario; local: ScenarioResults; binary: ScenarioResults; files: CalibratedScenario['files'] }[] = [];
  for (const [i, entry] of entries.entries()) {
    const scenario = applyRunOptions(scenarios[i]!, runOptions);
    const targets: Target[] = [{ ...localTarget, timeScale: entry.timeScale }, createBinaryTarget({ log, timeScale: entry.timeScale })];
    const runs: ScenarioResults[] = [];
    const files: CalibratedScenario['files'] = {};
    for (const target of targets) {
      const results = await runOne(scenario, target, opts);
      if (!results) return EXIT_RUNTIME;
      files[target.name as 'local' | 'binary'] = saveResults(results, opts.out, (m) => console.error(m)).json;
      runs.push(results);
    }
    judged.push({ entry, scenario: scaleScenarioTime(scenario, entry.timeScale), local: runs[0]!, binary: runs[1]!, files });
  }
  return finish(judged, opts, startedAt);
}

/** One scenario on one target, progress on stderr; undefined after printing why it could not complete. */
async function runOne(scenario: Scenario, target: Target, opts: CalibrateFlags): Promise<ScenarioResults | undefined> {
  const progress = createProgress(opts.quiet);
  console.error(`── ${scenario.name} on ${target.name}${(target.timeScale ?? 1) !== 1 ? ` (time scale ${target.timeScale})` : ''}`);
  try {
    return await runScenario({
      scenario,
      file: `scenarios/${scenario.name}.yaml`,
      modes: opts.modes,
      randomSeed: opts.seed ?? scenario.seed,
      onProgress: (m) => progress.update(m),
      onModeDone: () => progress.done(),
      registerCleanup: onInterrupt,
      toolVersion: readToolVersion(),
      target,
      parameters: opts.duration ? { duration: opts.duration } : {},
    });
  } catch (error) {
    progress.done();
    console.error(`run failed: ${scenario.name} on ${target.name}: ${(error as Error).message}`);
    return undefined;
  } finally {
    progress.done();
  }
}

function loadAll(names: string[]): Scenario[] | undefined {
  const out: Scenario[] = [];
  for (const name of names) {
    try {
      out.push(loadScenarioFile(name).scenario);
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      console.error(error.message);
      return undefined;
    }
  }
  return out;
}

/** --local-results a.json --binary-results b.json: the same judgement over two existing runs of one scenario. */
function judgeFiles(opts: CalibrateFlags, startedAt: Date): number {
  if (opts.components !== undefined) {
    console.error('--components is for runs: a results file says itself which components ran (parameters.components)');
    return EXIT_BAD_INPUT;
  }
  if (opts.localResults === undefined || opts.binaryResults === undefined) {
    console.error('--local-results and --binary-results go together (a simulator run and a binary-target run of one scenario)');
    return EXIT_BAD_INPUT;
  }
  const read = (file: string, target: string): ScenarioResults | string => {
    let parsed: ScenarioResults;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as ScenarioResults;
    } catch (error) {
      return `${file}: cannot read it as JSON: ${(error as Error).message}`;
    }
    if (parsed.schemaVersion !== 2 || !Array.isArray(parsed.modes)) return `${file}: not a scenario results file of schema v2`;
    if (parsed.target !== target) return `${file}: a ${parsed.target} run, expected a ${target} run`;
    return parsed;
  };
  const local = read(opts.localResults, 'local');
  const binary = read(opts.binaryResults, 'binary');
  const problem = [local, binary].find((x): x is string => typeof x === 'string');
  if (problem) return (console.error(problem), EXIT_BAD_INPUT);
  const [l, b] = [local as ScenarioResults, binary as ScenarioResults];
  if (l.scenario.name !== b.scenario.name)
    return (console.error(`the files are runs of different scenarios (${l.scenario.name}, ${b.scenario.name})`), EXIT_BAD_INPUT);
  const scenarios = loadAll([l.scenario.name]);
  if (!scenarios) return EXIT_BAD_INPUT;
  const timeScale = Number(b.parameters.timeScale ?? 1);
  const scenario = scaleScenarioTime(applyRunOptions(scenarios[0]!, { durationMs: b.parameters.duration as number | undefined }), timeScale);
  const entry = entryFor(l.scenario.name, timeScale);
  return finish([{ entry, scenario, local: l, binary: b, files: { local: opts.localResults, binary: opts.binaryResults } }], opts, startedAt);
}

function finish(
  judged: { entry: CalibrationEntry; scenario: Scenario; local: ScenarioResults; binary: ScenarioResults; files: CalibratedScenario['files'] }[],
  opts: CalibrateFlags,
  startedAt: Date,
): number {
  const rows = judged.flatMap((j) => calibrateScenario(j.scenario, j.local, j.binary));
  const file: CalibrationFile = {
    schemaVersion: CALIBRATION_SCHEMA_VERSION,
    kind: 'calibration',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    level: LEVEL,
    machine: { ...judged[0]!.binary.machine, loadAverage: os.loadavg() },
    versions: {
      'kube-apiserver': KUBERNETES_VERSION,
      'kube-proxy': KUBERNETES_VERSION,
      etcd: ETCD_VERSION,
      envoy: ENVOY_VERSION,
      'client-go': STAGING_VERSION,
    },
    scenarios: judged.map((j) => ({
      scenario: j.scenario.name,
      timeScale: j.entry.timeScale,
      files: j.files,
      seeds: { local: j.local.seed, binary: j.binary.seed },
      modes: j.local.modes.map((m) => m.mode),
      ...(j.local.parameters.components ? { simulatorComponents: j.local.parameters.components as Record<string, string> } : {}),
    })),
    rows,
    summary: summarize(rows),
  };
  for (const s of file.scenarios)
    process.stdout.write(
      `${formatRows(
        s.scenario,
        rows.filter((r) => r.scenario === s.scenario),
        s.simulatorComponents,
      )}\n`,
    );
  const stamp = file.startedAt.replace(/[:.]/g, '-');
  fs.mkdirSync(opts.out, { recursive: true });
  const json = path.join(opts.out, `calibration-${stamp}.json`);
  const html = path.join(opts.out, `calibration-${stamp}.html`);
  fs.writeFileSync(json, `${JSON.stringify(file, null, 2)}\n`);
  fs.writeFileSync(html, renderCalibrationPage(file, opts.out));
  const s = file.summary;
  console.log(
    `\n${s.within} within, ${s.outside} outside, ${s.inconclusive} inconclusive, ${s.notMeasured} not measured, ${s.info} shown only (level ${LEVEL} per row)`,
  );
  for (const name of s.outsideRows) console.log(`OUTSIDE  ${name}`);
  for (const r of rows.filter((x) => x.status === 'inconclusive'))
    console.log(`inconclusive  ${r.scenario}/${r.mode} ${r.metric}: ${r.basis.split('; inconclusive: ')[1]}`);
  console.log(`calibration: ${json}\nreport:      ${html}`);
  return s.outside > 0 ? EXIT_CHECK_FAILED : EXIT_OK;
}

const VERDICT: Record<CalibrationRow['status'], string> = {
  within: 'ok',
  outside: 'OUTSIDE',
  inconclusive: 'inconclusive',
  'not-measured': 'not measured',
  info: 'shown',
};

function show(value: CalibrationRow['simulated']): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3);
  return value === null ? 'n/a' : String(value);
}

/** The rows of one scenario as an aligned text table. */
export function formatRows(scenario: string, rows: CalibrationRow[], simulatorComponents?: Record<string, string>): string {
  const lines = rows.map((r) => [
    r.mode,
    r.metric,
    show(r.simulated),
    show(r.real),
    r.difference === undefined ? '' : r.difference.toFixed(3),
    r.expectedError === undefined ? '' : `±${r.expectedError.toFixed(3)}`,
    VERDICT[r.status],
  ]);
  const header = ['mode', 'figure', 'simulator', 'real', 'difference', 'expected', 'verdict'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmtLine = (l: string[]) => l.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const swapped = simulatorComponents ? ` (the simulator with real ${swapsText(simulatorComponents)})` : '';
  return [`── ${scenario}${swapped}`, fmtLine(header), ...lines.map(fmtLine)].join('\n');
}
