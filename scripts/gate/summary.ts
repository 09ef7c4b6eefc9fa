// What `npm run gate` reports (docs/scenarios.md#the-gate): per scenario, its checks (scenario, mode, metric, bound,
// measured value, status), the self-check warnings, its wall time, or the runtime error that stopped it; and the exit
// code the whole suite earns (0 every check passed or was inconclusive or not applicable, 1 an expectation failed,
// 2 bad input, 3 a runtime failure). An inconclusive check (a latency the machine limited) fails only with
// --fail-on-inconclusive; a not-applicable one (a mode that did not run) never does.
import { EXIT_CHECK_FAILED, EXIT_OK, EXIT_RUNTIME } from '../core/exitCodes.ts';
import type { CheckResult, ScenarioResults } from '../runner/results.ts';

/** 2: checks carry a status; the summary counts inconclusive and not-applicable checks and records --fail-on-inconclusive. */
export const GATE_SUMMARY_VERSION = 2;

export interface GateScenarioOutcome {
  scenario: string;
  file: string;
  durationMs: number;
  /** Whether the gate ran a shorter load phase than the file's (gate.duration). */
  shortened: boolean;
  wallMs: number;
  seed?: number;
  checks: CheckResult[];
  /** Self-check warnings per mode: the simulator itself was a bottleneck there. */
  selfCheckWarnings: { mode: string; warning: string }[];
  /** The results file of this scenario's run. */
  resultsFile?: string;
  /** Why the run could not be completed. */
  error?: string;
}

export interface GateSummary {
  version: typeof GATE_SUMMARY_VERSION;
  startedAt: string;
  wallMs: number;
  target: string;
  /** Self-check warnings fail the gate (--fail-on-self-check). */
  failOnSelfCheck: boolean;
  /** Inconclusive checks fail the gate (--fail-on-inconclusive). */
  failOnInconclusive: boolean;
  scenarios: GateScenarioOutcome[];
  passed: number;
  failed: number;
  inconclusive: number;
  notApplicable: number;
  errors: number;
  exitCode: number;
}

export interface GateFlags {
  failOnSelfCheck: boolean;
  failOnInconclusive: boolean;
}

export function outcomeOf(
  entry: { name: string; file: string; durationMs: number; shortened: boolean },
  run: { results: ScenarioResults; resultsFile?: string } | { error: Error; wallMs: number },
  flags: GateFlags,
): GateScenarioOutcome {
  const base = { scenario: entry.name, file: entry.file, durationMs: entry.durationMs, shortened: entry.shortened };
  if ('error' in run) return { ...base, wallMs: run.wallMs, checks: [], selfCheckWarnings: [], error: run.error.message };
  const warnings = run.results.modes.flatMap((m) => m.selfCheck.warnings.map((warning) => ({ mode: m.mode, warning })));
  const selfChecks: CheckResult[] = flags.failOnSelfCheck
    ? run.results.modes
        .filter((m) => !m.selfCheck.clean)
        .map((m) => ({
          mode: m.mode,
          metric: 'selfCheck',
          actual: m.selfCheck.warnings.join('; '),
          expected: 'the simulator was not the bottleneck (--fail-on-self-check)',
          ok: false,
          status: 'fail' as const,
        }))
    : [];
  return {
    ...base,
    wallMs: run.results.wallMs,
    seed: run.results.seed,
    checks: [...run.results.checks.map((c) => (flags.failOnInconclusive ? failInconclusive(c) : c)), ...selfChecks],
    selfCheckWarnings: warnings,
    resultsFile: run.resultsFile,
  };
}

/** With --fail-on-inconclusive an inconclusive check is a failure (its reason kept). */
function failInconclusive(check: CheckResult): CheckResult {
  return check.status === 'inconclusive'
    ? { ...check, ok: false, status: 'fail', expected: `${check.expected} (inconclusive: --fail-on-inconclusive)` }
    : check;
}

export function summarize(outcomes: GateScenarioOutcome[], meta: { startedAt: Date; wallMs: number; target: string } & GateFlags): GateSummary {
  const checks = outcomes.flatMap((o) => o.checks);
  const count = (status: CheckResult['status']) => checks.filter((c) => statusOf(c) === status).length;
  const failed = count('fail');
  const errors = outcomes.filter((o) => o.error !== undefined).length;
  return {
    version: GATE_SUMMARY_VERSION,
    startedAt: meta.startedAt.toISOString(),
    wallMs: meta.wallMs,
    target: meta.target,
    failOnSelfCheck: meta.failOnSelfCheck,
    failOnInconclusive: meta.failOnInconclusive,
    scenarios: outcomes,
    passed: count('pass'),
    failed,
    inconclusive: count('inconclusive'),
    notApplicable: count('not-applicable'),
    errors,
    exitCode: errors > 0 ? EXIT_RUNTIME : failed > 0 ? EXIT_CHECK_FAILED : EXIT_OK,
  };
}

/** A check's status; results written before checks had one have only `ok`. */
export function statusOf(check: Pick<CheckResult, 'ok'> & { status?: CheckResult['status'] }): CheckResult['status'] {
  return check.status ?? (check.ok ? 'pass' : 'fail');
}

/** One line per failure, each naming scenario, mode, metric, bound and measured value; then one per inconclusive check with its reason. */
export function failureLines(summary: GateSummary): string[] {
  return summary.scenarios.flatMap((o) => [
    ...(o.error !== undefined ? [`ERROR ${o.scenario}: the run failed: ${o.error}`] : []),
    ...o.checks
      .filter((c) => statusOf(c) === 'fail')
      .map((c) => `FAIL  ${o.scenario} ${c.mode}: ${c.metric} = ${formatValue(c.actual)}, expected ${c.expected}`),
    ...o.checks
      .filter((c) => statusOf(c) === 'inconclusive')
      .map((c) => `INCONCLUSIVE  ${o.scenario} ${c.mode}: ${c.metric} = ${formatValue(c.actual)}, expected ${c.expected}: ${c.reason ?? ''}`),
  ]);
}

export function formatValue(value: CheckResult['actual']): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(Math.round(value * 1000) / 1000) : 'not measured';
  return String(value);
}
