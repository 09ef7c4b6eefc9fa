// What `npm run gate` reports (docs/scenarios.md#the-gate): per scenario, its checks (scenario, mode, metric, bound,
// measured value), the self-check warnings, its wall time, or the runtime error that stopped it; and the exit code
// the whole suite earns (0 all pass, 1 an expectation failed, 2 bad input, 3 a runtime failure).
import { EXIT_CHECK_FAILED, EXIT_OK, EXIT_RUNTIME } from '../cli/exitCodes.ts';
import type { CheckResult, ScenarioResults } from '../runner/results.ts';

export const GATE_SUMMARY_VERSION = 1;

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
  scenarios: GateScenarioOutcome[];
  passed: number;
  failed: number;
  errors: number;
  exitCode: number;
}

export function outcomeOf(
  entry: { name: string; file: string; durationMs: number; shortened: boolean },
  run: { results: ScenarioResults; resultsFile?: string } | { error: Error; wallMs: number },
  failOnSelfCheck: boolean,
): GateScenarioOutcome {
  const base = { scenario: entry.name, file: entry.file, durationMs: entry.durationMs, shortened: entry.shortened };
  if ('error' in run) return { ...base, wallMs: run.wallMs, checks: [], selfCheckWarnings: [], error: run.error.message };
  const warnings = run.results.modes.flatMap((m) => m.selfCheck.warnings.map((warning) => ({ mode: m.mode, warning })));
  const selfChecks: CheckResult[] = failOnSelfCheck
    ? run.results.modes
        .filter((m) => !m.selfCheck.clean)
        .map((m) => ({
          mode: m.mode,
          metric: 'selfCheck',
          actual: m.selfCheck.warnings.join('; '),
          expected: 'the simulator was not the bottleneck (--fail-on-self-check)',
          ok: false,
        }))
    : [];
  return {
    ...base,
    wallMs: run.results.wallMs,
    seed: run.results.seed,
    checks: [...run.results.checks, ...selfChecks],
    selfCheckWarnings: warnings,
    resultsFile: run.resultsFile,
  };
}

export function summarize(outcomes: GateScenarioOutcome[], meta: { startedAt: Date; wallMs: number; target: string; failOnSelfCheck: boolean }): GateSummary {
  const checks = outcomes.flatMap((o) => o.checks);
  const passed = checks.filter((c) => c.ok).length;
  const failed = checks.length - passed;
  const errors = outcomes.filter((o) => o.error !== undefined).length;
  return {
    version: GATE_SUMMARY_VERSION,
    startedAt: meta.startedAt.toISOString(),
    wallMs: meta.wallMs,
    target: meta.target,
    failOnSelfCheck: meta.failOnSelfCheck,
    scenarios: outcomes,
    passed,
    failed,
    errors,
    exitCode: errors > 0 ? EXIT_RUNTIME : failed > 0 ? EXIT_CHECK_FAILED : EXIT_OK,
  };
}

/** One line per failure, each naming scenario, mode, metric, bound and measured value. */
export function failureLines(summary: GateSummary): string[] {
  return summary.scenarios.flatMap((o) => [
    ...(o.error !== undefined ? [`ERROR ${o.scenario}: the run failed: ${o.error}`] : []),
    ...o.checks.filter((c) => !c.ok).map((c) => `FAIL  ${o.scenario} ${c.mode}: ${c.metric} = ${formatValue(c.actual)}, expected ${c.expected}`),
  ]);
}

export function formatValue(value: CheckResult['actual']): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(Math.round(value * 1000) / 1000) : 'not measured';
  return String(value);
}
