// One request of the load through client-go's REST client: rest.Request with MaxRetries from the spec (client-go
// retries 429/5xx with Retry-After and GETs after a connection reset, rest/with_retry.go), its token bucket before
// every attempt, its transport. What happened to each attempt comes from the request's trace (trace.go); how the
// request ended is decided here, with the simulator's accounting (clientGoPod.ts execute):
//   - an answer (after retries): finalByCode / finalGatewayByCode, and its latency from the intended send time;
//   - headers came but the body broke: reset-during-response (or cancelled-at-end when the run cut it off);
//   - cut off by the end of the run in flight: in doubt (counted by the attempt); before it was ever sent: unsent;
//     between attempts: cancelled-at-end;
//   - any other failure: counted by its kind (errkind.go).

package main

import (
	"context"
	"errors"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
)

func (p *Pod) request(call restCall) *rest.Request {
	return buildRequest(p.clients.rest, call, p.spec.MaxRetries)
}

// buildRequest makes the call a rest.Request of client (the pod's, or one connection's of an http1-pool, pool.go).
func buildRequest(client rest.Interface, call restCall, maxRetries int) *rest.Request {
	var r *rest.Request
	if call.method == "PATCH" {
		r = client.Patch(types.MergePatchType)
	} else {
		r = client.Verb(call.method)
	}
	r = r.AbsPath(call.path).MaxRetries(maxRetries)
	for _, param := range call.params {
		r = r.Param(param[0], param[1])
	}
	if call.body != nil {
		r = r.Body(call.body).SetHeader("Content-Type", call.contentType)
	}
	return r
}

func (p *Pod) execute(ctx context.Context, call restCall, intended time.Time, acc *accounting) {
	executeRequest(ctx, p.request(call), intended, acc)
}

// executeRequest sends r and counts how it ended; latency runs from intended.
func executeRequest(ctx context.Context, r *rest.Request, intended time.Time, acc *accounting) {
	trace := &requestTrace{acc: acc}
	result := r.Do(withTrace(ctx, trace))
	now := time.Now()
	var status int
	result.StatusCode(&status)
	err := result.Error()
	switch {
	case status != 0:
		acc.finalAnswer(status, trace.lastAuditID)
		acc.completed(intended, now)
	case trace.last == eventRoundTrip && trace.lastStatus != 0:
		if ctx.Err() != nil {
			acc.error("cancelled-at-end")
		} else {
			acc.error("reset-during-response")
		}
	case errors.Is(err, context.Canceled) && !(trace.last == eventRoundTrip && trace.lastSent):
		// Cut off before it was sent, or between attempts.
		if trace.sent > 0 {
			acc.error("cancelled-at-end")
		} else {
			acc.addUnsent()
		}
	case trace.last == eventRoundTrip && trace.lastKind == "cancelled":
		// Cut off in flight: the attempt is in doubt (observe.go counted it).
	case trace.last == eventRoundTrip && trace.lastKind != "":
		acc.error(trace.lastKind)
	default:
		acc.error(errorKind(err))
	}
}
