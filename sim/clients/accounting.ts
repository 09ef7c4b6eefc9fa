// What a client pod counts while it runs; turned into a ClientRunResult at the end.
import * as hdr from 'hdr-histogram-js';
import type { ClientPodSpec, ClientRunResult } from './types.ts';

export class PodAccounting {
  attempts = 0;
  readonly answeredByCode: Record<string, number> = {};
  readonly gatewayByCode: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  readonly retries: Record<string, number> = {};
  readonly connections = { opened: 0, goawaysReceived: 0, resets: 0 };
  readonly watches = { opened: 0, events: 0 };
  readonly throttleWait = { count: 0, totalMs: 0, maxMs: 0 };
  readonly perSecond: number[] = [];
  inDoubt = 0;
  unsent = 0;
  private readonly histogram = hdr.build({ bitBucketSize: 'packed', autoResize: true, lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 });
  epoch = 0;

  answered(status: number, hasAuditId: boolean): void {
    const target = hasAuditId ? this.answeredByCode : this.gatewayByCode;
    target[status] = (target[status] ?? 0) + 1;
  }

  error(kind: string): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }

  retry(reason: string): void {
    this.retries[reason] = (this.retries[reason] ?? 0) + 1;
  }

  throttled(ms: number): void {
    this.throttleWait.count++;
    this.throttleWait.totalMs += ms;
    this.throttleWait.maxMs = Math.max(this.throttleWait.maxMs, ms);
  }

  /** A request finished (answered, possibly after retries): latency from its intended send time. */
  completed(intendedAt: number, now = performance.now()): void {
    this.histogram.recordValue(Math.max(1, Math.round((now - intendedAt) * 1000)));
    this.countCompletion(now);
  }

  /** For profiles that measure latency themselves (autocannon): record the value directly. */
  completedWithLatency(latencyMs: number, now = performance.now()): void {
    this.histogram.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
    this.countCompletion(now);
  }

  private countCompletion(now: number): void {
    const second = Math.max(0, Math.floor((now - this.epoch) / 1000));
    while (this.perSecond.length <= second) this.perSecond.push(0);
    this.perSecond[second]!++;
  }

  result(pod: ClientPodSpec): ClientRunResult {
    const encoded = this.histogram.totalCount > 0 ? hdr.encodeIntoCompressedBase64(this.histogram) : '';
    this.histogram.destroy();
    return {
      pod: pod.name,
      group: pod.group,
      profile: pod.profile,
      attempts: this.attempts,
      answeredByCode: this.answeredByCode,
      gatewayByCode: this.gatewayByCode,
      errors: this.errors,
      retries: this.retries,
      connections: this.connections,
      watches: this.watches,
      latencyHistogram: encoded,
      throttleWait: this.throttleWait,
      perSecond: this.perSecond,
      inDoubt: this.inDoubt,
      unsent: this.unsent,
    };
  }
}
