// Wall time of the default gate suite (docs/performance.md#scenario-wall-time): the scenarios `npm run gate` runs
// (scripts/gate/suite.ts selectGateSuite: every scenario with gate.include, each with its gate.duration), run the way
// scripts/cli/gateCommand.ts runs them (runScenario on the local target, one fresh cluster per mode), timed per
// scenario and in total, with each scenario's checks and self-check warnings. Nothing is written under results/ but
// the bench's own JSON.
import path from 'node:path';
import { selectGateSuite } from '../gate/suite.ts';
import { onInterrupt } from '../runner/interrupts.ts';
import { runScenario } from '../runner/runScenario.ts';
import { localTarget } from '../targets/local/localTarget.ts';

export interface GateScenarioTime {
  scenario: string;
  modes: number;
  loadPhaseMsPerMode: number;
  wallMs: number;
  checksPassed: number;
  checksFailed: number;
  selfCheckWarnings: number;
  error?: string;
}

export interface GateBenchResult {
  what: string;
  scenarios: GateScenarioTime[];
  totalWallMs: number;
  excluded: string[];
}

export async function runGateBench(options: { log?: (m: string) => void; names?: string[] } = {}): Promise<GateBenchResult> {
  const log = options.log ?? (() => undefined);
  const selection = selectGateSuite(options.names ?? []);
  if (selection.problems.length > 0) throw new Error(`gate suite: ${selection.problems.join('; ')}`);
  const started = performance.now();
  const scenarios: GateScenarioTime[] = [];
  for (const entry of selection.entries) {
    const t0 = performance.now();
    const row: GateScenarioTime = {
      scenario: entry.name,
      modes: entry.scenario.modes.length,
      loadPhaseMsPerMode: entry.durationMs,
      wallMs: NaN,
      checksPassed: 0,
      checksFailed: 0,
      selfCheckWarnings: 0,
    };
    try {
      const results = await runScenario({
        scenario: entry.scenario,
        file: path.relative(process.cwd(), entry.file),
        target: localTarget,
        registerCleanup: onInterrupt,
      });
      row.checksPassed = results.checks.filter((c) => c.ok).length;
      row.checksFailed = results.checks.length - row.checksPassed;
      row.selfCheckWarnings = results.modes.reduce((s, m) => s + m.selfCheck.warnings.length, 0);
    } catch (error) {
      row.error = (error as Error).message;
    }
    row.wallMs = Math.round(performance.now() - t0);
    scenarios.push(row);
    log(
      `gate ${entry.name}: ${(row.wallMs / 1000).toFixed(1)} s, ${row.checksPassed} checks passed, ${row.checksFailed} failed, ${row.selfCheckWarnings} self-check warnings${row.error ? `, ERROR ${row.error}` : ''}`,
    );
  }
  return {
    what: 'the default gate suite (every scenario with gate.include, at its gate.duration) on the local target, as npm run gate runs it',
    scenarios,
    totalWallMs: Math.round(performance.now() - started),
    excluded: selection.excluded,
  };
}
