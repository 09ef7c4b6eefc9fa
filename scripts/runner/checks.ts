// Evaluates a scenario's `expect:` block against the measured results (docs/results.md#expectations). Every
// expectation gives one check with the measured value; a value that could not be measured (NaN, a missing event or
// priority level) fails its check rather than passing silently. Two outcomes besides pass and fail
// (docs/scenarios.md#inconclusive-and-not-applicable): a check whose outcome the machine could have decided is
// `inconclusive`: one that failed in a mode the self-check says the machine limited (unless it is exact), and a
// latency check that passed there because the lag lifted a latency it needed high; a relative bound that reads a mode
// which did not run (`--modes`) is `not-applicable`. Neither fails a run. `npm run scenario` prints the checks and
// exits 1 when one fails; `npm run gate` builds on the same checks.
import { boundRefs, holds, parseRelativeBound, type MetricRef } from '../../scenarios/relativeBound.ts';
import type { Expect, Expectations } from '../../scenarios/schema.ts';
import { GROUP_METRICS, LATENCY_METRICS, RANGE_METRICS, type GroupMetric, type RangeMetric } from '../../scenarios/vocabulary.ts';
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
  /** The most uneven neighbour control plane: the highest max/mean over each neighbour's replicas (NaN without any). */
  neighbourMaxOverMean: (r) => (r.neighbours?.length ? Math.max(...r.neighbours.map((n) => n.fairness.maxOverMean)) : NaN),
  /** The most upstream connections any replica had from the gateway pods together at the end (NaN without gateway pods). */
  gatewayUpstreamPerReplica: (r) => r.gatewayAccounting?.upstreamPerReplicaMax ?? NaN,
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

/** A check before the machine is taken into account. */
type Judged = Omit<CheckResult, 'ok' | 'status' | 'reason'> & { passed: boolean };

/**
 * A latency a check read, in a mode, and where a higher value pushes the check: the simulator's own lag only ever
 * adds latency, so in a mode the self-check says the machine limited, an outcome in that direction is not evidence.
 */
interface LatencyInput {
  mode: ModeResult;
  higherTowards: 'pass' | 'fail';
}

const isLatency = (metric: string) => (LATENCY_METRICS as readonly string[]).includes(metric);

/** For a range on a latency: a max is failed by a higher value, a min passed by it. */
function rangeInputs(metric: string, range: Range, mode: ModeResult): LatencyInput[] {
  if (!isLatency(metric)) return [];
  return [
    ...(range.max !== undefined ? [{ mode, higherTowards: 'fail' as const }] : []),
    ...(range.min !== undefined ? [{ mode, higherTowards: 'pass' as const }] : []),
  ];
}

/** What a check read: the modes, the latencies among them, and whether it is exact (timing cannot move it). */
interface Reads {
  modes: ModeResult[];
  latencies?: LatencyInput[];
  /** Counted exactly whatever the machine did (conservation, identities, rejected pods, applied events). */
  exact?: boolean;
}

const limited = (mode: ModeResult) => !mode.selfCheck.clean;
const EXACT: Reads = { modes: [], exact: true };

/**
 * pass or fail, or inconclusive where the machine could have decided it. A latency check, in a mode the self-check
 * says the machine limited, when the lag pushed it the way it went (it only ever adds latency: an upper bound that
 * failed, a lower bound or a relative bound's baseline that it lifted). Any other check that failed there, unless it
 * is exact: the lag slows the replicas, so requests queue and client-go opens more connections than the scenario's
 * clients would (a result counts only while the simulator was not the bottleneck).
 */
function verdict(judged: Judged, reads: Reads = { modes: [] }): CheckResult {
  const { passed, ...check } = judged;
  const measured = typeof check.actual !== 'number' || Number.isFinite(check.actual);
  const judge = { ...check, ok: passed, status: passed ? ('pass' as const) : ('fail' as const) };
  if (!measured) return judge;
  const latencyDecisive = (reads.latencies ?? []).filter((l) => limited(l.mode) && l.higherTowards === (passed ? 'pass' : 'fail')).map((l) => l.mode);
  // A latency check is judged by the direction the lag pushes it; any other failed one where the machine limited.
  const latencyCheck = (reads.latencies ?? []).length > 0;
  const failedWhereLimited = !passed && !reads.exact && !latencyCheck ? reads.modes.filter(limited) : [];
  const decisive = [...new Set([...latencyDecisive, ...failedWhereLimited])];
  if (decisive.length === 0) return judge;
  const modes = decisive.map((m) => `${m.mode} (${warningSummary(m.selfCheck.warnings)})`).join(' and ');
  const effect =
    latencyDecisive.length > 0
      ? "the simulator's lag adds to every latency there"
      : 'its lag slows the replicas there, so requests queue and client-go opens more connections than the scenario asks for';
  return {
    ...check,
    ok: true,
    status: 'inconclusive',
    reason: `it would have ${passed ? 'passed' : 'failed'}, but the self-check says the machine limited ${modes}: ${effect}`,
  };
}

