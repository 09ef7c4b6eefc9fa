import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { mergeEncodedHistograms } from '../../scripts/measure/latency.ts';

function encoded(valuesUs: number[]): string {
  const h = hdr.build({ bitBucketSize: 'packed', autoResize: true, numberOfSignificantValueDigits: 3 });
  for (const v of valuesUs) h.recordValue(v);
  const text = hdr.encodeIntoCompressedBase64(h);
  h.destroy();
  return text;
}

describe('latency merge', () => {
  it('merges histograms from several clients into one percentile set (ms)', () => {
    const a = encoded(Array.from({ length: 900 }, () => 1000)); // 900 × 1 ms
    const b = encoded(Array.from({ length: 100 }, () => 50_000)); // 100 × 50 ms
    const s = mergeEncodedHistograms([a, b, '']);
    expect(s.count).toBe(1000);
    expect(s.p50Ms).toBeCloseTo(1, 2);
    expect(s.p90Ms).toBeCloseTo(1, 2);
    expect(s.p99Ms).toBeCloseTo(50, 0);
    expect(s.maxMs).toBeCloseTo(50, 0);
  });
  it('is empty without data', () => {
    expect(mergeEncodedHistograms([]).count).toBe(0);
  });
});
