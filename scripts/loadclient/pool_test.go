package main

// The http1-pool profile (pool.go) against Go's own TLS server: the pool's shares are autocannon's, every request
// goes over HTTP/1.1 on one of `connections` keep-alive connections, each connection sends its share of each second,
// reconnectRate replaces a connection after that many answers, and the pool's rate cannot be changed.

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func http1Spec(connections int, reconnect *int) *LoadClientSpec {
	spec := testSpec()
	spec.Profile = profileHTTP1Pool
	spec.HTTP1 = &HTTP1Settings{Connections: connections, ReconnectRate: reconnect}
	return spec
}

// autocannon v9 lib/run.js: connections = min(connections, overallRate); distributeNums(x, i) =
// floor(x / connections) + (i + 1 <= x % connections ? 1 : 0), for the rate and the budget (amount).
func TestPoolSharesAsAutocannon(t *testing.T) {
	cases := []struct {
		connections int
		rate        float64
		amount      int
		want        []poolShare
	}{
		{3, 10, 10, []poolShare{{4, 4}, {3, 3}, {3, 3}}},
		{25, 5, 100, []poolShare{{1, 20}, {1, 20}, {1, 20}, {1, 20}, {1, 20}}},
		{2, 400, 2400, []poolShare{{200, 1200}, {200, 1200}}},
		// A budget smaller than the pool: autocannon refuses, here the connections without a request are not opened.
		{4, 100, 2, []poolShare{{25, 1}, {25, 1}}},
	}
	for _, c := range cases {
		got := poolShares(c.connections, c.rate, c.amount)
		if len(got) != len(c.want) {
			t.Fatalf("poolShares(%d, %v, %d) = %v, want %v", c.connections, c.rate, c.amount, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("poolShares(%d, %v, %d)[%d] = %v, want %v", c.connections, c.rate, c.amount, i, got[i], c.want[i])
			}
		}
	}
}

func runPoolPod(t *testing.T, f *fakeAPIServer, spec *LoadClientSpec, duration time.Duration) (*ClientRunResult, time.Time) {
	t.Helper()
	pod := newTestPod(t, f, "pool", spec)
	prepared(t, pod)
	before := len(f.requests())
	epoch := time.Now()
	result, err := pod.Run(RunOptions{Duration: duration, MaxRequests: 10_000, DrainTimeout: 5 * time.Second, Epoch: epoch})
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.seen = f.seen[before:]
	f.mu.Unlock()
	return result, epoch
}

// expectConnections: the server saw the requests over `connections` client connections, `each` on every one.
func expectConnections(t *testing.T, f *fakeAPIServer, connections, each int) {
	t.Helper()
	perConnection := map[string]int{}
	for _, r := range f.requests() {
		perConnection[r.remote]++
	}
	if len(perConnection) != connections {
		t.Fatalf("requests came over %d connections, want %d: %v", len(perConnection), connections, perConnection)
	}
	for remote, n := range perConnection {
		if n != each {
			t.Errorf("connection %s carried %d requests, want %d", remote, n, each)
		}
	}
}

func TestPoolSpreadsOverItsConnectionsOverHTTP1(t *testing.T) {
	f := newFakeAPIServer(t, 100, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "GET" && strings.Contains(r.URL.Path, "/configmaps/") {
			time.Sleep(20 * time.Millisecond)
		}
		return false
	})
	spec := http1Spec(4, nil)
	spec.Rate = 40
	result, epoch := runPoolPod(t, f, spec, 2*time.Second)
	for _, r := range f.requests() {
		if r.proto != "HTTP/1.1" {
			t.Fatalf("request over %s, want HTTP/1.1", r.proto)
		}
	}
	// 40 req/s for 2 s over 4 connections: 10 per connection and second, each on its own keep-alive connection.
	expectConnections(t, f, 4, 20)
	if result.Connections.Opened != 4 || result.FinalByCode["200"] != 80 || result.Attempts != 80 {
		t.Errorf("opened %d, answered %d of %d attempts; want 4 connections and 80 of 80", result.Connections.Opened, result.FinalByCode["200"], result.Attempts)
	}
	// Each connection used its share of the first second, then waited for the next one (autocannon's 1 s window).
	// Each connection used its share of the first second (a burst of 10 × 20 ms), then waited for the next second
	// (autocannon's 1 s window): nothing of the second window is sent before epoch + 1 s.
	var firstSecond, secondSecond int
	for _, r := range f.requests() {
		if r.at.Before(epoch.Add(time.Second)) {
			firstSecond++
		} else {
			secondSecond++
		}
	}
	if firstSecond != 40 || secondSecond != 40 {
		t.Errorf("%d requests in the first second and %d in the second, want 40 and 40", firstSecond, secondSecond)
	}
}

func TestPoolReconnectsAfterReconnectRateAnswers(t *testing.T) {
	f := newFakeAPIServer(t, 100, nil)
	reconnect := 5
	spec := http1Spec(2, &reconnect)
	spec.Rate = 20
	result, _ := runPoolPod(t, f, spec, time.Second)
	// 2 connections × 10 requests: each connection is replaced after its 5th answer (and closed after its 10th).
	if result.Connections.Opened != 4 {
		t.Errorf("opened %d connections, want 4", result.Connections.Opened)
	}
	expectConnections(t, f, 4, 5)
	if result.FinalByCode["200"] != 20 {
		t.Errorf("answered %d, want 20 (autocannon drops the answer it reconnects on; this pool counts it)", result.FinalByCode["200"])
	}
}

func TestPoolRateCannotChange(t *testing.T) {
	f := newFakeAPIServer(t, 100, nil)
	pod := newTestPod(t, f, "pool", http1Spec(2, nil))
	server := httptest.NewServer(newControlServer(context.Background(), pod, &jsonLogger{out: io.Discard}))
	defer server.Close()
	resp, err := http.Get(server.URL + "/set?rate=10")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 409 {
		t.Errorf("/set on an http1-pool pod: HTTP %d, want 409", resp.StatusCode)
	}
}
