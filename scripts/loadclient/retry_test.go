package main

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A 429 with Retry-After: 1, twice, then 200: client-go waits the second each time, then answers; every attempt
// is counted, and the request ends with the 200.
func TestTooManyRequestsWithRetryAfterIsHonoured(t *testing.T) {
	var answered atomic.Int64
	f := newFakeAPIServer(t, 100, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "GET" && strings.Contains(r.URL.Path, "/configmaps/") && answered.Add(1) <= 2 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","code":429,"reason":"TooManyRequests"}`))
			return true
		}
		return false
	})
	pod := newTestPod(t, f, "pod-a", testSpec())
	prepared(t, pod)
	acc := newAccounting(time.Now())
	start := time.Now()
	pod.execute(context.Background(), pod.mix.next(), start, acc)
	result, err := acc.result("pod-a", "g", ConnectionCounts{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if result.Attempts != 3 || result.AnsweredByCode["429"] != 2 || result.AnsweredByCode["200"] != 1 ||
		result.Retries["retry-after-429"] != 2 || result.FinalByCode["200"] != 1 || len(result.FinalByCode) != 1 {
		t.Fatalf("attempts %d answered %v retries %v final %v", result.Attempts, result.AnsweredByCode, result.Retries, result.FinalByCode)
	}
	var times []time.Time
	for _, r := range f.requests() {
		if r.method == "GET" && strings.Contains(r.path, "/configmaps/") {
			times = append(times, r.at)
		}
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < time.Second || gap > 1500*time.Millisecond {
			t.Errorf("attempt %d came %v after the previous one, want Retry-After's 1 s", i+1, gap)
		}
	}
}

// maxRetries bounds the attempts: maxRetries 1 and a server that always answers 429 make two attempts, and the
// request ends with the 429. A 503 without Retry-After is not retried at all (rest/with_retry.go checkWait).
func TestRetriesStopAtMaxRetriesAndWithoutRetryAfter(t *testing.T) {
	f := newFakeAPIServer(t, 100, func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case strings.HasSuffix(r.URL.Path, "-con-0"):
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(429)
			return true
		case strings.HasSuffix(r.URL.Path, "-con-1"):
			w.WriteHeader(503)
			return true
		}
		return false
	})
	spec := testSpec()
	spec.MaxRetries = 1
	pod := newTestPod(t, f, "pod-a", spec)
	acc := newAccounting(time.Now())
	for _, name := range []string{"pod-a-con-0", "pod-a-con-1"} {
		call := restCall{verb: "get", method: "GET", resource: "configmaps", path: collectionPath("configmaps", "test") + "/" + name}
		pod.execute(context.Background(), call, time.Now(), acc)
	}
	result, _ := acc.result("pod-a", "g", ConnectionCounts{}, nil)
	if result.Attempts != 3 || result.AnsweredByCode["429"] != 2 || result.AnsweredByCode["503"] != 1 ||
		result.Retries["retry-after-429"] != 1 || len(result.Retries) != 1 || result.FinalByCode["429"] != 1 || result.FinalByCode["503"] != 1 {
		t.Fatalf("attempts %d answered %v retries %v final %v", result.Attempts, result.AnsweredByCode, result.Retries, result.FinalByCode)
	}
}

// QPS 0 / Burst 0 in the spec leave client-go's defaults, 5 and 10 (rest/config.go DefaultQPS, DefaultBurst): 20
// requests at once go out as 10 at once, then one every 200 ms.
func TestDefaultQPSFiveBurstTen(t *testing.T) {
	f := newFakeAPIServer(t, 100, nil)
	spec := testSpec()
	spec.QPS, spec.Burst = 0, 0
	pod := newTestPod(t, f, "pod-a", spec)
	if pod.clients.limiter.QPS() != 5 {
		t.Fatalf("limiter QPS %v, want 5", pod.clients.limiter.QPS())
	}
	// The warm-up took a token from the bucket; a fresh, full one for the measurement, as client-go starts with.
	pod.clients.limiter.set(0, 0)
	acc := newAccounting(time.Now())
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call := restCall{verb: "get", method: "GET", resource: "leases", path: collectionPath("leases", "test") + "/x"}
			pod.execute(context.Background(), call, start, acc)
		}()
	}
	wg.Wait()
	var offsets []time.Duration
	for _, r := range f.requests() {
		if strings.HasSuffix(r.path, "/leases/x") {
			offsets = append(offsets, r.at.Sub(start))
		}
	}
	sort.Slice(offsets, func(i, j int) bool { return offsets[i] < offsets[j] })
	if len(offsets) != 20 {
		t.Fatalf("%d requests arrived", len(offsets))
	}
	for i, at := range offsets {
		// The 11th and later wait (i-9) * 200 ms for a token.
		want := time.Duration(max(0, i-9)) * 200 * time.Millisecond
		if at < want-20*time.Millisecond || at > want+250*time.Millisecond {
			t.Errorf("request %d arrived at %v, want about %v", i+1, at, want)
		}
	}
	result, _ := acc.result("pod-a", "g", ConnectionCounts{}, nil)
	if result.ThrottleWait.Count != 10 || result.ThrottleWait.MaxMs < 1900 || result.ThrottleWait.MaxMs > 2200 {
		t.Errorf("throttle wait %+v, want 10 waits, the longest ~2000 ms", result.ThrottleWait)
	}
}
