// What differs between two runs of the same scenario (docs/report.md#compare): fairness, latency and errors per mode,
// and `--fail-on` thresholds that turn a regression beyond a bound into a failure. Pure functions: the CLI
// (./compareCommand.ts) only loads files, prints and sets the exit code.
//
// Threshold syntax: <metric>[@<mode>[,<mode>...]]:<+|-><bound>[%]
//   + fails when the metric rose by more than the bound from run a to run b, - when it fell by more;
//   % makes the bound relative to run a's value, otherwise it is absolute, in the metric's unit.
//   maxOverMean:+10%   p99Ms@l7:+20%   errorRate:+0.01   jain:-0.05   tooManyRequests@direct,goaway:+0
import { isNum } from './html.ts';
import { ResultsError, type ReportMode, type ReportResults } from './load.ts';
import { EXIT_BAD_INPUT } from '../core/exitCodes.ts';

export type Better = 'lower' | 'higher';

export interface MetricDefinition {
  label: string;
  unit: string;
  better: Better;
  what: string;
  get(mode: ReportMode): number;
}

const sumOf = (values: number[]) => values.reduce((a, b) => a + (isNum(b) ? b : 0), 0);
const maxOf = (values: number[]) => {
  const finite = values.filter(isNum);
  return finite.length ? Math.max(...finite) : NaN;
};

/** Every metric compare shows and --fail-on accepts, in display order. */
export const METRICS: Record<string, MetricDefinition> = {
  maxOverMean: { label: 'max/mean', unit: '', better: 'lower', what: 'requests of the busiest replica / mean', get: (m) => m.fairness.maxOverMean },
  minOverMean: { label: 'min/mean', unit: '', better: 'higher', what: 'requests of the idlest replica / mean', get: (m) => m.fairness.minOverMean },
  jain: { label: 'Jain', unit: '', better: 'higher', what: "Jain's fairness index 1/(1+CoV²)", get: (m) => m.fairness.jain },
  cov: { label: 'CoV', unit: '', better: 'lower', what: 'coefficient of variation of requests per replica', get: (m) => m.fairness.cov },
  perSecondMaxOverMean: {
    label: 'per-second max/mean',
    unit: '',
    better: 'lower',
    what: 'mean over 1 s buckets of max/mean',
    get: (m) => m.perSecondMaxOverMean,
  },
  hottestShare: {
    label: 'hottest share',
    unit: '',
    better: 'lower',
    what: "the busiest replica's share of all requests",
    get: (m) => (isNum(m.hottestShare) ? m.hottestShare : maxOf(m.replicas.map((r) => r.share))),
  },
  p50Ms: { label: 'client p50', unit: 'ms', better: 'lower', what: 'client latency p50 (exact, from the intended send time)', get: (m) => m.latency.p50Ms },
  p90Ms: { label: 'client p90', unit: 'ms', better: 'lower', what: 'client latency p90', get: (m) => m.latency.p90Ms },
  p99Ms: { label: 'client p99', unit: 'ms', better: 'lower', what: 'client latency p99', get: (m) => m.latency.p99Ms },
  p999Ms: { label: 'client p99.9', unit: 'ms', better: 'lower', what: 'client latency p99.9', get: (m) => m.latency.p999Ms },
  maxMs: { label: 'client max', unit: 'ms', better: 'lower', what: 'client latency max', get: (m) => m.latency.maxMs },
  replicaP99Ms: {
    label: 'replica p99 (max, est.)',
    unit: 'ms',
    better: 'lower',
    what: 'highest per-replica p99 (histogram_quantile estimate)',
    get: (m) => maxOf(m.replicas.map((r) => r.p99Ms)),
  },
  errorRate: { label: 'error rate', unit: '', better: 'lower', what: '(transport errors + gateway-made responses) / attempts', get: (m) => m.errorRate },
  tooManyRequests: {
    label: '429s',
    unit: '',
    better: 'lower',
    what: '429s counted by the replicas',
    get: (m) => sumOf(m.replicas.map((r) => r.tooManyRequests)),
  },
  finallyFailed: {
    label: 'failed after retries',
    unit: '',
    better: 'lower',
    what: 'requests that failed after every retry (schema v2)',
    get: (m) => (m.failures ? m.failures.finallyFailed : NaN),
  },
  requestsPerSecond: {
    label: 'req/s (all replicas)',
    unit: '',
    better: 'higher',
    what: 'requests counted by the replicas per second of load phase',
    get: (m) => (isNum(m.loadPhaseMs) && m.loadPhaseMs > 0 ? m.fairness.total / (m.loadPhaseMs / 1000) : NaN),
  },
};

