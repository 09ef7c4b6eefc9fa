// One logical request's trace across its attempts. client-go's rest.Request makes every attempt (the first and each
// retry) with the context the caller passed to Do or Watch, so a value in that context reaches the three places that
// see an attempt: the rate limiter (limiter.go, before each attempt), the round tripper that rest.Config.WrapTransport
// installs next to the wire (observe.go), and net/http/httptrace, which tells whether the attempt was written.
// Attempts of one request are sequential; only the `wrote` flag is set from the transport's writer goroutine.

package main

import (
	"context"
	"net/http/httptrace"
	"sync/atomic"
)

type traceKey struct{}

// attemptEvent is the last thing that happened to a request.
type attemptEvent int

const (
	eventNone attemptEvent = iota
	// eventThrottle: client-go asked the rate limiter for a token (before the first attempt or a retry).
	eventThrottle
	// eventRoundTrip: an attempt went through the transport and came back (answer or error).
	eventRoundTrip
)

type requestTrace struct {
	// acc is nil for requests outside the load phase (prepare).
	acc   *accounting
	watch bool
	// roundTrips counts the attempts that went to the transport; sent counts those that were written.
	roundTrips int
	sent       int
	last       attemptEvent
	// The last attempt: its status (0 = no answer), whether an apiserver made it, its error kind, whether it was written.
	lastStatus  int
	lastAuditID bool
	lastKind    string
	lastSent    bool
	wrote       atomic.Bool
}

func withTrace(ctx context.Context, t *requestTrace) context.Context {
	ctx = context.WithValue(ctx, traceKey{}, t)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { t.wrote.Store(true) }})
}

func traceFrom(ctx context.Context) *requestTrace {
	t, _ := ctx.Value(traceKey{}).(*requestTrace)
	return t
}

// retryReason names why client-go is about to make another attempt, from the previous attempt's outcome
// (rest/with_retry.go IsNextRetry: a 429 or 5xx with Retry-After, or a GET that hit a connection reset, which
// client-go turns into an artificial 500 with Retry-After: 1).
func (t *requestTrace) retryReason() string {
	switch {
	case t.lastStatus == 429:
		return "retry-after-429"
	case t.lastStatus >= 500:
		return "retry-after-5xx"
	default:
		return "connection-reset"
	}
}
