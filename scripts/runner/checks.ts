// Evaluates a scenario's `expect:` block against the measured results (docs/results.md#expectations). Every
// expectation gives one check with the measured value; a value that could not be measured (NaN, a missing event or
// priority level, a mode that was not run) fails its check rather than passing silently. `npm run scenario` prints
// the checks and exits 1 when one fails; `npm run gate` builds on the same checks.
import { holds, parseRelativeBound, type MetricRef } from '../../scenarios/relativeBound.ts';
import type { Expect, Expectations } from '../../scenarios/schema.ts';
import { GROUP_METRICS, RANGE_METRICS, type GroupMetric, type RangeMetric } from '../../scenarios/vocabulary.ts';
import type { CheckResult, ClientGroupResult, ModeResult } from './results.ts';

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** What each range metric means, read off a mode's result. */
export const METRIC_VALUE: Record<RangeMetric, (r: ModeResult) => number> = {
  maxOverMean: (r) => r.fairness.maxOverMean,
  minOverMean: (r) => r.fairness.minOverMean,
  hottestShare: (r) => r.hottestShare,
  jain: (r) => r.fairness.jain,
  cov: (r) => r.fairness.cov,
  perSecondMaxOverMean: (r) => r.perSecondMaxOverMean,
  finalMaxOverMean: (r) => r.finalFairness.maxOverMean,
  finalMinOverMean: (r) => r.finalFairness.minOverMean,
  p50Ms: (r) => r.latency.p50Ms,
  p99Ms: (r) => r.latency.p99Ms,
  errorRate: (r) => r.errorRate,
  /** Share of the requests the replicas answered that were 429s. */
  tooManyRequestsRate: (r) => ratio(sum(r.replicas.map((x) => x.tooManyRequests)), sum(r.replicas.map((x) => x.requests))),
  /** Retried attempts per attempt. */
  retriedRate: (r) => ratio(r.failures.retried, sum(r.clients.map((c) => c.attempts))),
  rejectedPods: (r) => r.rejectedPods.length,
  /** Most client connections the replicas had open at once (all replicas, per bucket), where the target can see them. */
  openConnectionsPeak: (r) => openConnectionsPeak(r),
};

/** What each group metric means, read off a client group's result. */
export const GROUP_METRIC_VALUE: Record<GroupMetric, (g: ClientGroupResult) => number> = {
  p50Ms: (g) => g.latency.p50Ms,
  p99Ms: (g) => g.latency.p99Ms,
  /** Attempts that got no apiserver answer (transport errors and gateway-made replies) per attempt. */
  errorRate: (g) => ratio(sum(Object.values(g.errors)) + g.gatewayResponses, g.attempts),
  tooManyRequestsRate: (g) => ratio(g.answeredByCode['429'] ?? 0, g.answered),
  answered: (g) => g.answered,
};

function openConnectionsPeak(r: ModeResult): number {
  const series = Object.values(r.timeline.replicas).map((x) => x.openConnections);
  const buckets = Math.max(0, ...series.map((s) => s.length));
  let peak = NaN;
  for (let b = 0; b < buckets; b++) {
    const total = series.reduce((sum, s) => sum + (s[b] ?? 0), 0);
    if (Number.isFinite(total)) peak = Number.isFinite(peak) ? Math.max(peak, total) : total;
  }
  return peak;
}

function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

interface Range {
  min?: number;
  max?: number;
}

function rangeText(range: Range): string {
  return [range.min !== undefined ? `>= ${range.min}` : '', range.max !== undefined ? `<= ${range.max}` : ''].filter(Boolean).join(' and ');
}

function inRange(actual: number, range: Range): boolean {
  return Number.isFinite(actual) && (range.min === undefined || actual >= range.min) && (range.max === undefined || actual <= range.max);
}

export function evaluateChecks(expect: Expect, results: ModeResult[]): CheckResult[] {
  const checks: CheckResult[] = [];
  for (const result of results) {
    const expectations = expect[result.mode];
    if (expectations) checks.push(...modeChecks(result, expectations));
    checks.push(...eventChecks(result));
  }
  for (const text of expect.compare) checks.push(compareCheck(text, results));
  return checks;
}

