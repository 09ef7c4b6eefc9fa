// Client-side latency: every client records an HdrHistogram in microseconds (from the intended send time, so
// coordinated omission is not hidden, docs/measurement.md#coordinated-omission); the runner merges the encoded histograms per mode and per
// client group and reports p50/p90/p99/p99.9, max and count (the project's percentile set).
import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

export const EMPTY_LATENCY: LatencySummary = { count: 0, p50Ms: NaN, p90Ms: NaN, p99Ms: NaN, p999Ms: NaN, maxMs: NaN, meanMs: NaN };

/** Merges base64 (compressed) HdrHistograms recorded in microseconds. */
export function mergeEncodedHistograms(encoded: readonly string[]): LatencySummary {
  const valid = encoded.filter((e) => e && e.length > 0);
  if (valid.length === 0) return EMPTY_LATENCY;
  const total = hdr.build({ bitBucketSize: 'packed', autoResize: true, lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 });
  try {
    for (const e of valid) {
      const h = hdr.decodeFromCompressedBase64(e, 'packed', false);
      total.add(h);
      h.destroy();
    }
    return summarize(total);
  } finally {
    total.destroy();
  }
}

export function summarize(h: hdr.Histogram): LatencySummary {
  if (h.totalCount === 0) return EMPTY_LATENCY;
  const ms = (us: number) => us / 1000;
  return {
    count: h.totalCount,
    p50Ms: ms(h.getValueAtPercentile(50)),
    p90Ms: ms(h.getValueAtPercentile(90)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    p999Ms: ms(h.getValueAtPercentile(99.9)),
    maxMs: ms(h.maxValue),
    meanMs: ms(h.mean),
  };
}