export const METRIC_NAMES = Object.keys(METRICS);

/** A change smaller than this (relative) is shown without a verdict. */
export const VERDICT_MIN_RELATIVE = 0.05;

export interface MetricDiff {
  mode: string;
  metric: string;
  a: number;
  b: number;
  /** b − a (NaN when either is missing). */
  delta: number;
  /** (b − a) / |a|; ±Infinity when a is 0 and b is not; 0 when both are 0. */
  relative: number;
  verdict: 'better' | 'worse' | 'same' | 'n/a';
}

export interface RunSummary {
  source: string;
  startedAt: string;
  seed: number;
  schemaVersion: number;
  toolVersion: string;
}

export interface Comparison {
  scenario: string;
  a: RunSummary;
  b: RunSummary;
  /** Modes present in both runs, in run a's order. */
  modes: string[];
  onlyInA: string[];
  onlyInB: string[];
  rows: MetricDiff[];
  /** Differences in how the runs were made (seed, duration, machine, versions): context for reading the deltas. */
  notes: string[];
}

export function relativeChange(a: number, b: number): number {
  if (!isNum(a) || !isNum(b)) return NaN;
  if (a === 0) return b === 0 ? 0 : b > 0 ? Infinity : -Infinity;
  return (b - a) / Math.abs(a);
}

function verdictOf(def: MetricDefinition, a: number, b: number): MetricDiff['verdict'] {
  const rel = relativeChange(a, b);
  if (!isNum(a) || !isNum(b)) return 'n/a';
  if (Math.abs(rel) < VERDICT_MIN_RELATIVE) return 'same';
  const rose = b > a;
  return rose === (def.better === 'lower') ? 'worse' : 'better';
}

export function compareResults(a: ReportResults, b: ReportResults, sources: { a: string; b: string } = { a: 'a', b: 'b' }): Comparison {
  if (a.scenario.name !== b.scenario.name) {
    throw new ResultsError(`cannot compare runs of different scenarios: ${sources.a} ran "${a.scenario.name}", ${sources.b} ran "${b.scenario.name}"`);
  }
  const bModes = new Map(b.modes.map((m) => [m.mode, m]));
  const aNames = new Set(a.modes.map((m) => m.mode));
  const modes = a.modes.filter((m) => bModes.has(m.mode)).map((m) => m.mode);
  if (modes.length === 0) {
    throw new ResultsError(
      `the runs share no mode: ${sources.a} has ${a.modes.map((m) => m.mode).join(', ')}, ${sources.b} has ${b.modes.map((m) => m.mode).join(', ')}`,
    );
  }
  const rows: MetricDiff[] = [];
  for (const mode of modes) {
    const ma = a.modes.find((m) => m.mode === mode)!;
    const mb = bModes.get(mode)!;
    for (const [metric, def] of Object.entries(METRICS)) {
      const va = def.get(ma);
      const vb = def.get(mb);
      rows.push({
        mode,
        metric,
        a: va,
        b: vb,
        delta: isNum(va) && isNum(vb) ? vb - va : NaN,
        relative: relativeChange(va, vb),
        verdict: verdictOf(def, va, vb),
      });
    }
  }
  return {
    scenario: a.scenario.name,
    a: summary(a, sources.a),
    b: summary(b, sources.b),
    modes,
    onlyInA: a.modes.filter((m) => !bModes.has(m.mode)).map((m) => m.mode),
    onlyInB: b.modes.filter((m) => !aNames.has(m.mode)).map((m) => m.mode),
    rows,
    notes: notesOf(a, b, modes),
  };
}

function summary(r: ReportResults, source: string): RunSummary {
  return { source, startedAt: r.startedAt, seed: r.seed, schemaVersion: r.schemaVersion, toolVersion: r.tool.version };
}