function modeChecks(result: ModeResult, expectations: Expectations): CheckResult[] {
  const checks: CheckResult[] = [];
  const mode = result.mode;
  for (const metric of RANGE_METRICS) {
    const range = expectations[metric];
    if (!range) continue;
    const actual = METRIC_VALUE[metric](result);
    checks.push({ mode, metric, actual, expected: rangeText(range), ok: inRange(actual, range) });
  }
  if (expectations.conservation !== undefined) {
    const c = result.conservation;
    checks.push({
      mode,
      metric: 'conservation',
      actual: c.ok,
      expected: expectations.conservation ? 'every answered request counted by exactly one replica' : 'conservation broken',
      ok: c.ok === expectations.conservation,
    });
  }
  for (const [event, bound] of Object.entries(expectations.convergenceSeconds ?? {})) {
    const found = result.convergence.find((c) => c.event === event);
    const actual = found === undefined ? 'no such event' : found.seconds;
    const ok = bound === 'never' ? actual === 'never' : typeof actual === 'number' && inRange(actual, bound);
    checks.push({ mode, metric: `convergenceSeconds[${event}]`, actual, expected: bound === 'never' ? 'never' : rangeText(bound), ok });
  }
  for (const [level, range] of Object.entries(expectations.priorityLevelRejections ?? {})) {
    const counts = result.replicas.map((r) => r.apf?.priorityLevels[level]);
    const actual = counts.some((c) => c !== undefined) ? sum(counts.map((c) => (c ? sum(Object.values(c.rejected)) : 0))) : NaN;
    checks.push({ mode, metric: `priorityLevelRejections[${level}]`, actual, expected: rangeText(range), ok: inRange(actual, range) });
  }
  for (const [group, username] of Object.entries(expectations.identity ?? {})) {
    const identities = result.clients.find((c) => c.group === group)?.identities ?? [];
    checks.push({
      mode,
      metric: `identity[${group}]`,
      actual: identities.length > 0 ? identities.join(', ') : 'no identity reported',
      expected: `every pod authenticated as ${username}`,
      ok: identities.length === 1 && identities[0] === username,
    });
  }
  for (const [group, bounds] of Object.entries(expectations.groups ?? {})) {
    const found = result.clients.find((c) => c.group === group);
    for (const metric of GROUP_METRICS) {
      const range = bounds[metric];
      if (!range) continue;
      const actual = found ? GROUP_METRIC_VALUE[metric](found) : NaN;
      checks.push({ mode, metric: `groups[${group}].${metric}`, actual, expected: rangeText(range), ok: inRange(actual, range) });
    }
  }
  if (expectations.selfCheckClean !== undefined) {
    const clean = result.selfCheck.clean;
    checks.push({
      mode,
      metric: 'selfCheckClean',
      actual: clean ? true : result.selfCheck.warnings.join('; '),
      expected: expectations.selfCheckClean ? 'the simulator was not the bottleneck' : 'self-check warnings',
      ok: clean === expectations.selfCheckClean,
    });
  }
  return checks;
}

/** A timeline event that could not be applied fails the run: what it was meant to show did not happen. */
function eventChecks(result: ModeResult): CheckResult[] {
  return result.timeline.events
    .filter((event) => event.error !== undefined)
    .map((event) => ({ mode: result.mode, metric: `event[${event.name}]`, actual: event.error!, expected: 'applied', ok: false }));
}

function compareCheck(text: string, results: ModeResult[]): CheckResult {
  const bound = parseRelativeBound(text);
  const value = (ref: MetricRef) => {
    const result = results.find((r) => r.mode === ref.mode);
    return result ? METRIC_VALUE[ref.metric](result) : NaN;
  };
  const left = value(bound.left);
  const right = bound.right.factor * (bound.right.ref ? value(bound.right.ref) : 0) + bound.right.offset;
  const ok = Number.isFinite(left) && Number.isFinite(right) && holds(left, bound.op, right);
  return { mode: 'compare', metric: text, actual: left, expected: `${bound.op} ${Number.isFinite(right) ? round(right) : 'n/a (a mode was not run)'}`, ok };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
