// Relative bounds in a scenario's `expect.compare`, e.g. `l7.p99Ms <= 1.5 * direct.p99Ms`,
// `l7.maxOverMean < direct.maxOverMean - 1`, or `direct.groups[quiet].p99Ms <= 0.5 * direct.groups[flood].p99Ms`: a
// metric of one mode (or of one client group in a mode) against a number, or against a multiple of another such
// metric plus or minus a number. A baseline measured in the same run is what makes a latency bound hold on a loaded
// machine (docs/scenarios.md#how-much-to-trust-each-bound). Parsed when the scenario loads, so an unknown mode,
// group metric or metric is a schema error with file:line:col, never a check that silently passes.
import { GROUP_METRICS, MODE_NAMES, RANGE_METRICS, type GroupMetric, type RangeMetric } from './vocabulary.ts';

type ModeName = (typeof MODE_NAMES)[number];

export type Comparison = '<=' | '<' | '>=' | '>';

/** A metric of a mode (`l7.p99Ms`), or of one client group in a mode (`l7.groups[quiet].p99Ms`). */
export type MetricRef = { mode: ModeName; metric: RangeMetric; group?: undefined } | { mode: ModeName; metric: GroupMetric; group: string };

export interface RelativeBound {
  text: string;
  left: MetricRef;
  op: Comparison;
  /** right = factor × ref + offset; without a ref, right = offset. */
  right: { factor: number; ref?: MetricRef; offset: number };
}

const NUMBER = String.raw`[0-9]+(?:\.[0-9]+)?`;
/** mode, optional group, metric: three capture groups. */
const REF = String.raw`([a-z0-9]+)\.(?:groups\[([^\]\s]+)\]\.)?([A-Za-z0-9]+)`;
const PATTERN = new RegExp(String.raw`^\s*${REF}\s*(<=|>=|<|>)\s*(?:(${NUMBER})\s*\*\s*)?(?:${REF})?\s*(?:([+-])\s*(${NUMBER}))?\s*$`);
const CONSTANT = new RegExp(String.raw`^\s*${REF}\s*(<=|>=|<|>)\s*(-?${NUMBER})\s*$`);

/** Parses a bound; throws an Error whose message says what is wrong. */
export function parseRelativeBound(text: string): RelativeBound {
  const constant = CONSTANT.exec(text);
  if (constant) {
    return { text, left: ref(constant[1]!, constant[2], constant[3]!), op: constant[4] as Comparison, right: { factor: 0, offset: Number(constant[5]) } };
  }
  const match = PATTERN.exec(text);
  if (!match || !match[6]) {
    throw new Error(
      `cannot read "${text}": write <ref> <op> [<factor> *] <ref> [+|- <number>] with <ref> = <mode>.<metric> or <mode>.groups[<group>].<metric>, e.g. "l7.p99Ms <= 1.5 * direct.p99Ms"`,
    );
  }
  const offset = match[9] ? Number(match[10]) * (match[9] === '-' ? -1 : 1) : 0;
  return {
    text,
    left: ref(match[1]!, match[2], match[3]!),
    op: match[4] as Comparison,
    right: { factor: match[5] ? Number(match[5]) : 1, ref: ref(match[6]!, match[7], match[8]!), offset },
  };
}

function ref(mode: string, group: string | undefined, metric: string): MetricRef {
  if (!(MODE_NAMES as readonly string[]).includes(mode)) throw new Error(`unknown mode "${mode}" (known: ${MODE_NAMES.join(', ')})`);
  if (group !== undefined) {
    if (!(GROUP_METRICS as readonly string[]).includes(metric)) throw new Error(`unknown group metric "${metric}" (known: ${GROUP_METRICS.join(', ')})`);
    return { mode: mode as ModeName, metric: metric as GroupMetric, group };
  }
  if (!(RANGE_METRICS as readonly string[]).includes(metric)) throw new Error(`unknown metric "${metric}" (known: ${RANGE_METRICS.join(', ')})`);
  return { mode: mode as ModeName, metric: metric as RangeMetric };
}

/** The refs a bound reads, left first. */
export function boundRefs(bound: RelativeBound): MetricRef[] {
  return bound.right.ref ? [bound.left, bound.right.ref] : [bound.left];
}

export function holds(actual: number, op: Comparison, bound: number): boolean {
  switch (op) {
    case '<=':
      return actual <= bound;
    case '<':
      return actual < bound;
    case '>=':
      return actual >= bound;
    case '>':
      return actual > bound;
  }
}
