// When client-go's rest.Request retries an attempt, and after how long (docs/client-go.md#retries). Read at
// kubernetes/client-go master 32ce75a7 (2026-07-24): rest/request.go (NewRequest maxRetries: 10, MaxRetries,
// request()'s isErrRetryableFunc, retryAfterSeconds) and rest/with_retry.go (IsNextRetry, Before, checkWait,
// retryAfterResponse), rest/urlbackoff.go (NoBackoff), rest/client.go (readExpBackoffConfig):
// - the budget: IsNextRetry counts attempts and stops once attempts > maxRetries, so a request makes at most
//   maxRetries + 1 attempts (default 10 retries: "Right now we make about ten retry attempts if we get a
//   Retry-After response"); Retry-After answers and retryable errors share that one budget;
// - an answer is retried only if its status is 429 or >= 500 (checkWait) AND it carries a Retry-After that
//   strconv.Atoi accepts (retryAfterSeconds: Header.Get, the first value, non-empty, an optionally signed decimal
//   integer within int64; "1.5", "", " 2", "0x10", an HTTP date are not numbers, so the answer is returned as is);
//   without Retry-After a 429 or 5xx is not retried at all;
// - the wait is time.Duration(seconds) * time.Second (int64 nanoseconds, wrapping on overflow as Go's integer
//   multiplication does), slept by Before with SleepWithContext before the next attempt; a wait <= 0 does not sleep.
//   client-go itself caps nothing: the server bounds it (APF's adaptive Retry-After is 1..32 s, max-inflight's is 1);
// - the backoff manager: max(backoff, Retry-After) in Before, but the default is NoBackoff (0) unless
//   KUBE_CLIENT_BACKOFF_BASE and KUBE_CLIENT_BACKOFF_DURATION are set, so by default the wait is the Retry-After;
// - a transport error before any answer: only for GET (writes are not idempotent), and only connection resets,
//   probable EOFs and a lost HTTP/2 connection (net.IsConnectionReset || IsProbableEOF || IsHTTP2ConnectionLost):
//   client-go retries it as the artificial answer 500 + Retry-After: 1 (retryAfterResponse), i.e. after 1 s, under
//   the same budget; timeouts, refused connections, DNS and TLS errors are not retried by the request;
// - streams refused by a GOAWAY never reached the server; Go's HTTP/2 transport retries those on a new connection
//   without touching this budget (clientGoPod.ts).
// Every retry also takes a token from the client-side rate limiter (tryThrottleWithInfo; clientGoPod.ts).
//
// One difference: Node's timers fire after 1 ms for any delay above 2^31 - 1 ms (about 24.8 days), so a longer wait
// is capped there (Go would sleep until the request's context ends); no run lasts that long.
import type { TransportErrorKind } from './h2Transport.ts';

export const CONNECTION_RESET_RETRY_MS = 1000;
/** client-go NewRequest: maxRetries: 10. */
export const DEFAULT_MAX_RETRIES = 10;
/** The longest delay a Node timer honours. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export type AttemptOutcome =
  { type: 'answered'; status: number; retryAfter: string | readonly string[] | undefined } | { type: 'failed'; error: TransportErrorKind; method: string };

export type RetryDecision = { retry: true; delayMs: number; reason: 'retry-after-429' | 'retry-after-5xx' | 'connection-reset' } | { retry: false };

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * retryAfterSeconds: the first Retry-After value as strconv.Atoi reads it (an optionally signed decimal integer in
 * int64 range), or undefined when it is missing or not such a number.
 */
export function parseRetryAfterSeconds(value: string | readonly string[] | undefined): bigint | undefined {
  const first = typeof value === 'string' ? value : value?.[0];
  if (first === undefined || first.length === 0) return undefined;
  if (!/^[+-]?[0-9]+$/.test(first)) return undefined;
  const n = BigInt(first);
  return n > INT64_MAX || n < INT64_MIN ? undefined : n;
}

/** time.Duration(seconds) * time.Second in milliseconds: int64 nanoseconds that wrap on overflow; <= 0 means no sleep. */
export function retryAfterDelayMs(seconds: bigint): number {
  const nanos = BigInt.asIntN(64, seconds * 1_000_000_000n);
  if (nanos <= 0n) return 0;
  return Math.min(Number(nanos / 1_000_000n), MAX_TIMER_DELAY_MS);
}

/** Whether attempt N+1 happens after an attempt with this outcome, `retriesLeft` = maxRetries - retries so far. */
export function retryDecision(outcome: AttemptOutcome, retriesLeft: number): RetryDecision {
  if (retriesLeft <= 0) return { retry: false };
  if (outcome.type === 'answered') {
    if (outcome.status !== 429 && outcome.status < 500) return { retry: false };
    const seconds = parseRetryAfterSeconds(outcome.retryAfter);
    if (seconds === undefined) return { retry: false };
    return { retry: true, delayMs: retryAfterDelayMs(seconds), reason: outcome.status === 429 ? 'retry-after-429' : 'retry-after-5xx' };
  }
  // The request's isErrRetryableFunc: `req.Method != "GET"` is compared case-sensitively.
  if (outcome.error === 'reset' && outcome.method === 'GET') return { retry: true, delayMs: CONNECTION_RESET_RETRY_MS, reason: 'connection-reset' };
  return { retry: false };
}
