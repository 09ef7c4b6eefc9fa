package main

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Latency runs from the intended send time. With QPS 5 / Burst 1 and 20 requests intended over one second, the
// requests queue in the token bucket before they are sent: the last goes out about 3.8 s after it was meant to, and
// its latency says so, although the server answers at once. A closed-loop measurement (from the actual send) would
// report a few milliseconds. The result is also written to $LOADCLIENT_RESULT_OUT for the vitest that decodes it
// with hdr-histogram-js (test/loadclient/loadClient.test.ts).
func TestLatencyIsMeasuredFromTheIntendedSendTime(t *testing.T) {
	f := newFakeAPIServer(t, 100, nil)
	spec := testSpec()
	spec.QPS, spec.Burst, spec.Rate = 5, 1, 20
	pod := newTestPod(t, f, "pod-a", spec)
	prepared(t, pod)
	pod.clients.limiter.set(5, 1)
	result, err := pod.Run(RunOptions{Duration: time.Second, MaxRequests: 1000, DrainTimeout: 10 * time.Second, Epoch: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if result.FinalByCode["200"] != 20 {
		t.Fatalf("final %v, want 20 answers", result.FinalByCode)
	}
	latency, err := hdrhistogram.Decode([]byte(result.LatencyHistogram))
	if err != nil {
		t.Fatal(err)
	}
	lags, err := hdrhistogram.Decode([]byte(result.SendLagHistogram))
	if err != nil {
		t.Fatal(err)
	}
	if latency.TotalCount() != 20 || lags.TotalCount() != 20 {
		t.Fatalf("histograms hold %d latencies and %d send lags, want 20 each", latency.TotalCount(), lags.TotalCount())
	}
	// The k-th request (k from 0) is intended at phase + 50k ms and sent at about 200k ms: it waited ~150k ms.
	if maxMs := float64(latency.Max()) / 1000; maxMs < 2700 || maxMs > 3200 {
		t.Errorf("longest latency %.0f ms, want ~2850 ms (queued in the token bucket)", maxMs)
	}
	if minMs := float64(latency.Min()) / 1000; minMs > 100 {
		t.Errorf("shortest latency %.0f ms, want a few ms (the first request found a token)", minMs)
	}
	// The latency is the token bucket's queue, not the schedule's own lag (bounded loosely: the machine may be busy).
	if lagMs := float64(lags.Max()) / 1000; lagMs > 500 {
		t.Errorf("send lag up to %.0f ms: the schedule itself fell behind", lagMs)
	}
	if result.ThrottleWait.Count != 19 {
		t.Errorf("throttled %d times, want 19", result.ThrottleWait.Count)
	}
	if out := os.Getenv("LOADCLIENT_RESULT_OUT"); out != "" {
		data, _ := json.Marshal(result)
		if err := os.WriteFile(out, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
