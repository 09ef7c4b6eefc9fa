// The gateway router's retry decision, one rule for both downstream protocols (h1Forwarder.ts, h2Forwarder.ts), as
// Envoy's router filter makes it with the retry policy Istio gives a route without one (docs/envoy-istio.md#retries):
// - retry_on (envoy source/common/router/retry_state_impl.cc wouldRetryFromReset): Istio's default
//   `connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes` retries a connection that never came
//   up (connect-failure) and a stream the upstream refused (refused-stream, e.g. beyond a GOAWAY's last stream id);
//   a request that was sent and then lost to a reset or a closed connection is not retried (the upstream may have
//   executed it: `reset` is not in the list), and the client gets a 503. No retriable status codes (Istio >= 1.24).
// - num_retries 2: at most 3 attempts (shouldRetry counts retries_remaining_).
// - The body is buffered for retries only up to the stream's buffer limit (envoy source/common/router/router.cc
//   Filter::decodeData, retry_shadow_buffer_limit_ = the decoder buffer limit): beyond it the router gives up on
//   retries (retry_or_shadow_abandoned), keeps streaming the body to the attempt under way, and a failure of that
//   attempt is answered, not retried. The router never answers 413 for a large body ("This will not cause the
//   connection manager to 413 because before we hit the buffer limit we give up on retries and buffering"); a body
//   over kube-apiserver's own limit gets kube-apiserver's 413. Envoy's 507 "exceeded request buffer limit while
//   retrying upstream" needs a retry waiting for its backoff while the body still arrives; the simulator starts the
//   first attempt once the body is complete or over the limit, so no retry ever waits on a body and such a request
//   gets the 503 of its one attempt (docs/envoy-istio.md#request-bodies-and-the-retry-buffer, measured on Envoy 1.37).
// The stream's buffer limit (http1/codec_impl.cc StreamEncoderImpl::bufferLimit, http2/codec_impl.cc
// per_stream_buffer_limit_): HTTP/1.1 the listener's per_connection_buffer_limit_bytes, HTTP/2 the
// initial_stream_window_size; Gardener's istio-ingressgateway EnvoyFilter sets 32768 and 65536 (docs/gardener.md#gateway-http2-settings).

/** Istio's default retry policy for a route without one: 2 retries, so up to 3 attempts. */
export const MAX_ATTEMPTS = 3;

/** The request body Envoy buffers for retries, per downstream protocol (Gardener's listener and HTTP/2 settings). */
export const RETRY_BUFFER_LIMIT_BYTES = { 'http/1.1': 32_768, h2: 65_536 } as const;

/** How an upstream attempt failed before response headers. */
export type UpstreamFailure = 'connect-failure' | 'refused-stream' | 'reset';

/** Istio's default `retry_on`: a connect failure and a refused stream are retriable, a reset after sending is not. */
export function isRetriable(failure: UpstreamFailure): boolean {
  return failure !== 'reset';
}

/** True while a body of `bytes` still fits the retry buffer; past it the router abandons retries for the request. */
export function fitsRetryBuffer(bytes: number, protocol: keyof typeof RETRY_BUFFER_LIMIT_BYTES): boolean {
  return bytes <= RETRY_BUFFER_LIMIT_BYTES[protocol];
}

export interface FailedAttempt {
  /** Which attempt failed, from 0. */
  attempt: number;
  failure: UpstreamFailure;
  /** The body outgrew the retry buffer: the request is streamed and has no retries left. */
  retriesAbandoned: boolean;
}

/** Whether the router makes another attempt (on a host not tried yet) after this failure, or answers 503. */
export function shouldRetry({ attempt, failure, retriesAbandoned }: FailedAttempt): boolean {
  return !retriesAbandoned && isRetriable(failure) && attempt + 1 < MAX_ATTEMPTS;
}
