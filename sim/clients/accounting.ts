// What a client pod counts while it runs; turned into a ClientRunResult at the end.
import * as hdr from 'hdr-histogram-js';
import type { ClientPodSpec, ClientRunResult } from '../../scripts/core/clientPod.ts';

export class PodAccounting {
  attempts = 0;
  /** Every answer, attempt by attempt (what the replicas counted), by status code. */
  readonly answeredByCode: Record<string, number> = {};
  readonly gatewayByCode: Record<string, number> = {};
  /** The final answer of each request (after retries), from an apiserver or from the gateway, by status code. */
  readonly finalByCode: Record<string, number> = {};
  readonly finalGatewayByCode: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  readonly retries: Record<string, number> = {};
  readonly connections = { opened: 0, goawaysReceived: 0, resets: 0 };
  readonly watches = { opened: 0, events: 0 };
  readonly throttleWait = { count: 0, totalMs: 0, maxMs: 0 };
  readonly perSecond: number[] = [];
  inDoubt = 0;
  unsent = 0;
  private readonly histogram = hdr.build({ bitBucketSize: 'packed', autoResize: true, lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 });
  /** How late the open-loop schedule fired (µs): the simulator's own lag, not client-go's throttling. */
  private readonly sendLags = hdr.build({ bitBucketSize: 'packed', autoResize: true, lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 2 });
  epoch = 0;

  answered(status: number, hasAuditId: boolean): void {
    const target = hasAuditId ? this.answeredByCode : this.gatewayByCode;
    target[status] = (target[status] ?? 0) + 1;
  }

  /** The answer a request ended with (the last attempt's). */
  finalAnswer(status: number, hasAuditId: boolean): void {
    const target = hasAuditId ? this.finalByCode : this.finalGatewayByCode;
    target[status] = (target[status] ?? 0) + 1;
  }

  /** The schedule meant to send at `intendedAt` and got to it at `now`. */
  sendLag(intendedAt: number, now = performance.now()): void {
    this.sendLags.recordValue(Math.max(1, Math.round((now - intendedAt) * 1000)));
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
    const lag = this.sendLags.totalCount > 0 ? hdr.encodeIntoCompressedBase64(this.sendLags) : '';
    this.histogram.destroy();
    this.sendLags.destroy();
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
      sendLagHistogram: lag,
      finalByCode: this.finalByCode,
      finalGatewayByCode: this.finalGatewayByCode,
      throttleWait: this.throttleWait,
      perSecond: this.perSecond,
      inDoubt: this.inDoubt,
      unsent: this.unsent,
    };
  }
}