function notesOf(a: ReportResults, b: ReportResults, modes: string[]): string[] {
  const notes: string[] = [];
  if (a.seed !== b.seed) notes.push(`seeds differ (${a.seed} vs ${b.seed}): random choices (kube-proxy picks, arrivals) differ too`);
  for (const mode of modes) {
    const la = a.modes.find((m) => m.mode === mode)!.loadPhaseMs;
    const lb = b.modes.find((m) => m.mode === mode)!.loadPhaseMs;
    if (isNum(la) && isNum(lb) && Math.abs(lb - la) > 0.1 * Math.max(la, lb)) {
      notes.push(`${mode}: load phases differ (${(la / 1000).toFixed(1)} s vs ${(lb / 1000).toFixed(1)} s)`);
    }
  }
  const cpuModelsDiffer = a.machine.cpuModel !== undefined && b.machine.cpuModel !== undefined && a.machine.cpuModel !== b.machine.cpuModel;
  if (a.machine.cpus !== b.machine.cpus || cpuModelsDiffer) {
    const describe = (r: ReportResults) => `${r.machine.cpus} CPUs${r.machine.cpuModel ? ` ${r.machine.cpuModel}` : ''}`;
    notes.push(`machines differ (${describe(a)} vs ${describe(b)})`);
  }
  if (a.tool.version !== b.tool.version) notes.push(`tool versions differ (${a.tool.version} vs ${b.tool.version})`);
  if (a.schemaVersion !== b.schemaVersion) notes.push(`schema versions differ (v${a.schemaVersion} vs v${b.schemaVersion}): fields only in v2 compare as n/a`);
  if ((a.target ?? 'local') !== (b.target ?? 'local')) notes.push(`targets differ (${a.target ?? 'local'} vs ${b.target ?? 'local'})`);
  if (JSON.stringify(a.parameters ?? {}) !== JSON.stringify(b.parameters ?? {})) {
    notes.push(`parameters differ (${JSON.stringify(a.parameters ?? {})} vs ${JSON.stringify(b.parameters ?? {})})`);
  }
  return notes;
}

// ── thresholds ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface Threshold {
  /** As written, for messages. */
  text: string;
  metric: string;
  /** Undefined: every mode both runs have. */
  modes?: string[];
  /** 'up' fails when b − a exceeds the bound, 'down' when a − b does. */
  direction: 'up' | 'down';
  bound: number;
  relative: boolean;
}

export class ThresholdSyntaxError extends Error {
  readonly exitCode = EXIT_BAD_INPUT;
}

const THRESHOLD = /^([A-Za-z][A-Za-z0-9]*)(?:@([a-z0-9][a-z0-9-]*(?:,[a-z0-9][a-z0-9-]*)*))?:([+-])(\d+(?:\.\d+)?|\.\d+)(%?)$/;

export const THRESHOLD_SYNTAX = '<metric>[@<mode>[,<mode>...]]:<+|-><bound>[%], e.g. maxOverMean:+10%, p99Ms@l7:+20%, errorRate:+0.01';

export function parseThreshold(text: string): Threshold {
  const trimmed = text.trim();
  const match = THRESHOLD.exec(trimmed);
  if (!match) {
    const why = !trimmed.includes(':')
      ? 'missing ":<+|-><bound>"'
      : /:\d/.test(trimmed)
        ? 'the bound needs a sign: + fails on an increase, - on a decrease'
        : 'not of the form';
    throw new ThresholdSyntaxError(`--fail-on "${text}": ${why} (syntax: ${THRESHOLD_SYNTAX})`);
  }
  const [, metric, modes, sign, bound, percent] = match;
  if (!(metric! in METRICS)) {
    const near = METRIC_NAMES.find((n) => n.toLowerCase() === metric!.toLowerCase());
    throw new ThresholdSyntaxError(
      `--fail-on "${text}": unknown metric "${metric}"${near ? ` (did you mean ${near}?)` : ''}; known: ${METRIC_NAMES.join(', ')}`,
    );
  }
  return {
    text: trimmed,
    metric: metric!,
    ...(modes ? { modes: modes.split(',') } : {}),
    direction: sign === '+' ? 'up' : 'down',
    bound: Number(bound),
    relative: percent === '%',
  };
}

export interface ThresholdOutcome {
  threshold: string;
  mode: string;
  metric: string;
  a: number;
  b: number;
  /** The change in the threshold's terms: absolute (b − a), or relative in percent. */
  change: number;
  relative: boolean;
  /** The bound as written, e.g. "+10%". */
  bound: string;
  ok: boolean;
  /** Why it could not be evaluated (and, for a value that disappeared, why it fails). */
  note?: string;
}

