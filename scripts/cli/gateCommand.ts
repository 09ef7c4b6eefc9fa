// `npm run gate [scenario...]`: runs the gate suite (every scenario with gate.include, the default) or the named
// scenarios, each with its gate duration; prints a pass/fail table and every failure with scenario, mode, metric,
// bound and measured value, and every inconclusive check with its reason; writes results/gate-<time>.json (summary),
// results/gate-<time>.junit.xml and each scenario's results under results/gate-<time>/. Exit codes: 0 every check
// passed (or was inconclusive or not applicable), 1 an expectation failed (or, with --fail-on-inconclusive, was
// inconclusive), 2 bad input (nothing was run), 3 a run could not be completed (docs/scenarios.md#the-gate).
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { failureLines, formatValue, outcomeOf, statusOf, summarize, type GateScenarioOutcome, type GateSummary } from '../gate/summary.ts';
import { renderJUnit } from '../gate/junit.ts';
import { selectGateSuite } from '../gate/suite.ts';
import { onInterrupt } from '../runner/interrupts.ts';
import { runScenario } from '../runner/runScenario.ts';
import { table } from '../runner/format.ts';
import { EXIT_BAD_INPUT } from '../core/exitCodes.ts';
import type { Scenario } from '../../scenarios/schema.ts';
import type { Target } from '../targets/target.ts';
import { durationParser } from './flags.ts';
import { createProgress } from './progress.ts';
import { saveResults } from './saveResults.ts';
import { addTargetOptions, resolveTarget, scenarioProblems, type TargetFlags } from './targetOption.ts';
import { readToolVersion } from './toolVersion.ts';
import { validateRun } from './validateRun.ts';

interface GateFlags extends TargetFlags {
  out: string;
  duration?: number;
  failOnSelfCheck?: boolean;
  failOnInconclusive?: boolean;
  list?: boolean;
  quiet?: boolean;
}

