// Polling, the one way the runner and the tests wait for something (never a fixed sleep followed by a count): read a
// value repeatedly until it satisfies a condition, and say what it last was when it does not in time.

export interface PollOptions {
  /** Give up after this long (ms). */
  timeoutMs: number;
  /** Between reads (ms). */
  intervalMs?: number;
  /** For the error message: what was awaited. */
  what?: string;
}

/** Reads until `done(value)` holds; resolves with that value, or rejects after the timeout naming the last value. */
export async function pollUntil<T>(read: () => T | Promise<T>, done: (value: T) => boolean, options: PollOptions): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() >= deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what ?? 'a condition'} (last value: ${describe(value)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

/** Waits until `condition()` is true. */
export async function waitFor(condition: () => boolean | Promise<boolean>, options: PollOptions): Promise<void> {
  await pollUntil(condition, (ok) => ok, options);
}

/**
 * Reads until the value stops changing: `same(a, b)` holds for `stableReads` consecutive reads, or `done(value)` holds
 * earlier. Resolves with the last value either way (settling is best effort, bounded by the timeout).
 */
export async function pollUntilSettled<T>(
  read: () => Promise<T>,
  same: (a: T, b: T) => boolean,
  options: PollOptions & { stableReads: number; done?: (value: T) => boolean },
): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  let last = await read();
  let stable = 0;
  while (!options.done?.(last) && stable < options.stableReads && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
    const next = await read();
    stable = same(last, next) ? stable + 1 : 0;
    last = next;
  }
  return last;
}

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return String(value);
  }
}
