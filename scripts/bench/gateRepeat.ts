// The gate's false-failure rate (docs/scenarios.md#false-failure-rate): `npm run bench -- gate-repeat --runs 10` runs
// the gate N times one after the other, each exactly as CI runs it (`npm run gate` as a child process: its own
// exit code, its own summary under <out>/gate-repeat-<time>/run-<i>/), and prints per run its verdict, wall time,
// check counts and the self-check's verdict; then how many runs failed. On a tree whose gate should pass, every
// failed run is a false failure. Each run's summary also gives the verdict `--fail-on-self-check` would have given
// (a mode with self-check warnings fails it), so one series measures the README's CI recipe too.
import fs from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { GateSummary } from '../gate/summary.ts';
import { table } from '../runner/format.ts';

export interface GateRepeatRun {
  run: number;
  /** The gate's exit code (0 pass, 1 a check failed, 2 bad input, 3 a run could not be completed). */
  exitCode: number;
  wallMs: number;
  passed: number;
  failed: number;
  inconclusive: number;
  notApplicable: number;
  errors: number;
  /** Modes (over all scenarios) whose self-check had warnings; 0: the self-check called the run clean. */
  selfCheckLimitedModes: number;
  /** What `--fail-on-self-check` would have made of this run. */
  exitCodeWithFailOnSelfCheck: number;
  /** The failed checks and run errors, one line each (scripts/gate/summary.ts failureLines). */
  failures: string[];
  summaryFile?: string;
  /** Why the run gave no summary. */
  problem?: string;
}

export interface GateRepeatResult {
  what: string;
  scenarios: string;
  runs: GateRepeatRun[];
  /** Runs that did not pass (exit code other than 0), and their share. */
  falseFailures: number;
  falseFailureRate: number;
  /** The same with --fail-on-self-check. */
  falseFailuresWithFailOnSelfCheck: number;
  /** Runs whose self-check found no mode limited by the machine. */
  cleanRuns: number;
}

/** One run's line of the series, from its summary (or its absence) and the gate's exit code. */
export function gateRepeatRunOf(run: number, exitCode: number, wallMs: number, summary: GateSummary | undefined, summaryFile?: string): GateRepeatRun {
  if (!summary) {
    return {
      run,
      exitCode,
      wallMs,
      passed: 0,
      failed: 0,
      inconclusive: 0,
      notApplicable: 0,
      errors: 0,
      selfCheckLimitedModes: 0,
      exitCodeWithFailOnSelfCheck: exitCode,
      failures: [],
      problem: `the gate wrote no summary (exit ${exitCode})`,
    };
  }
  const limited = summary.scenarios.reduce((sum, o) => sum + new Set(o.selfCheckWarnings.map((w) => w.mode)).size, 0);
  const failures = summary.scenarios.flatMap((o) => [
    ...(o.error !== undefined ? [`ERROR ${o.scenario}: ${o.error}`] : []),
    ...o.checks.filter((c) => c.status === 'fail').map((c) => `FAIL ${o.scenario} ${c.mode}: ${c.metric} = ${String(c.actual)}, expected ${c.expected}`),
  ]);
  return {
    run,
    exitCode,
    wallMs,
    passed: summary.passed,
    failed: summary.failed,
    inconclusive: summary.inconclusive,
    notApplicable: summary.notApplicable,
    errors: summary.errors,
    selfCheckLimitedModes: limited,
    exitCodeWithFailOnSelfCheck: exitCode === 0 && limited > 0 ? 1 : exitCode,
    failures,
    summaryFile,
  };
}

export function summarizeGateRepeat(runs: GateRepeatRun[], scenarios: string): GateRepeatResult {
  const falseFailures = runs.filter((r) => r.exitCode !== 0).length;
  return {
    what: 'npm run gate run N times in a row on this machine (each as a child process, as CI runs it); on a tree whose gate should pass, every failed run is a false failure',
    scenarios,
    runs,
    falseFailures,
    falseFailureRate: runs.length > 0 ? falseFailures / runs.length : NaN,
    falseFailuresWithFailOnSelfCheck: runs.filter((r) => r.exitCodeWithFailOnSelfCheck !== 0).length,
    cleanRuns: runs.filter((r) => r.exitCode !== 2 && r.problem === undefined && r.selfCheckLimitedModes === 0).length,
  };
}

