// When client-go's rest.Request retries an attempt, and after how long (docs/client-go.md#retries): rest/request.go
// (request, retryFn) and rest/with_retry.go (IsNextRetry, checkWait):
// - an answer of 429 or 5xx with a Retry-After header: wait that many seconds, up to maxRetries (default 10);
// - a connection reset (or a probable EOF) before any answer: retry GET requests only (isErrRetryableFunc), after
//   a 1 s wait, under the same budget;
// - nothing else is retried by the request itself. Streams refused by a GOAWAY never reached the server; the HTTP/2
//   transport retries those on a new connection without touching this budget (clientGoPod.ts).
import type { TransportErrorKind } from './h2Transport.ts';

export const CONNECTION_RESET_RETRY_MS = 1000;

export type AttemptOutcome =
  { type: 'answered'; status: number; retryAfter: string | undefined } | { type: 'failed'; error: TransportErrorKind; method: string };

export type RetryDecision = { retry: true; delayMs: number; reason: 'retry-after-429' | 'retry-after-5xx' | 'connection-reset' } | { retry: false };

export function retryDecision(outcome: AttemptOutcome, retriesLeft: number): RetryDecision {
  if (retriesLeft <= 0) return { retry: false };
  if (outcome.type === 'answered') {
    if (outcome.status !== 429 && outcome.status < 500) return { retry: false };
    const seconds = outcome.retryAfter !== undefined ? Number(outcome.retryAfter) : NaN;
    if (!Number.isFinite(seconds)) return { retry: false };
    return { retry: true, delayMs: seconds * 1000, reason: outcome.status === 429 ? 'retry-after-429' : 'retry-after-5xx' };
  }
  if (outcome.error === 'reset' && outcome.method === 'GET') return { retry: true, delayMs: CONNECTION_RESET_RETRY_MS, reason: 'connection-reset' };
  return { retry: false };
}
