// `npm run compare -- <a.json> <b.json> [--fail-on <expr>...] [--json]`: what differs between two runs of the same
// scenario, per mode (docs/report.md#compare). Exit codes: 0 no threshold exceeded, 1 a --fail-on threshold was
// exceeded, 2 bad input (a file that is not a results file, runs of different scenarios, a malformed threshold).
import { Command } from 'commander';
import Table from 'cli-table3';
import {
  compareResults,
  evaluateThresholds,
  formatDelta,
  formatOutcome,
  formatValue,
  METRICS,
  parseThreshold,
  THRESHOLD_SYNTAX,
  ThresholdSyntaxError,
  type Comparison,
  type Threshold,
  type ThresholdOutcome,
} from './compare.ts';
import { loadResultsFile, ResultsError } from './load.ts';
import { EXIT_BAD_INPUT, EXIT_CHECK_FAILED } from '../core/exitCodes.ts';

export function compareCommand(): Command {
  return new Command('compare')
    .description('compare two runs of the same scenario: fairness, latency and errors per mode')
    .argument('<a.json>', 'the baseline results file')
    .argument('<b.json>', 'the results file to compare with it')
    .option('--fail-on <expr...>', `exit 1 when a metric regresses beyond a bound: ${THRESHOLD_SYNTAX} (repeatable)`)
    .option('--json', 'print the comparison as JSON (nothing else on stdout)')
    .addHelpText(
      'after',
      `\nmetrics: ${Object.entries(METRICS)
        .map(([name, def]) => `\n  ${name.padEnd(22)} ${def.what} (${def.better} is better)`)
        .join(
          '',
        )}\n\n+ fails on an increase beyond the bound, - on a decrease; % is relative to run a, otherwise absolute\n(errorRate and hottestShare are fractions: errorRate:+0.01 allows one percentage point). See docs/report.md.`,
    )
    .action((fileA: string, fileB: string, opts: { failOn?: string[]; json?: boolean }) => {
      let thresholds: Threshold[];
      let comparison: Comparison;
      try {
        thresholds = (opts.failOn ?? []).map(parseThreshold);
        comparison = compareResults(loadResultsFile(fileA), loadResultsFile(fileB), { a: fileA, b: fileB });
      } catch (error) {
        if (!(error instanceof ResultsError || error instanceof ThresholdSyntaxError)) throw error;
        console.error(`compare: ${error.message}`);
        process.exitCode = EXIT_BAD_INPUT;
        return;
      }
      const outcomes = evaluateThresholds(comparison, thresholds);
      const ok = outcomes.every((o) => o.ok);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ ...comparison, thresholds: outcomes, ok }, null, 2)}\n`);
      } else {
        process.stdout.write(`${formatComparisonText(comparison, outcomes, process.stdout.isTTY === true)}\n`);
      }
      if (!ok) process.exitCode = EXIT_CHECK_FAILED; // a --fail-on bound is an expectation
    });
}

export function formatComparisonText(c: Comparison, outcomes: ThresholdOutcome[], tty: boolean): string {
  const lines = [
    `compare ${c.scenario}:`,
    `  a = ${c.a.source} (${c.a.startedAt}, seed ${c.a.seed}, schema v${c.a.schemaVersion})`,
    `  b = ${c.b.source} (${c.b.startedAt}, seed ${c.b.seed}, schema v${c.b.schemaVersion})`,
  ];
  for (const note of c.notes) lines.push(`note: ${note}`);
  if (c.onlyInA.length) lines.push(`note: modes only in a: ${c.onlyInA.join(', ')}`);
  if (c.onlyInB.length) lines.push(`note: modes only in b: ${c.onlyInB.join(', ')}`);
  const modeWidth = Math.max(...c.modes.map((m) => m.length));
  for (const mode of c.modes) {
    const rows = c.rows.filter((r) => r.mode === mode);
    lines.push('');
    if (tty) {
      const t = new Table({
        head: [`mode ${mode}`, 'a', 'b', 'change', ''],
        style: { head: [], border: [] },
        colAligns: ['left', 'right', 'right', 'right', 'left'],
      });
      t.push(...rows.map((r) => [METRICS[r.metric]!.label, formatValue(r.metric, r.a), formatValue(r.metric, r.b), formatDelta(r), verdictText(r.verdict)]));
      lines.push(t.toString());
    } else {
      const label = Math.max(...rows.map((r) => METRICS[r.metric]!.label.length));
      for (const r of rows) {
        lines.push(
          `${mode.padEnd(modeWidth)}  ${METRICS[r.metric]!.label.padEnd(label)}  ${formatValue(r.metric, r.a).padStart(9)} → ${formatValue(r.metric, r.b).padStart(9)}  ${formatDelta(r)}${r.verdict === 'worse' || r.verdict === 'better' ? `  ${r.verdict}` : ''}`,
        );
      }
    }
  }
  lines.push('', `(changes under 5% get no verdict; client latencies are exact, replica p99 is a histogram estimate)`);
  if (outcomes.length) {
    lines.push('', 'thresholds:');
    for (const o of outcomes) lines.push(`  ${formatOutcome(o)}`);
    const failed = outcomes.filter((o) => !o.ok).length;
    lines.push(failed ? `${failed} threshold check(s) failed` : 'every threshold held');
  }
  return lines.join('\n');
}

function verdictText(v: string): string {
  return v === 'worse' ? '▲ worse' : v === 'better' ? '▼ better' : '';
}