/** The self-check's warnings without their effect text ("apiserver event loop p99 211 ms"), at most three. */
function warningSummary(warnings: string[]): string {
  const what = warnings.map((w) => w.split(': ')[0]!);
  return what.length > 3 ? `${what.slice(0, 3).join('; ')}; ${what.length - 3} more` : what.join('; ');
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
    const reads = { modes: [result], latencies: rangeInputs(metric, range, result), exact: metric === 'rejectedPods' };
    checks.push(verdict({ mode, metric, actual, expected: rangeText(range), passed: inRange(actual, range) }, reads));
  }
  if (expectations.conservation !== undefined) {
    const c = result.conservation;
    checks.push(
      verdict(
        {
          mode,
          metric: 'conservation',
          actual: c.ok,
          expected: expectations.conservation ? 'every answered request counted by exactly one replica' : 'conservation broken',
          passed: c.ok === expectations.conservation,
        },
        EXACT,
      ),
    );
  }
  for (const [event, bound] of Object.entries(expectations.convergenceSeconds ?? {})) {
    const found = result.convergence.find((c) => c.event === event);
    const actual = found === undefined ? 'no such event' : found.seconds;
    const passed = bound === 'never' ? actual === 'never' : typeof actual === 'number' && inRange(actual, bound);
    checks.push(
      verdict({ mode, metric: `convergenceSeconds[${event}]`, actual, expected: bound === 'never' ? 'never' : rangeText(bound), passed }, { modes: [result] }),
    );
  }
  for (const [level, range] of Object.entries(expectations.priorityLevelRejections ?? {})) {
    const counts = result.replicas.map((r) => r.apf?.priorityLevels[level]);
    const actual = counts.some((c) => c !== undefined) ? sum(counts.map((c) => (c ? sum(Object.values(c.rejected)) : 0))) : NaN;
    checks.push(
      verdict({ mode, metric: `priorityLevelRejections[${level}]`, actual, expected: rangeText(range), passed: inRange(actual, range) }, { modes: [result] }),
    );
  }
  for (const [group, username] of Object.entries(expectations.identity ?? {})) {
    const identities = result.clients.find((c) => c.group === group)?.identities ?? [];
    checks.push(
      verdict(
        {
          mode,
          metric: `identity[${group}]`,
          actual: identities.length > 0 ? identities.join(', ') : 'no identity reported',
          expected: `every pod authenticated as ${username}`,
          passed: identities.length === 1 && identities[0] === username,
        },
        EXACT,
      ),
    );
  }
  for (const [group, bounds] of Object.entries(expectations.groups ?? {})) {
    for (const metric of GROUP_METRICS) {
      const range = bounds[metric];
      if (!range) continue;
      const actual = groupValue(result, group, metric);
      checks.push(
        verdict(
          { mode, metric: `groups[${group}].${metric}`, actual, expected: rangeText(range), passed: inRange(actual, range) },
          { modes: [result], latencies: rangeInputs(metric, range, result) },
        ),
      );
    }
  }
  if (expectations.selfCheckClean !== undefined) {
    const clean = result.selfCheck.clean;
    checks.push(
      verdict(
        {
          mode,
          metric: 'selfCheckClean',
          actual: clean ? true : result.selfCheck.warnings.join('; '),
          expected: expectations.selfCheckClean ? 'the simulator was not the bottleneck' : 'self-check warnings',
          passed: clean === expectations.selfCheckClean,
        },
        EXACT,
      ),
    );
  }
  return checks;
}

function groupValue(result: ModeResult, group: string, metric: GroupMetric): number {
  const found = result.clients.find((c) => c.group === group);
  return found ? GROUP_METRIC_VALUE[metric](found) : NaN;
}

/** A timeline event that could not be applied fails the run: what it was meant to show did not happen. */
function eventChecks(result: ModeResult): CheckResult[] {
  return result.timeline.events
    .filter((event) => event.error !== undefined)
    .map((event) => verdict({ mode: result.mode, metric: `event[${event.name}]`, actual: event.error!, expected: 'applied', passed: false }, EXACT));
}

function compareCheck(text: string, results: ModeResult[]): CheckResult {
  const bound = parseRelativeBound(text);
  const resultOf = (ref: MetricRef) => results.find((r) => r.mode === ref.mode);
  const notRun = [
    ...new Set(
      boundRefs(bound)
        .filter((ref) => !resultOf(ref))
        .map((ref) => ref.mode),
    ),
  ];
  if (notRun.length > 0) {
    const left = resultOf(bound.left);
    return {
      mode: 'compare',
      metric: text,
      actual: left ? valueOf(bound.left, left) : `${bound.left.mode} not run`,
      expected: `${bound.op} n/a`,
      ok: true,
      status: 'not-applicable',
      reason: `it compares with ${notRun.join(' and ')}, which did not run (this run: ${results.map((r) => r.mode).join(', ') || 'no mode'})`,
    };
  }
  const left = valueOf(bound.left, resultOf(bound.left)!);
  const rightRef = bound.right.ref;
  const right = bound.right.factor * (rightRef ? valueOf(rightRef, resultOf(rightRef)!) : 0) + bound.right.offset;
  const measured = Number.isFinite(left) && Number.isFinite(right);
  const below = bound.op === '<=' || bound.op === '<';
  const latencies: LatencyInput[] = [
    ...(isLatency(bound.left.metric) ? [{ mode: resultOf(bound.left)!, higherTowards: below ? ('fail' as const) : ('pass' as const) }] : []),
    ...(rightRef && isLatency(rightRef.metric) ? [{ mode: resultOf(rightRef)!, higherTowards: below ? ('pass' as const) : ('fail' as const) }] : []),
  ];
  return verdict(
    {
      mode: 'compare',
      metric: text,
      actual: left,
      expected: `${bound.op} ${measured ? round(right) : 'not measured'}`,
      passed: measured && holds(left, bound.op, right),
    },
    { modes: [...new Set([resultOf(bound.left)!, ...(rightRef ? [resultOf(rightRef)!] : [])])], latencies: measured ? latencies : [] },
  );
}

function valueOf(ref: MetricRef, result: ModeResult): number {
  return ref.group !== undefined ? groupValue(result, ref.group, ref.metric) : METRIC_VALUE[ref.metric](result);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
