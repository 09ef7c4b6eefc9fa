// The README's CI recipe (README.md#the-ci-gate-npm-run-gate) must pass on a healthy tree on a busy machine: a run
// whose modes the self-check flagged, with every check passed or inconclusive, exits 0 with the recipe's flags. The
// flags are read from the README's workflow, so the recipe and this test cannot drift apart.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gateCommand } from '../../scripts/cli/gateCommand.ts';
import { outcomeOf, summarize } from '../../scripts/gate/summary.ts';
import type { CheckResult, ScenarioResults } from '../../scripts/runner/results.ts';

const README = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

/** The arguments of the workflow's `- run: npm run gate ...` step. */
function recipeArgs(): string[] {
  const line = /^\s*- run: npm run gate(?: -- (.*))?$/m.exec(README);
  if (!line) throw new Error('README.md has no "- run: npm run gate" step');
  return (line[1] ?? '').split(/\s+/).filter(Boolean);
}

const check = (status: CheckResult['status']): CheckResult => ({ mode: 'l7', metric: 'p99Ms', actual: 150, expected: '<= 100', ok: status !== 'fail', status });
/** A healthy tree on a busy machine: the self-check flagged a mode, a latency check was inconclusive, nothing failed. */
const busyButHealthy = {
  modes: [{ mode: 'l7', selfCheck: { clean: false, warnings: ['other programs used 54 % of the machine'] } }],
  checks: [check('pass'), check('inconclusive')],
  wallMs: 1,
  seed: 1,
} as unknown as ScenarioResults;

describe("the README's CI recipe", () => {
  it('uses only flags the gate knows', () => {
    const known = gateCommand().options.map((o) => o.long);
    expect(recipeArgs().filter((a) => a.startsWith('--') && !known.includes(a))).toEqual([]);
  });

  it('passes a healthy tree on a machine busy enough for the self-check to flag a mode', () => {
    const args = recipeArgs();
    const flags = { failOnSelfCheck: args.includes('--fail-on-self-check'), failOnInconclusive: args.includes('--fail-on-inconclusive') };
    const entry = { name: 'hot', file: 'scenarios/hot.yaml', durationMs: 1000, shortened: false };
    const summary = summarize([outcomeOf(entry, { results: busyButHealthy }, flags)], { startedAt: new Date(0), wallMs: 1, target: 'local', ...flags });
    expect(summary.exitCode).toBe(0);
  });
});
