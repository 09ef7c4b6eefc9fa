// client-go's retry rules as a pure function (sim/clients/retryPolicy.ts), pinned to upstream: kubernetes/client-go
// rest/request.go (NewRequest maxRetries: 10; request()'s isErrRetryableFunc; retryAfterSeconds = strconv.Atoi of
// Header.Get("Retry-After")) and rest/with_retry.go (IsNextRetry: attempts > maxRetries stops; checkWait: 429 or
// >= 500 with a Retry-After; retryAfterResponse: a retryable error is a 500 with Retry-After: 1; Before sleeps
// max(NoBackoff's 0, Retry-After)).
import { describe, expect, it } from 'vitest';
import {
  CONNECTION_RESET_RETRY_MS,
  DEFAULT_MAX_RETRIES,
  MAX_TIMER_DELAY_MS,
  parseRetryAfterSeconds,
  retryAfterDelayMs,
  retryDecision,
  type AttemptOutcome,
} from '../../sim/clients/retryPolicy.ts';

const answered = (status: number, retryAfter?: string | string[]): AttemptOutcome => ({ type: 'answered', status, retryAfter });

describe('client-go retry policy', () => {
  it('retries 429 and every 5xx that carry Retry-After, waiting that many seconds', () => {
    expect(retryDecision(answered(429, '1'), 10)).toEqual({ retry: true, delayMs: 1000, reason: 'retry-after-429' });
    expect(retryDecision(answered(429, '32'), 10)).toEqual({ retry: true, delayMs: 32_000, reason: 'retry-after-429' });
    for (const status of [500, 502, 503, 504, 599, 600]) {
      expect(retryDecision(answered(status, '2'), 10)).toEqual({ retry: true, delayMs: 2000, reason: 'retry-after-5xx' });
    }
  });

  it('never retries other statuses, with or without Retry-After (checkWait)', () => {
    for (const status of [200, 201, 301, 400, 401, 403, 404, 409, 410, 422, 428, 431, 499]) {
      expect(retryDecision(answered(status, '1'), 10)).toEqual({ retry: false });
    }
  });

  it('does not retry a 429 or 5xx without a usable Retry-After: the answer goes back to the caller', () => {
    expect(retryDecision(answered(429), 10)).toEqual({ retry: false });
    expect(retryDecision(answered(503), 10)).toEqual({ retry: false });
    // len(h) > 0 and strconv.Atoi: empty, fractions, spaces, hex, exponents, HTTP dates and int64 overflow are not numbers.
    for (const bad of ['', '1.5', ' 2', '2 ', '0x10', '1e3', 'Infinity', 'NaN', 'Wed, 21 Oct 2015 07:28:00 GMT', '9223372036854775808', '--1']) {
      expect(retryDecision(answered(429, bad), 10), JSON.stringify(bad)).toEqual({ retry: false });
    }
  });

  it('reads Retry-After as strconv.Atoi does: signs, leading zeros, the first value only', () => {
    expect(parseRetryAfterSeconds('+3')).toBe(3n);
    expect(parseRetryAfterSeconds('007')).toBe(7n);
    expect(parseRetryAfterSeconds('-5')).toBe(-5n);
    expect(parseRetryAfterSeconds(['4', '9'])).toBe(4n); // Header.Get returns the first value
    expect(parseRetryAfterSeconds('9223372036854775807')).toBe(2n ** 63n - 1n);
    expect(parseRetryAfterSeconds(undefined)).toBeUndefined();
    expect(retryDecision(answered(429, ['4', '9']), 10)).toMatchObject({ retry: true, delayMs: 4000 });
  });

  it('retries a zero or negative Retry-After without waiting (time.Sleep of d <= 0 returns at once)', () => {
    expect(retryDecision(answered(429, '0'), 10)).toEqual({ retry: true, delayMs: 0, reason: 'retry-after-429' });
    expect(retryDecision(answered(429, '-7'), 10)).toEqual({ retry: true, delayMs: 0, reason: 'retry-after-429' });
  });

  it('caps nothing itself, except at what a Node timer can wait; Go wraps time.Duration(s)*time.Second on overflow', () => {
    expect(retryDecision(answered(429, '86400'), 10)).toMatchObject({ retry: true, delayMs: 86_400_000 });
    expect(retryAfterDelayMs(3_000_000n)).toBe(MAX_TIMER_DELAY_MS); // 34.7 days: above 2^31-1 ms
    // 9223372037 s * 1e9 overflows int64 and wraps negative: Go does not sleep.
    expect(retryAfterDelayMs(9_223_372_037n)).toBe(0);
  });

  it('has a budget of maxRetries retries (default 10), shared by Retry-After answers and connection resets', () => {
    expect(DEFAULT_MAX_RETRIES).toBe(10);
    // retriesLeft counts down from maxRetries: IsNextRetry stops once attempts > maxRetries, i.e. 11 attempts at most.
    let retriesLeft = DEFAULT_MAX_RETRIES;
    let attempts = 0;
    const outcomes: AttemptOutcome[] = [answered(429, '1'), { type: 'failed', error: 'reset', method: 'GET' }];
    for (;;) {
      attempts++;
      const d = retryDecision(outcomes[attempts % 2]!, retriesLeft);
      if (!d.retry) break;
      retriesLeft--;
    }
    expect(attempts).toBe(DEFAULT_MAX_RETRIES + 1);
    expect(retryDecision(answered(429, '1'), 0)).toEqual({ retry: false }); // MaxRetries(0): no retry
    expect(retryDecision(answered(429, '1'), 1)).toMatchObject({ retry: true });
  });

  it('retries a connection reset before any answer for GET only, after the artificial Retry-After: 1', () => {
    expect(retryDecision({ type: 'failed', error: 'reset', method: 'GET' }, 10)).toEqual({
      retry: true,
      delayMs: CONNECTION_RESET_RETRY_MS,
      reason: 'connection-reset',
    });
    expect(CONNECTION_RESET_RETRY_MS).toBe(1000);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'get']) {
      expect(retryDecision({ type: 'failed', error: 'reset', method }, 10), method).toEqual({ retry: false });
    }
    expect(retryDecision({ type: 'failed', error: 'reset', method: 'GET' }, 0)).toEqual({ retry: false });
  });

  it('does not retry timeouts, refused connections, DNS, TLS or protocol errors (not IsConnectionReset / IsProbableEOF)', () => {
    for (const error of ['timeout', 'connect', 'dns', 'tls', 'protocol', 'cancelled'] as const) {
      expect(retryDecision({ type: 'failed', error, method: 'GET' }, 10), error).toEqual({ retry: false });
    }
  });
});
