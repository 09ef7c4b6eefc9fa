// The round tripper that rest.Config.WrapTransport puts next to client-go's http.Transport: how client-go users
// instrument a client without changing its transport (client-go transport/round_trippers.go HTTPWrappersForConfig
// applies WrapTransport first, so this one sits innermost and sees every attempt, retries included, with the headers
// the outer wrappers added). It counts each attempt's answer by status code, split by the Audit-Id header that only
// a kube-apiserver sets (responses without it were made by the gateway), and each attempt that got no answer.

package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
)

type observingRoundTripper struct {
	next http.RoundTripper
}

func observe(next http.RoundTripper) http.RoundTripper {
	return &observingRoundTripper{next: next}
}

// WrappedRoundTripper lets client-go and apimachinery reach the transport underneath (utilnet.CloseIdleConnectionsFor).
func (o *observingRoundTripper) WrappedRoundTripper() http.RoundTripper { return o.next }

func (o *observingRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	t := traceFrom(req.Context())
	if t == nil {
		return o.next.RoundTrip(req)
	}
	t.wrote.Store(false)
	resp, err := o.next.RoundTrip(req)
	t.roundTrips++
	t.last = eventRoundTrip
	t.lastSent = err == nil || t.wrote.Load()
	if t.lastSent {
		t.sent++
	}
	if err != nil {
		t.lastStatus, t.lastAuditID, t.lastKind = 0, false, errorKind(err)
		o.lost(t)
		return resp, err
	}
	t.lastStatus, t.lastAuditID, t.lastKind = resp.StatusCode, resp.Header.Get("Audit-Id") != "", ""
	if t.acc != nil {
		t.acc.answered(resp.StatusCode, t.lastAuditID)
		if t.watch {
			t.acc.watchOpened()
		}
		// A gateway's own 5xx says in its body whether the request reached a replica (gateway.go).
		if !t.lastAuditID && resp.StatusCode >= 500 {
			resp.Body = &gatewayBody{ReadCloser: resp.Body, status: resp.StatusCode, acc: t.acc}
		}
	}
	return resp, nil
}

// lost counts an attempt that ended without an answer. One that was written is an attempt the server may have
// counted (in doubt); one that never left (no connection, TLS failure, refused stream) is not an attempt at all.
func (o *observingRoundTripper) lost(t *requestTrace) {
	if t.acc == nil || !t.lastSent || t.lastKind == "refused-stream" {
		return
	}
	t.acc.attemptLost(true)
}

// gatewayBody keeps the first bytes of a gateway's 5xx body; when client-go closes it, the text tells whether the
// request was lost after it reached a kube-apiserver (in doubt for the conservation check).
type gatewayBody struct {
	io.ReadCloser
	status int
	acc    *accounting
	head   bytes.Buffer
	closed bool
}

func (g *gatewayBody) Read(p []byte) (int, error) {
	n, err := g.ReadCloser.Read(p)
	if room := 512 - g.head.Len(); room > 0 {
		g.head.Write(p[:min(n, room)])
	}
	return n, err
}

func (g *gatewayBody) Close() error {
	if !g.closed {
		g.closed = true
		if lostAfterSend(g.status, strings.TrimSpace(g.head.String())) {
			g.acc.addInDoubt()
		}
	}
	return g.ReadCloser.Close()
}
