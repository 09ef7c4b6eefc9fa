// The pod's client-side rate limiter: client-go's own token bucket (util/flowcontrol NewTokenBucketRateLimiter, a
// golang.org/x/time/rate.Limiter that starts full at Burst and refills at QPS), set as rest.Config.RateLimiter so
// every group client of the clientset shares it, as it does when client-go builds it from QPS/Burst
// (kubernetes.NewForConfigAndClient). Two additions, neither changing what the bucket decides:
//   - a /set with new QPS/Burst swaps in a new, full bucket, as a controller restarted with a new rest.Config gets;
//   - the wait is measured: TryAccept first (it takes a token only if one is there now, and changes nothing when not),
//     then Wait, so a request that found a token is not counted as throttled.
// Before every attempt but the first, client-go calls Wait again (rest/with_retry.go Before -> tryThrottleWithInfo),
// after sleeping the Retry-After: that is where a retry is counted, with the reason from the previous attempt.
// QPS 0 / Burst 0 mean client-go's defaults, rest.DefaultQPS 5 and rest.DefaultBurst 10 (rest/config.go).

package main

import (
	"context"
	"sync/atomic"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

type podRateLimiter struct {
	current atomic.Pointer[flowcontrol.RateLimiter]
}

func newPodRateLimiter(qps float64, burst int) *podRateLimiter {
	l := &podRateLimiter{}
	l.set(qps, burst)
	return l
}

// set replaces the bucket with a new, full one. 0 means client-go's default.
func (l *podRateLimiter) set(qps float64, burst int) {
	if qps == 0 {
		qps = float64(rest.DefaultQPS)
	}
	if burst == 0 {
		burst = rest.DefaultBurst
	}
	bucket := flowcontrol.NewTokenBucketRateLimiter(float32(qps), burst)
	l.current.Store(&bucket)
}

func (l *podRateLimiter) bucket() flowcontrol.RateLimiter { return *l.current.Load() }

func (l *podRateLimiter) TryAccept() bool { return l.bucket().TryAccept() }
func (l *podRateLimiter) Accept()         { l.bucket().Accept() }
func (l *podRateLimiter) Stop()           { l.bucket().Stop() }
func (l *podRateLimiter) QPS() float32    { return l.bucket().QPS() }

func (l *podRateLimiter) Wait(ctx context.Context) error {
	t := traceFrom(ctx)
	if t != nil {
		if t.acc != nil && t.roundTrips > 0 {
			t.acc.retry(t.retryReason())
		}
		t.last = eventThrottle
	}
	// rate.Limiter.Wait returns at once for a context that is done; TryAccept alone would not.
	if err := ctx.Err(); err != nil {
		return err
	}
	bucket := l.bucket()
	if bucket.TryAccept() {
		return nil
	}
	start := time.Now()
	err := bucket.Wait(ctx)
	if t != nil && t.acc != nil {
		t.acc.throttled(time.Since(start))
	}
	return err
}
