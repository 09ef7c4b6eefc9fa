// The gate's JUnit XML (results/gate-<time>.junit.xml), for CI systems that show test reports: one <testsuite> per
// scenario, one <testcase> per check (classname `<scenario>.<mode>`, name the metric), a <failure> with bound and
// measured value for a failed check, an <error> for a run that could not be completed, and a <skipped message="...">
// for a check that is inconclusive (a latency the machine limited) or not applicable (a mode that did not run), the
// message saying which and why: CI report viewers show skipped tests as neither passed nor failed. Built with
// junit-report-builder, which escapes and counts; it writes <skipped/> without a message, so the messages are added
// to those elements afterwards, in the order the test cases were built.
import junitReportBuilder, { type Builder } from 'junit-report-builder';
import { formatValue, statusOf, type GateSummary } from './summary.ts';

// The package's types declare an ES default export; its CommonJS build (what Node loads) exports the builder itself.
const builder = junitReportBuilder as unknown as Builder;

export function renderJUnit(summary: GateSummary): string {
  const report = builder.newBuilder().name('apiserver-l7-testbed gate');
  const skipMessages: string[] = [];
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
      const status = statusOf(check);
      const measured = `${check.metric} = ${formatValue(check.actual)}, expected ${check.expected}`;
      if (status === 'fail') testCase.failure(measured);
      if (status === 'inconclusive' || status === 'not-applicable') {
        testCase.skipped();
        skipMessages.push(`${status}: ${measured}${check.reason ? `: ${check.reason}` : ''}`);
      }
    }
  }
  let next = 0;
  return report.build().replace(/<skipped\/>/g, () => `<skipped message="${escapeAttribute(skipMessages[next++] ?? '')}"/>`);
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}
