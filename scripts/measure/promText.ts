// A parser for the Prometheus text exposition format 0.0.4, the format kube-apiserver's /metrics serves.
// In-house on purpose: parse-prometheus-text-format merges labelled histogram series and drops labels, sum and
// count (docs/measurement.md#prometheus-text-parsing), and every kube-apiserver latency metric is labelled.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedMetrics {
  samples: Sample[];
  /** `# TYPE` per metric family. */
  types: Record<string, string>;
}

export class PromTextError extends Error {}

export function parsePrometheusText(text: string): ParsedMetrics {
  const samples: Sample[] = [];
  const types: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const match = /^#\s+TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (match) types[match[1]!] = match[2]!;
      continue;
    }
    try {
      samples.push(parseSampleLine(line));
    } catch (error) {
      throw new PromTextError(`line ${index + 1}: ${(error as Error).message}: ${line.slice(0, 120)}`);
    }
  }
  return { samples, types };
}

function parseSampleLine(line: string): Sample {
  let i = 0;
  while (i < line.length && /[a-zA-Z0-9_:]/.test(line[i]!)) i++;
  const name = line.slice(0, i);
  if (!name) throw new Error('missing metric name');
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const start = i;
      while (i < line.length && /[a-zA-Z0-9_]/.test(line[i]!)) i++;
      const key = line.slice(start, i);
      if (!key || line[i] !== '=' || line[i + 1] !== '"') throw new Error('malformed label');
      i += 2;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error('unterminated label value');
        if (c === '\\') {
          const next = line[i + 1];
          value += next === 'n' ? '\n' : (next ?? '');
          i += 2;
          continue;
        }
        if (c === '"') {
          i++;
          break;
        }
        value += c;
        i++;
      }
      labels[key] = value;
    }
  }
  const rest = line.slice(i).trim().split(/\s+/);
  const value = parseValue(rest[0]);
  return { name, labels, value };
}

function parseValue(text: string | undefined): number {
  if (text === undefined || text === '') throw new Error('missing value');
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`bad value "${text}"`);
  return value;
}

/** Sum of all samples of a metric whose labels match every given label. */
export function sumOf(metrics: ParsedMetrics, name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const sample of metrics.samples) {
    if (sample.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => sample.labels[k] === v)) total += sample.value;
  }
  return total;
}

/** Sums a metric grouped by one label (e.g. apiserver_request_total by code). */
export function sumBy(metrics: ParsedMetrics, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const sample of metrics.samples) {
    if (sample.name !== name) continue;
    const key = sample.labels[label] ?? '';
    out[key] = (out[key] ?? 0) + sample.value;
  }
  return out;
}

/** Cumulative histogram buckets (le → count) summed over all series of a histogram. */
export function histogramBuckets(metrics: ParsedMetrics, name: string, keep: (labels: Record<string, string>) => boolean = () => true): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const sample of metrics.samples) {
    if (sample.name !== `${name}_bucket` || !keep(sample.labels)) continue;
    const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
  }
  return new Map([...buckets.entries()].sort((a, b) => a[0] - b[0]));
}
