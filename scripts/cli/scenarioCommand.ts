// `npm run scenario <name>` / `apiserver-lb scenario <name>`: run a scenario's modes side by side on a target (the
// local simulator by default), print per-replica tables, fairness, events and checks, write
// results/<name>-<time>.json, and exit non-zero when an expectation fails (1) or the run could not be done (2: bad
// input, 3: runtime failure; core/exitCodes.ts). Inconclusive and not-applicable checks do not fail the run
// (--fail-on-inconclusive makes the former fail).
import path from 'node:path';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { listScenarioNames, loadScenarioFile, ScenarioError, type LoadedScenario } from '../../scenarios/loader.ts';
import { Scenario, type ModeName } from '../../scenarios/schema.ts';
import { MODE_NAMES } from '../../scenarios/vocabulary.ts';
import { formatChecks, formatClientGroups, formatComparison, formatMode, LATENCY_FOOTNOTE } from '../runner/format.ts';
import { onInterrupt } from '../runner/interrupts.ts';
import { runScenario } from '../runner/runScenario.ts';
import type { ScenarioResults } from '../runner/results.ts';
import type { Target } from '../targets/target.ts';
import { EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_RUNTIME } from '../core/exitCodes.ts';
import { durationParser, parseModes, parseSeed } from './flags.ts';
import { createProgress } from './progress.ts';
import { saveResults } from './saveResults.ts';
import { addTargetOptions, kindTargetOptions, resolveTarget, type TargetFlags } from './targetOption.ts';
import { readToolVersion } from './toolVersion.ts';
import { applyRunOptions, validateRun } from './validateRun.ts';

interface ScenarioFlags extends TargetFlags {
  modes?: ModeName[];
  seed?: number;
  duration?: number;
  out: string;
  write: boolean;
  json?: boolean;
  quiet?: boolean;
  list?: boolean;
  schema?: boolean;
  failOnSelfCheck?: boolean;
  failOnInconclusive?: boolean;
  dryRun?: string;
}

export function scenarioCommand(): Command {
  const command = new Command('scenario')
    .description('run a scenario: every mode on a fresh cluster (the local simulator by default), side by side')
    .argument('[scenario]', `scenario name (${listScenarioNames().join(', ')}) or path to a .yaml file`)
    .addOption(new Option('--modes <list>', `comma-separated subset of the scenario's modes (${MODE_NAMES.join(', ')})`).argParser(parseModes))
    .addOption(new Option('--seed <n>', "seed for every random choice (default: the scenario's, else a fresh one)").argParser(parseSeed))
    .addOption(new Option('--duration <d>', 'override the load phase per mode, e.g. 5s').argParser(durationParser(500)))
    .option('--out <dir>', 'directory for the JSON results', 'results')
    .option('--no-write', 'do not write a results file')
    .option('--json', 'print the results JSON to stdout (human output goes to stderr)')
    .option('--quiet', 'no progress lines')
    .option('--list', 'list the known scenarios and exit')
    .option('--schema', 'print the scenario JSON Schema and exit')
    .option('--fail-on-self-check', 'exit 1 when the self-check found the simulator itself was a bottleneck')
    .option('--fail-on-inconclusive', 'exit 1 when a latency check was inconclusive (the self-check says the machine limited its mode)')
    .option('--dry-run <dir>', 'targets kind and cluster: print every command and write every manifest to <dir>; run nothing');
  return addTargetOptions(command).action(async (name: string | undefined, opts: ScenarioFlags) => {
    if (opts.list) {
      for (const n of listScenarioNames()) console.log(n);
      return;
    }
    if (opts.schema) {
      console.log(JSON.stringify(z.toJSONSchema(Scenario, { io: 'input', unrepresentable: 'any' }), null, 2));
      return;
    }
    const loaded = loadForRun(name);
    if (!loaded) {
      process.exitCode = EXIT_BAD_INPUT;
      return;
    }
    const runOptions = { durationMs: opts.duration, modes: opts.modes };
    const optionProblems = await validateRun([{ scenario: loaded.scenario, options: runOptions }]);
    if (optionProblems.length > 0) {
      for (const line of optionProblems) console.error(line);
      process.exitCode = EXIT_BAD_INPUT;
      return;
    }
    const scenario = applyRunOptions(loaded.scenario, runOptions);
    if (opts.dryRun !== undefined) return dryRun(scenario, opts, opts.dryRun);
    const target = await resolveTarget(opts, opts.quiet ? undefined : (line) => console.error(line));
    const problems = await validateRun([{ scenario: loaded.scenario, options: runOptions }], target);
    if (problems.length > 0) {
      for (const line of problems) console.error(line);
      process.exitCode = EXIT_BAD_INPUT;
      return;
    }
    await runAndReport(scenario, path.relative(process.cwd(), loaded.file), target, opts);
  });
}

