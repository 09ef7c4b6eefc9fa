// The adaptive Retry-After of APF's 429 responses (k8s.io/apiserver pkg/util/flowcontrol/
// dropped_requests_tracker.go, kubernetes-1.32.13): per priority level, counts of dropped requests per Unix second;
// when a new second starts, retryAfter (1..32 s, starting at 1) doubles if at least 3 x retryAfter requests were
// dropped in the last retryAfter seconds and the previous increase is at least retryAfter seconds old, and decreases
// by one if fewer than retryAfter were dropped. The filter records the drop first, then reads retryAfter.
import type { ApfClock } from './clock.ts';

export const MAX_RETRY_AFTER = 32;

interface UnixStat {
  unixTime: number;
  requests: number;
}

class DroppedRequestsStats {
  private history: UnixStat[] = [];
  private currentUnix = 0;
  private currentCount = 0;
  retryAfter = 1;
  // "We assume that we can bump at any time after first dropped request."
  private retryAfterUpdateUnix = 0;

  recordDroppedRequest(unixTime: number): void {
    if (this.currentUnix === unixTime) {
      this.currentCount++;
      return;
    }
    this.updateHistory(this.currentUnix, this.currentCount);
    this.currentUnix = unixTime;
    this.currentCount = 1;
    this.updateRetryAfterIfNeeded(unixTime);
  }

  private updateHistory(unixTime: number, count: number): void {
    this.history.push({ unixTime, requests: count });
    const maxHistory = Math.min(2 * this.retryAfter, MAX_RETRY_AFTER);
    let start = 0;
    while (start < this.history.length && unixTime - this.history[start]!.unixTime > maxHistory) start++;
    if (start > 0) this.history = this.history.slice(start);
  }

  /** Works on the interval [unixTime - retryAfter, unixTime). */
  private updateRetryAfterIfNeeded(unixTime: number): void {
    let retryAfter = this.retryAfter;
    let dropped = 0;
    for (let i = this.history.length - 1; i >= 0; i--) {
      const h = this.history[i]!;
      if (unixTime - h.unixTime > retryAfter) break;
      if (h.unixTime < unixTime) dropped += h.requests;
    }
    if (unixTime - this.retryAfterUpdateUnix >= retryAfter && dropped >= 3 * retryAfter) {
      retryAfter *= 2;
      if (retryAfter >= MAX_RETRY_AFTER) retryAfter = MAX_RETRY_AFTER;
      this.retryAfter = retryAfter;
      this.retryAfterUpdateUnix = unixTime;
      return;
    }
    if (dropped < retryAfter && retryAfter > 1) this.retryAfter = retryAfter - 1;
  }
}

export class DroppedRequestsTracker {
  private readonly perLevel = new Map<string, DroppedRequestsStats>();

  constructor(private readonly clock: Pick<ApfClock, 'now'>) {}

  recordDroppedRequest(priorityLevel: string): void {
    const unixTime = Math.floor(this.clock.now() / 1000);
    let stats = this.perLevel.get(priorityLevel);
    if (!stats) {
      stats = new DroppedRequestsStats();
      this.perLevel.set(priorityLevel, stats);
    }
    stats.recordDroppedRequest(unixTime);
  }

  /** Seconds for the Retry-After header. */
  retryAfter(priorityLevel: string): number {
    return this.perLevel.get(priorityLevel)?.retryAfter ?? 1;
  }
}