export function gateCommand(): Command {
  const command = new Command('gate')
    .description("run the CI gate: the scenarios' expectations, pass/fail, JUnit XML and a JSON summary")
    .argument('[scenarios...]', 'scenario names or .yaml paths (default: every scenario with gate.include)')
    .option('--out <dir>', 'directory for the summary, the JUnit XML and the results', 'results')
    .addOption(new Option('--duration <d>', "load phase per mode for every scenario, instead of each one's gate.duration").argParser(durationParser(500)))
    .option('--fail-on-self-check', 'fail a scenario whose run the simulator itself bottlenecked (self-check warnings)')
    .option('--fail-on-inconclusive', 'fail on a latency check the self-check made inconclusive (default: reported, exit 0)')
    .option('--list', 'list the scenarios the gate would run, with their durations, and exit')
    .option('--quiet', 'no progress lines');
  return addTargetOptions(command).action(async (names: string[], opts: GateFlags) => {
    const print = (text = '') => process.stdout.write(`${text}\n`);
    const selection = selectGateSuite(names, { durationMs: opts.duration });
    if (selection.problems.length > 0) {
      for (const problem of selection.problems) console.error(problem);
      console.error(`${selection.problems.length} problem(s) in the scenario files or with --duration; nothing was run.`);
      process.exitCode = EXIT_BAD_INPUT;
      return;
    }
    if (opts.list) {
      for (const e of selection.entries)
        print(`${e.name}  ${e.durationMs / 1000} s per mode × ${e.scenario.modes.length} modes${e.shortened ? ' (gate.duration)' : ''}`);
      if (selection.excluded.length > 0) print(`not in the default suite: ${selection.excluded.join(', ')}`);
      return;
    }
    const target = await resolveTarget(opts, opts.quiet ? undefined : (line) => console.error(line));
    // The default suite on a target that cannot run some of it (the binary target: set-namespace-alias; a cluster
    // too small for seed-scale): those are left out, each with the reason, and counted; scenarios named on the
    // command line must run.
    const unrunnable = names.length > 0 ? [] : await unrunnableEntries(target, selection.entries);
    const entries = selection.entries.filter((e) => !unrunnable.some((u) => u.name === e.name));
    for (const u of unrunnable) console.error(`skipped on the ${target.name} target: ${u.name}: ${u.problems[0]}`);
    const problems = await validateRun(
      entries.map((e) => ({ scenario: e.scenario, options: {} })),
      target,
    );
    if (problems.length > 0) {
      for (const line of problems) console.error(line);
      process.exitCode = EXIT_BAD_INPUT;
      return;
    }

    const startedAt = new Date();
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    const outDir = opts.out;
    const runDir = path.join(outDir, `gate-${stamp}`);
    const progress = createProgress(opts.quiet === true);
    const flags = { failOnSelfCheck: opts.failOnSelfCheck === true, failOnInconclusive: opts.failOnInconclusive === true };
    const started = performance.now();
    const outcomes: GateScenarioOutcome[] = [];
    print(
      `gate: ${entries.length} scenarios on the ${target.name} target${selection.excluded.length > 0 ? ` (left out: ${selection.excluded.join(', ')})` : ''}${unrunnable.length > 0 ? ` (not runnable there: ${unrunnable.map((u) => u.name).join(', ')})` : ''}`,
    );
    for (const [i, entry] of entries.entries()) {
      const scenarioStarted = performance.now();
      progress.update(`[${i + 1}/${entries.length}] ${entry.name}`);
      let outcome: GateScenarioOutcome;
      try {
        const results = await runScenario({
          scenario: entry.scenario,
          file: path.relative(process.cwd(), entry.file),
          target,
          onProgress: (m) => progress.update(`[${i + 1}/${entries.length}] ${entry.name}: ${m}`),
          onSample: (live) => progress.sample(live),
          registerCleanup: onInterrupt,
          toolVersion: readToolVersion(),
          parameters: entry.shortened ? { duration: entry.durationMs } : {},
        });
        const saved = saveResults(results, runDir, (m) => console.error(m));
        outcome = outcomeOf(entry, { results, resultsFile: saved.json }, flags);
      } catch (error) {
        outcome = outcomeOf(entry, { error: error as Error, wallMs: performance.now() - scenarioStarted }, flags);
      }
      outcomes.push(outcome);
      progress.done();
      print(scenarioLine(outcome));
    }
    const summary = summarize(outcomes, { startedAt, wallMs: performance.now() - started, target: target.name, ...flags });
    print();
    print(formatGateTable(summary, process.stdout.isTTY === true));
    const failures = failureLines(summary);
    if (failures.length > 0) {
      print();
      for (const line of failures) print(line);
    }
    fs.mkdirSync(outDir, { recursive: true });
    const summaryFile = path.join(outDir, `gate-${stamp}.json`);
    const junitFile = path.join(outDir, `gate-${stamp}.junit.xml`);
    fs.writeFileSync(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
    fs.writeFileSync(junitFile, renderJUnit(summary));
    fs.copyFileSync(summaryFile, path.join(outDir, 'gate-latest.json'));
    fs.copyFileSync(junitFile, path.join(outDir, 'gate-latest.junit.xml'));
    print();
    print(
      `gate: ${summary.passed} checks passed, ${summary.failed} failed, ${summary.inconclusive} inconclusive, ${summary.notApplicable} not applicable, ${summary.errors} runs failed${unrunnable.length > 0 ? `, ${unrunnable.length} scenarios not runnable on ${target.name}` : ''}; wall time ${(summary.wallMs / 1000).toFixed(1)} s`,
    );
    print(`summary ${summaryFile}, JUnit ${junitFile}, results in ${runDir}/`);
    process.exitCode = summary.exitCode;
  });
}

const RESULT_WORD = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE', 'not-applicable': 'N/A' } as const;

function scenarioLine(o: GateScenarioOutcome): string {
  const failed = o.checks.filter((c) => statusOf(c) === 'fail').length;
  const undecided = o.checks.filter((c) => statusOf(c) === 'inconclusive').length;
  const status = o.error !== undefined ? 'ERROR' : failed > 0 ? 'FAIL ' : 'PASS ';
  const detail =
    o.error ?? `${o.checks.filter((c) => statusOf(c) === 'pass').length}/${o.checks.length} checks passed${undecided > 0 ? `, ${undecided} inconclusive` : ''}`;
  const warnings = o.selfCheckWarnings.length > 0 ? `, ${o.selfCheckWarnings.length} self-check warnings` : '';
  return `${status} ${o.scenario} (${(o.wallMs / 1000).toFixed(1)} s): ${detail}${warnings}`;
}

export function formatGateTable(summary: GateSummary, tty: boolean): string {
  const rows = summary.scenarios.flatMap((o) =>
    o.error !== undefined
      ? [[o.scenario, '-', 'run', 'ERROR', o.error.slice(0, 80), 'completed']]
      : o.checks.map((c) => [o.scenario, c.mode, c.metric, RESULT_WORD[statusOf(c)], formatValue(c.actual).slice(0, 80), c.expected]),
  );
  return table(['scenario', 'mode', 'metric', 'result', 'measured', 'expected'], rows, tty, 'left');
}

/**
 * The default suite's scenarios `target` cannot run, each with its reasons: what check() refuses and, once the
 * target's preflight passes (fits() reads the cluster), what the cluster has no room for. A failed preflight is
 * reported by validateRun.
 */
export async function unrunnableEntries(target: Target, entries: { name: string; scenario: Scenario }[]): Promise<{ name: string; problems: string[] }[]> {
  const clusterReadable = target.fits !== undefined && (await target.preflight()).length === 0;
  const problems = await Promise.all(entries.map((e) => (clusterReadable ? scenarioProblems(target, e.scenario) : target.check(e.scenario))));
  return entries.map((e, i) => ({ name: e.name, problems: problems[i]! })).filter((u) => u.problems.length > 0);
}