/**
 * Evaluates every threshold on every mode it names (or every shared mode). A value that run a had and run b lacks
 * (n/a) fails: a gate must not pass because the data went missing. When run a lacks it there is nothing to compare
 * against, and the outcome passes with a note.
 */
export function evaluateThresholds(comparison: Comparison, thresholds: Threshold[]): ThresholdOutcome[] {
  const outcomes: ThresholdOutcome[] = [];
  for (const t of thresholds) {
    const modes = t.modes ?? comparison.modes;
    for (const mode of modes) {
      const row = comparison.rows.find((r) => r.mode === mode && r.metric === t.metric);
      if (!row) {
        const where = comparison.onlyInA.includes(mode)
          ? `only run a has mode ${mode}`
          : comparison.onlyInB.includes(mode)
            ? `only run b has mode ${mode}`
            : `no mode ${mode} in either run`;
        outcomes.push({
          threshold: t.text,
          mode,
          metric: t.metric,
          a: NaN,
          b: NaN,
          change: NaN,
          relative: t.relative,
          bound: boundText(t),
          ok: false,
          note: where,
        });
        continue;
      }
      const base = { threshold: t.text, mode, metric: t.metric, a: row.a, b: row.b, relative: t.relative, bound: boundText(t) };
      if (!isNum(row.a)) {
        outcomes.push({ ...base, change: NaN, ok: true, note: 'n/a in run a: nothing to compare against' });
        continue;
      }
      if (!isNum(row.b)) {
        outcomes.push({ ...base, change: NaN, ok: false, note: 'n/a in run b (it was measured in run a)' });
        continue;
      }
      const change = t.relative ? row.relative * 100 : row.delta;
      const exceeded = t.direction === 'up' ? change > t.bound : -change > t.bound;
      outcomes.push({ ...base, change, ok: !exceeded });
    }
  }
  return outcomes;
}

function boundText(t: Threshold): string {
  return `${t.direction === 'up' ? '+' : '-'}${t.bound}${t.relative ? '%' : ''}`;
}

// ── formatting ─────────────────────────────────────────────────────────────────────────────────────────────────

export function formatValue(metric: string, value: number): string {
  if (!isNum(value)) return 'n/a';
  const def = METRICS[metric];
  if (FRACTIONS.has(metric)) return `${(value * 100).toFixed(2)}%`;
  if (def?.unit === 'ms') return `${value.toFixed(1)} ms`;
  if (metric === 'tooManyRequests' || metric === 'finallyFailed') return Math.round(value).toString();
  if (metric === 'requestsPerSecond') return value.toFixed(1);
  return value.toFixed(2);
}

/** Metrics that are fractions, shown in percent; their differences are in percentage points. */
const FRACTIONS = new Set(['errorRate', 'hottestShare']);

export function formatDelta(row: MetricDiff): string {
  if (!isNum(row.delta)) return 'n/a';
  const sign = row.delta > 0 ? '+' : row.delta < 0 ? '−' : '±';
  const abs = FRACTIONS.has(row.metric) ? `${(Math.abs(row.delta) * 100).toFixed(2)} pp` : formatValue(row.metric, Math.abs(row.delta));
  const rel = Number.isFinite(row.relative)
    ? `${row.relative >= 0 ? '+' : '−'}${Math.abs(row.relative * 100).toFixed(1)}%`
    : row.relative > 0
      ? '+∞%'
      : row.relative < 0
        ? '−∞%'
        : '';
  return `${sign}${abs}${rel ? ` (${rel})` : ''}`;
}

export function formatOutcome(o: ThresholdOutcome): string {
  const head = `${o.ok ? 'ok  ' : 'FAIL'}  ${o.threshold} [${o.mode}]`;
  if (!isNum(o.change) && o.note) return `${head}: ${o.note}`;
  const change = o.relative
    ? `${signed(o.change, 1)}%`
    : `${signed(o.change, METRICS[o.metric]?.unit === 'ms' ? 1 : 4)}${METRICS[o.metric]?.unit === 'ms' ? ' ms' : ''}`;
  return `${head}: ${formatValue(o.metric, o.a)} → ${formatValue(o.metric, o.b)}, change ${change}, bound ${o.bound}`;
}

function signed(x: number, digits: number): string {
  if (x === Infinity) return '+∞';
  if (x === -Infinity) return '−∞';
  return `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(digits)}`;
}
