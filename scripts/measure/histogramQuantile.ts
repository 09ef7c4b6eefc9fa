// PromQL's histogram_quantile over cumulative buckets: find the bucket holding the rank and interpolate linearly
// inside it (prometheus promql/quantile.go). If the rank falls in the +Inf bucket, the answer is the upper bound of
// the highest finite bucket. It is an estimate bounded by the bucket layout: kube-apiserver's lowest bucket is 5 ms.

/** `buckets`: upper bound → cumulative count, including +Inf. Returns NaN when there are no observations. */
export function histogramQuantile(q: number, buckets: Map<number, number>): number {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  if (sorted.length === 0) return NaN;
  const total = sorted[sorted.length - 1]![1];
  if (!(total > 0)) return NaN;
  if (q <= 0) return -Infinity;
  if (q >= 1) return Infinity;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Infinity) return previousBound;
      if (count === previousCount) return bound;
      return previousBound + (bound - previousBound) * ((rank - previousCount) / (count - previousCount));
    }
    previousBound = bound;
    previousCount = count;
  }
  return previousBound;
}

/** Bucket-wise difference after − before (for deltas between two scrapes). */
export function subtractBuckets(after: Map<number, number>, before: Map<number, number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [bound, count] of after) out.set(bound, count - (before.get(bound) ?? 0));
  return out;
}
