// The route timeout, one rule for every request the gateway proxies (HTTP/2 and HTTP/1.1): Gardener's Lua filter sets
// `x-envoy-upstream-rq-timeout-ms: 86400000` (1 day, gardener/gardener#14061; it was "0", i.e. none, before), and
// Envoy answers 504 "upstream request timeout" when the upstream response has not completed by then (a response
// already under way is reset instead). docs/gardener.md#envoyfilters.
//
// One timer per gateway pod, not one per request: every request lives as long as the same timeout, so they expire
// in the order they started and a sweep only looks at the oldest ones. (A timer per stream was measurable on the
// gateway's hot path.)

export const GARDENER_ROUTE_TIMEOUT_MS = 86_400_000;

export class RouteTimeouts {
  private readonly started = new Map<object, { at: number; expire: () => void }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly timeoutMs: number = GARDENER_ROUTE_TIMEOUT_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(timeoutMs > 0)) throw new RangeError(`route timeout must be > 0 ms, got ${timeoutMs}`);
    this.timer = setInterval(() => this.sweep(), Math.min(60_000, Math.max(5, timeoutMs / 4)));
    this.timer.unref();
  }

  /** Starts the clock for one request; `expire` runs if it is still tracked when the timeout passes. Returns the stop function. */
  track(expire: () => void): () => void {
    const key = {};
    this.started.set(key, { at: this.now(), expire });
    return () => this.started.delete(key);
  }

  get tracked(): number {
    return this.started.size;
  }

  /** Expires every request older than the timeout (oldest first; stops at the first younger one). */
  sweep(): void {
    const deadline = this.now() - this.timeoutMs;
    for (const [key, request] of this.started) {
      if (request.at > deadline) break;
      this.started.delete(key);
      request.expire();
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.started.clear();
  }
}
