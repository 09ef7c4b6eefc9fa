// The answers Envoy makes itself when an upstream attempt fails (sim/network/envoyLocalReply.ts; Envoy
// source/common/router/router.cc onUpstreamReset / onResponseTimeout): 503 "upstream connect error or
// disconnect/reset before headers. reset reason: <reason>" and 504 "upstream request timeout". "connection
// termination" and "remote reset" come after the request was sent, and a route timeout fires with the request under
// way: the kube-apiserver may have executed and counted such a request, so it is in doubt.

package main

import "strings"

const (
	upstreamResetPrefix = "upstream connect error or disconnect/reset before headers. reset reason: "
	upstreamTimeoutText = "upstream request timeout"
)

// lostAfterSend says whether a gateway answer (no Audit-Id) reports a request lost after it reached an upstream.
func lostAfterSend(status int, body string) bool {
	if status == 504 {
		return body == upstreamTimeoutText
	}
	if status != 503 || !strings.HasPrefix(body, upstreamResetPrefix) {
		return false
	}
	reason := strings.TrimPrefix(body, upstreamResetPrefix)
	return reason == "connection termination" || reason == "remote reset"
}
