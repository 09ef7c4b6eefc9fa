// The gate's JUnit XML (results/gate-<time>.junit.xml), for CI systems that show test reports: one <testsuite> per
// scenario, one <testcase> per check (classname `<scenario>.<mode>`, name the metric), a <failure> with bound and
// measured value for a failed check, an <error> for a run that could not be completed. Built with
// junit-report-builder, which escapes and counts.
import junitReportBuilder, { type Builder } from 'junit-report-builder';
import { formatValue, type GateSummary } from './summary.ts';

// The package's types declare an ES default export; its CommonJS build (what Node loads) exports the builder itself.
const builder = junitReportBuilder as unknown as Builder;

export function renderJUnit(summary: GateSummary): string {
  const report = builder.newBuilder().name('apiserver-l7-testbed gate');
  for (const outcome of summary.scenarios) {
    const suite = report
      .testSuite()
      .name(outcome.scenario)
      .time(outcome.wallMs / 1000)
      .property('file', outcome.file)
      .property('durationMs', String(outcome.durationMs));
    if (outcome.seed !== undefined) suite.property('seed', String(outcome.seed));
    // Self-check warnings are information unless --fail-on-self-check made them failing checks.
    suite.property('selfCheck', outcome.selfCheckWarnings.map((w) => `${w.mode}: ${w.warning}`).join('; ') || 'clean');
    if (outcome.error !== undefined) {
      suite.testCase().className(outcome.scenario).name('run').error(outcome.error);
      continue;
    }
    for (const check of outcome.checks) {
      const testCase = suite.testCase().className(`${outcome.scenario}.${check.mode}`).name(check.metric);
      if (!check.ok) testCase.failure(`${check.metric} = ${formatValue(check.actual)}, expected ${check.expected}`);
    }
  }
  return report.build();
}