/** The scenario file named on the command line, or undefined after printing what is wrong with it. */
function loadForRun(name: string | undefined): LoadedScenario | undefined {
  if (!name) {
    console.error(`which scenario? known: ${listScenarioNames().join(', ')} (or a path to a .yaml file)`);
    return undefined;
  }
  try {
    return loadScenarioFile(name);
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    console.error(error.message);
    console.error(`${error.issues.length} problem(s) in the scenario file; nothing was run.`);
    return undefined;
  }
}

/** --dry-run: every command and manifest of a kind or cluster run, nothing run. */
async function dryRun(scenario: Scenario, opts: ScenarioFlags, out: string): Promise<void> {
  if (opts.target === 'local') {
    console.error('--dry-run is for the kind and cluster targets (add --target kind); the local target runs the scenario itself');
    process.exitCode = EXIT_BAD_INPUT;
    return;
  }
  const { dryRunKindScenario } = await import('../targets/kind/dryRun.ts');
  const dry = await dryRunKindScenario({ scenario, modes: opts.modes, randomSeed: opts.seed ?? scenario.seed ?? 0, options: kindTargetOptions(opts), out });
  process.stdout.write(`${dry.text}\n`);
  console.error(`dry run: ${dry.files.length} files in ${out}/ (plan.txt has the commands)`);
  if (dry.problems.length > 0) process.exitCode = EXIT_BAD_INPUT;
}

/** Runs every mode, prints each as it finishes, then the comparison and the checks; writes the results; sets the exit code. */
async function runAndReport(scenario: Scenario, file: string, target: Target, opts: ScenarioFlags): Promise<void> {
  const human = opts.json ? process.stderr : process.stdout;
  const tty = human.isTTY === true;
  const print = (text = '') => human.write(`${text}\n`);
  const progress = createProgress(opts.quiet);
  print(`scenario ${scenario.name}: ${scenario.description ?? ''}`.trimEnd());
  let results;
  try {
    results = await runScenario({
      scenario,
      file,
      modes: opts.modes,
      randomSeed: opts.seed ?? scenario.seed,
      onProgress: (m) => progress.update(m),
      onSample: (live) => progress.sample(live),
      onModeDone: (result) => {
        progress.done();
        print();
        print(formatMode(result, tty));
        print(formatClientGroups(result, tty));
      },
      onEvent: (component, event, data) => {
        if (event === 'crashed' || event === 'exited') {
          progress.done();
          console.error(`${component} ${event}: ${JSON.stringify(data)}`);
        }
      },
      registerCleanup: onInterrupt,
      toolVersion: readToolVersion(),
      target,
      parameters: opts.duration ? { duration: opts.duration } : {},
    });
  } catch (error) {
    progress.done();
    console.error(`run failed: ${(error as Error).message}`);
    process.exitCode = EXIT_RUNTIME;
    return;
  }
  progress.done();
  print();
  print(`── comparison (seed ${results.seed}; replay with --seed ${results.seed})`);
  print(formatComparison(results, tty));
  print(LATENCY_FOOTNOTE);
  print();
  print(formatChecks(results.checks));
  if (opts.write) {
    const saved = saveResults(results, opts.out, (m) => console.error(m));
    print(`results: ${saved.json} (schema v${results.schemaVersion}, see docs/results.md)${saved.html ? `\nreport:  ${saved.html}` : ''}`);
  }
  print(`wall time ${(results.wallMs / 1000).toFixed(1)} s`);
  if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  process.exitCode = scenarioExitCode(results, opts);
}

/** 1 when a check failed, or what --fail-on-self-check / --fail-on-inconclusive make fail; else 0. */
export function scenarioExitCode(results: ScenarioResults, flags: { failOnSelfCheck?: boolean; failOnInconclusive?: boolean }): number {
  const failed = results.checks.some((c) => c.status === 'fail');
  const selfCheckFailed = flags.failOnSelfCheck === true && results.modes.some((m) => !m.selfCheck.clean);
  const inconclusiveFailed = flags.failOnInconclusive === true && results.checks.some((c) => c.status === 'inconclusive');
  return failed || selfCheckFailed || inconclusiveFailed ? EXIT_CHECK_FAILED : 0;
}
