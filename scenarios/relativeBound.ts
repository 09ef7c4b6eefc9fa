// Relative bounds between modes in a scenario's `expect.compare`, e.g. `l7.p99Ms <= 1.5 * direct.p99Ms` or
// `l7.maxOverMean < direct.maxOverMean - 1`: a metric of one mode against a number, or against a multiple of another
// mode's metric plus or minus a number. Parsed when the scenario loads, so an unknown mode or metric is a schema error
// with file:line:col, never a check that silently passes.
import { MODE_NAMES, RANGE_METRICS, type RangeMetric } from './vocabulary.ts';

type ModeName = (typeof MODE_NAMES)[number];

export type Comparison = '<=' | '<' | '>=' | '>';

export interface MetricRef {
  mode: ModeName;
  metric: RangeMetric;
}

export interface RelativeBound {
  text: string;
  left: MetricRef;
  op: Comparison;
  /** right = factor × ref + offset; without a ref, right = offset. */
  right: { factor: number; ref?: MetricRef; offset: number };
}

const NUMBER = String.raw`[0-9]+(?:\.[0-9]+)?`;
const REF = String.raw`([a-z0-9]+)\.([A-Za-z0-9]+)`;
const PATTERN = new RegExp(String.raw`^\s*${REF}\s*(<=|>=|<|>)\s*(?:(${NUMBER})\s*\*\s*)?(?:${REF})?\s*(?:([+-])\s*(${NUMBER}))?\s*$`);
const CONSTANT = new RegExp(String.raw`^\s*${REF}\s*(<=|>=|<|>)\s*(-?${NUMBER})\s*$`);

/** Parses a bound; throws an Error whose message says what is wrong. */
export function parseRelativeBound(text: string): RelativeBound {
  const constant = CONSTANT.exec(text);
  if (constant) {
    return { text, left: ref(constant[1]!, constant[2]!), op: constant[3] as Comparison, right: { factor: 0, offset: Number(constant[4]) } };
  }
  const match = PATTERN.exec(text);
  if (!match || !match[5]) {
    throw new Error(`cannot read "${text}": write <mode>.<metric> <op> [<factor> *] <mode>.<metric> [+|- <number>], e.g. "l7.p99Ms <= 1.5 * direct.p99Ms"`);
  }
  const offset = match[7] ? Number(match[8]) * (match[7] === '-' ? -1 : 1) : 0;
  return {
    text,
    left: ref(match[1]!, match[2]!),
    op: match[3] as Comparison,
    right: { factor: match[4] ? Number(match[4]) : 1, ref: ref(match[5]!, match[6]!), offset },
  };
}

function ref(mode: string, metric: string): MetricRef {
  if (!(MODE_NAMES as readonly string[]).includes(mode)) throw new Error(`unknown mode "${mode}" (known: ${MODE_NAMES.join(', ')})`);
  if (!(RANGE_METRICS as readonly string[]).includes(metric)) throw new Error(`unknown metric "${metric}" (known: ${RANGE_METRICS.join(', ')})`);
  return { mode: mode as ModeName, metric: metric as RangeMetric };
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