export interface GateRepeatOptions {
  runs: number;
  /** Scenario names or files; default the gate's default suite. */
  names?: string[];
  outDir: string;
  log?: (line: string) => void;
  /** Registers a clean-up for Ctrl-C (scripts/runner/interrupts.ts). */
  registerCleanup?: (cleanup: () => Promise<void>) => () => void;
  /** Longest a single gate run may take (default 40 min: the default suite takes about 7). */
  runTimeoutMs?: number;
}

export async function runGateRepeat(options: GateRepeatOptions): Promise<GateRepeatResult> {
  const log = options.log ?? (() => undefined);
  const seriesDir = path.join(options.outDir, `gate-repeat-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const runs: GateRepeatRun[] = [];
  for (let i = 1; i <= options.runs; i++) {
    const out = path.join(seriesDir, `run-${i}`);
    const started = performance.now();
    const child: ResultPromise = execa(process.execPath, ['--import', 'tsx', 'scripts/gate.ts', '--quiet', '--out', out, ...(options.names ?? [])], {
      reject: false,
      timeout: options.runTimeoutMs ?? 40 * 60_000,
      killSignal: 'SIGINT',
      stdout: 'ignore',
      stderr: 'pipe',
    });
    const unregister = options.registerCleanup?.(async () => {
      child.kill('SIGINT');
      await child;
    });
    const done = await child;
    unregister?.();
    const summaryFile = path.join(out, 'gate-latest.json');
    const summary = fs.existsSync(summaryFile) ? (JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as GateSummary) : undefined;
    const run = gateRepeatRunOf(i, done.exitCode ?? 3, performance.now() - started, summary, summary ? summaryFile : undefined);
    if (run.problem) run.problem += `: ${String(done.stderr).trim().split('\n').slice(-3).join(' | ')}`;
    runs.push(run);
    log(runLine(run, options.runs));
  }
  return summarizeGateRepeat(runs, options.names?.join(', ') || 'the default suite');
}

function runLine(r: GateRepeatRun, of: number): string {
  const verdict = r.exitCode === 0 ? 'PASS' : `FAIL (exit ${r.exitCode})`;
  const selfCheck = r.selfCheckLimitedModes === 0 ? 'self-check clean' : `self-check: ${r.selfCheckLimitedModes} modes limited by the machine`;
  const withFlag = r.exitCodeWithFailOnSelfCheck === 0 ? 'PASS' : 'FAIL';
  const counts = `${r.passed} passed, ${r.failed} failed, ${r.inconclusive} inconclusive, ${r.notApplicable} n/a, ${r.errors} errors`;
  return [
    `gate run ${r.run}/${of}: ${verdict}, ${(r.wallMs / 1000).toFixed(1)} s, ${counts}; ${selfCheck}; with --fail-on-self-check ${withFlag}`,
    ...(r.problem ? [`  ${r.problem}`] : []),
    ...r.failures.map((f) => `  ${f}`),
  ].join('\n');
}

export function gateRepeatTables(r: GateRepeatResult, tty: boolean): string {
  const rows = r.runs.map((run) => [
    String(run.run),
    run.exitCode === 0 ? 'pass' : `FAIL (exit ${run.exitCode})`,
    (run.wallMs / 1000).toFixed(1),
    `${run.passed}/${run.failed}/${run.inconclusive}/${run.notApplicable}`,
    run.selfCheckLimitedModes === 0 ? 'clean' : `${run.selfCheckLimitedModes} modes limited`,
    run.exitCodeWithFailOnSelfCheck === 0 ? 'pass' : 'FAIL',
  ]);
  const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)} %` : '-');
  return [
    table(['run', 'gate', 'wall s', 'checks pass/fail/inconcl./n.a.', 'self-check', 'with --fail-on-self-check'], rows, tty),
    `false failures: ${r.falseFailures} of ${r.runs.length} runs (${pct(r.falseFailureRate)}); with --fail-on-self-check: ${r.falseFailuresWithFailOnSelfCheck} of ${r.runs.length}; self-check clean in ${r.cleanRuns} of ${r.runs.length} runs (${r.scenarios})`,
  ].join('\n');
}
