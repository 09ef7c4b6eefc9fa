// A bounded fan-out: run an async function over a list with at most `limit` calls in flight, results in list order.
// The kind target uses it for kubectl calls per client pod (creation, control calls), so a fleet of 100 pods does not
// start 100 kubectl processes at once.

/** Runs `fn` over `items` with at most `limit` at once, in order of the results. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!, i);
      }
    }),
  );
  return results;
}

/** At most this many kubectl calls at once (client pod creation and control calls). */
export const KUBECTL_CONCURRENCY = 8;
