// What a pod counts while it runs (sim/clients/accounting.ts), turned into a ClientRunResult at the end. Requests run
// in their own goroutines, so every update takes the one mutex; the histograms are recorded under it too.

package main

import (
	"strconv"
	"sync"
	"time"
)

type accounting struct {
	mu                 sync.Mutex
	epoch              time.Time
	attempts           int64
	answeredByCode     map[string]int64
	gatewayByCode      map[string]int64
	finalByCode        map[string]int64
	finalGatewayByCode map[string]int64
	errors             map[string]int64
	retries            map[string]int64
	watches            WatchCounts
	throttle           ThrottleWait
	perSecond          []int64
	inDoubt            int64
	unsent             int64
	latency            *histogram
	sendLags           *histogram
}

func newAccounting(epoch time.Time) *accounting {
	return &accounting{
		epoch:              epoch,
		answeredByCode:     map[string]int64{},
		gatewayByCode:      map[string]int64{},
		finalByCode:        map[string]int64{},
		finalGatewayByCode: map[string]int64{},
		errors:             map[string]int64{},
		retries:            map[string]int64{},
		perSecond:          []int64{},
		latency:            newHistogram(3),
		sendLags:           newHistogram(2),
	}
}

func (a *accounting) locked(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f()
}

// answered counts one attempt's answer: from a kube-apiserver (it carries Audit-Id) or made by the gateway.
func (a *accounting) answered(status int, hasAuditID bool) {
	a.locked(func() {
		a.attempts++
		target := a.gatewayByCode
		if hasAuditID {
			target = a.answeredByCode
		}
		target[strconv.Itoa(status)]++
	})
}

// finalAnswer counts the answer a request ended with (its last attempt's).
func (a *accounting) finalAnswer(status int, hasAuditID bool) {
	a.locked(func() {
		target := a.finalGatewayByCode
		if hasAuditID {
			target = a.finalByCode
		}
		target[strconv.Itoa(status)]++
	})
}

// attemptLost counts an attempt that was sent (or may have been) and got no answer.
func (a *accounting) attemptLost(inDoubt bool) {
	a.locked(func() {
		a.attempts++
		if inDoubt {
			a.inDoubt++
		}
	})
}

func (a *accounting) error(kind string)   { a.locked(func() { a.errors[kind]++ }) }
func (a *accounting) retry(reason string) { a.locked(func() { a.retries[reason]++ }) }
func (a *accounting) addInDoubt()         { a.locked(func() { a.inDoubt++ }) }
func (a *accounting) addUnsent()          { a.locked(func() { a.unsent++ }) }
func (a *accounting) watchOpened()        { a.locked(func() { a.watches.Opened++ }) }
func (a *accounting) watchEvent()         { a.locked(func() { a.watches.Events++ }) }

// throttled records a wait in client-go's rate limiter.
func (a *accounting) throttled(wait time.Duration) {
	ms := float64(wait) / float64(time.Millisecond)
	a.locked(func() {
		a.throttle.Count++
		a.throttle.TotalMs += ms
		a.throttle.MaxMs = max(a.throttle.MaxMs, ms)
	})
}

// sendLag records how late the schedule handed out a request (µs).
func (a *accounting) sendLag(intended, now time.Time) {
	a.locked(func() { a.sendLags.record(float64(now.Sub(intended)) / float64(time.Microsecond)) })
}

// completed records a request that ended with an answer: latency from its intended send time.
func (a *accounting) completed(intended, now time.Time) {
	a.locked(func() {
		a.latency.record(float64(now.Sub(intended)) / float64(time.Microsecond))
		second := max(0, int(now.Sub(a.epoch)/time.Second))
		for len(a.perSecond) <= second {
			a.perSecond = append(a.perSecond, 0)
		}
		a.perSecond[second]++
	})
}

// result is the pod's ClientRunResult; call it once the run has ended.
func (a *accounting) result(pod, group string, connections ConnectionCounts, identity *PodIdentity) (*ClientRunResult, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	latency, err := a.latency.encode()
	if err != nil {
		return nil, err
	}
	lags, err := a.sendLags.encode()
	if err != nil {
		return nil, err
	}
	return &ClientRunResult{
		Pod: pod, Group: group, Profile: "client-go",
		Attempts: a.attempts, AnsweredByCode: a.answeredByCode, GatewayByCode: a.gatewayByCode,
		Errors: a.errors, Retries: a.retries, Connections: connections, Watches: a.watches,
		LatencyHistogram: latency, SendLagHistogram: lags,
		FinalByCode: a.finalByCode, FinalGatewayByCode: a.finalGatewayByCode,
		ThrottleWait: a.throttle, PerSecond: a.perSecond, InDoubt: a.inDoubt, Unsent: a.unsent, Identity: identity,
	}, nil
}
