// `npm run scenario <name>` / `apiserver-lb scenario <name>`: run a scenario's modes side by side on the local
// simulator, print per-replica tables and fairness, write results/<name>-<time>.json, and exit non-zero when an
// expectation fails (1) or the run could not be done (2: bad input, 3: runtime failure).
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { listScenarioNames, loadScenarioFile, ScenarioError } from '../../scenarios/loader.ts';
import { MODE_NAMES, Scenario, type ModeName } from '../../scenarios/schema.ts';
import { parseDurationMs } from '../../scenarios/duration.ts';
import { formatChecks, formatClientGroups, formatComparison, formatMode, LATENCY_FOOTNOTE } from '../runner/format.ts';
import { onInterrupt } from '../runner/interrupts.ts';
import { runScenario } from '../runner/runScenario.ts';
import { localTarget } from '../targets/local/localTarget.ts';
import { createProgress } from './progress.ts';

const EXIT_CHECK_FAILED = 1;
const EXIT_BAD_INPUT = 2;
const EXIT_RUNTIME = 3;

function parseModes(value: string): ModeName[] {
  const modes = value
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  for (const mode of modes) {
    if (!(MODE_NAMES as readonly string[]).includes(mode)) throw new InvalidArgumentError(`unknown mode "${mode}" (known: ${MODE_NAMES.join(', ')})`);
  }
  return modes as ModeName[];
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1) throw new InvalidArgumentError('must be an integer from 0 to 4294967295');
  return n;
}

function parseDuration(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined || ms < 500) throw new InvalidArgumentError('must be a duration of at least 500ms, e.g. 5s');
  return ms;
}

export function scenarioCommand(): Command {
  return new Command('scenario')
    .description('run a scenario on the local simulator: every mode on a fresh simulated cluster, side by side')
    .argument('[scenario]', `scenario name (${listScenarioNames().join(', ')}) or path to a .yaml file`)
    .addOption(new Option('--modes <list>', `comma-separated subset of the scenario's modes (${MODE_NAMES.join(', ')})`).argParser(parseModes))
    .addOption(new Option('--seed <n>', "seed for every random choice (default: the scenario's, else a fresh one)").argParser(parseSeed))
    .addOption(new Option('--duration <d>', 'override the load phase per mode, e.g. 5s').argParser(parseDuration))
    .option('--out <dir>', 'directory for the JSON results', 'results')
    .option('--no-write', 'do not write a results file')
    .option('--json', 'print the results JSON to stdout (human output goes to stderr)')
    .option('--quiet', 'no progress lines')
    .option('--list', 'list the known scenarios and exit')
    .option('--schema', 'print the scenario JSON Schema and exit')
    .action(async (name: string | undefined, opts) => {
      if (opts.list) {
        for (const n of listScenarioNames()) console.log(n);
        return;
      }
      if (opts.schema) {
        console.log(JSON.stringify(z.toJSONSchema(Scenario, { io: 'input', unrepresentable: 'any' }), null, 2));
        return;
      }
      if (!name) {
        console.error(`which scenario? known: ${listScenarioNames().join(', ')} (or a path to a .yaml file)`);
        process.exitCode = EXIT_BAD_INPUT;
        return;
      }
      let loaded;
      try {
        loaded = loadScenarioFile(name);
      } catch (error) {
        if (error instanceof ScenarioError) {
          console.error(error.message);
          console.error(`${error.issues.length} problem(s) in the scenario file; nothing was run.`);
          process.exitCode = EXIT_BAD_INPUT;
          return;
        }
        throw error;
      }
      const scenario = opts.duration ? { ...loaded.scenario, duration: opts.duration } : loaded.scenario;
      if (opts.modes) {
        const unknown = (opts.modes as ModeName[]).filter((m) => !scenario.modes.includes(m));
        if (unknown.length > 0) {
          console.error(`--modes: ${unknown.join(', ')} not in this scenario's modes (${scenario.modes.join(', ')})`);
          process.exitCode = EXIT_BAD_INPUT;
          return;
        }
      }
      const human = opts.json ? process.stderr : process.stdout;
      const tty = human.isTTY === true;
      const print = (text = '') => human.write(`${text}\n`);
      const progress = createProgress(opts.quiet);
      const seed: number | undefined = opts.seed ?? scenario.seed;
      print(`scenario ${scenario.name}: ${scenario.description ?? ''}`.trimEnd());
      let results;
      try {
        results = await runScenario({
          scenario,
          file: path.relative(process.cwd(), loaded.file),
          modes: opts.modes,
          seed,
          onProgress: (m) => progress.update(m),
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
          toolVersion: readVersion(),
          target: localTarget,
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
        fs.mkdirSync(opts.out, { recursive: true });
        const stamp = results.startedAt.replace(/[:.]/g, '-');
        const file = path.join(opts.out, `${scenario.name}-${stamp}.json`);
        fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
        fs.writeFileSync(path.join(opts.out, `${scenario.name}-latest.json`), `${JSON.stringify(results, null, 2)}\n`);
        print(`results: ${file} (schema v${results.schemaVersion}, see docs/results.md)`);
      }
      print(`wall time ${(results.wallMs / 1000).toFixed(1)} s`);
      if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      if (results.checks.some((c) => !c.ok)) process.exitCode = EXIT_CHECK_FAILED;
    });
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}
