// The gateway router's retry decision (sim/gateway/retryDecision.ts), pinned as a table: Istio's default retry_on,
// 3 attempts, and retries given up once the body outgrows the retry buffer (Envoy router.cc decodeData).
import { describe, expect, it } from 'vitest';
import { fitsRetryBuffer, MAX_ATTEMPTS, RETRY_BUFFER_LIMIT_BYTES, shouldRetry, type UpstreamFailure } from '../../sim/gateway/retryDecision.ts';

const FAILURES: UpstreamFailure[] = ['connect-failure', 'refused-stream', 'reset'];

describe('retry decision', () => {
  it('retries a connect failure and a refused stream on the first two attempts, never a reset, never a streamed body', () => {
    const table = FAILURES.flatMap((failure) =>
      [false, true].map((retriesAbandoned) => ({
        failure,
        retriesAbandoned,
        retryAfterAttempt: [0, 1, 2].map((attempt) => shouldRetry({ attempt, failure, retriesAbandoned })),
      })),
    );
    expect(table).toEqual([
      { failure: 'connect-failure', retriesAbandoned: false, retryAfterAttempt: [true, true, false] },
      { failure: 'connect-failure', retriesAbandoned: true, retryAfterAttempt: [false, false, false] },
      { failure: 'refused-stream', retriesAbandoned: false, retryAfterAttempt: [true, true, false] },
      { failure: 'refused-stream', retriesAbandoned: true, retryAfterAttempt: [false, false, false] },
      { failure: 'reset', retriesAbandoned: false, retryAfterAttempt: [false, false, false] },
      { failure: 'reset', retriesAbandoned: true, retryAfterAttempt: [false, false, false] },
    ]);
    expect(MAX_ATTEMPTS).toBe(3);
  });

  it("buffers up to the stream's buffer limit: Gardener's 32768-byte listener limit (HTTP/1.1), 65536-byte stream window (HTTP/2)", () => {
    expect(RETRY_BUFFER_LIMIT_BYTES).toEqual({ 'http/1.1': 32_768, h2: 65_536 });
    const edges = (['http/1.1', 'h2'] as const).map((protocol) => {
      const limit = RETRY_BUFFER_LIMIT_BYTES[protocol];
      return [fitsRetryBuffer(0, protocol), fitsRetryBuffer(limit, protocol), fitsRetryBuffer(limit + 1, protocol)];
    });
    expect(edges).toEqual([
      [true, true, false],
      [true, true, false],
    ]);
  });
});
