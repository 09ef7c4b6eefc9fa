// The texts of the answers Envoy makes itself when an upstream attempt fails (docs/envoy-istio.md#retries), shared by
// the simulated gateway, which sends them, and the client pods, which read them to know whether a request reached a
// kube-apiserver. Envoy's router (source/common/router/router.cc, onUpstreamReset / onResponseTimeout) answers:
//   503 "upstream connect error or disconnect/reset before headers. reset reason: <reason>"
//   504 "upstream request timeout"
// where <reason> names the stream reset (Http::StreamResetReason's string form). "connection failure" means no
// connection came up and "refused stream" that the upstream refused the stream (GOAWAY): the request never reached
// it. "connection termination" and "remote reset" come after the request was sent, and a route timeout fires with
// the request under way: the kube-apiserver may have executed and counted such a request, so for the measurement
// it is in doubt (docs/measurement.md#conservation). A real Envoy sends the same texts, so this holds on the kind
// target too.

export type UpstreamResetReason = 'connection failure' | 'refused stream' | 'remote reset' | 'connection termination';

const RESET_PREFIX = 'upstream connect error or disconnect/reset before headers. reset reason: ';
export const UPSTREAM_TIMEOUT_TEXT = 'upstream request timeout';

export function upstreamFailureText(reason: UpstreamResetReason): string {
  return `${RESET_PREFIX}${reason}`;
}

/** Whether an answer the gateway made (no Audit-Id) says the request was lost after it reached an upstream. */
export function lostAfterSend(status: number, body: string): boolean {
  if (status === 504) return body === UPSTREAM_TIMEOUT_TEXT;
  if (status !== 503 || !body.startsWith(RESET_PREFIX)) return false;
  const reason = body.slice(RESET_PREFIX.length);
  return reason === 'connection termination' || reason === 'remote reset';
}
