package main

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func prepared(t *testing.T, pod *Pod) {
	t.Helper()
	if p := pod.Prepare(context.Background()); p.Error != "" {
		t.Fatalf("prepare: %s", p.Error)
	}
}

// Two pods in one process, each with ~20 requests in flight at a time: each keeps to one connection of its own.
func TestOneConnectionPerPod(t *testing.T) {
	f := newFakeAPIServer(t, 100, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "GET" && strings.Contains(r.URL.Path, "/configmaps/") {
			time.Sleep(50 * time.Millisecond)
		}
		return false
	})
	pods := []*Pod{newTestPod(t, f, "pod-a", testSpec()), newTestPod(t, f, "pod-b", testSpec())}
	var wg sync.WaitGroup
	results := make([]*ClientRunResult, len(pods))
	for i, pod := range pods {
		prepared(t, pod)
		pod.Change(ptr(400.0), nil, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := pod.Run(RunOptions{Duration: time.Second, MaxRequests: 1000, DrainTimeout: 5 * time.Second, Epoch: time.Now()})
			if err != nil {
				t.Error(err)
			}
			results[i] = r
		}()
	}
	wg.Wait()
	remotes := map[string]map[string]bool{}
	for _, r := range f.requests() {
		pod := strings.Split(strings.TrimPrefix(r.path, "/api/v1/namespaces/test/configmaps/"), "-con-")[0]
		if remotes[pod] == nil {
			remotes[pod] = map[string]bool{}
		}
		remotes[pod][r.remote] = true
	}
	for i, pod := range pods {
		if results[i].Connections.Opened != 1 {
			t.Errorf("%s opened %d connections, want 1", pod.meta.Name, results[i].Connections.Opened)
		}
		if n := results[i].FinalByCode["200"]; n < 300 {
			t.Errorf("%s: %d answered, want ~400", pod.meta.Name, n)
		}
		if len(remotes[pod.meta.Name]) != 1 {
			t.Errorf("%s came from %d client addresses: %v", pod.meta.Name, len(remotes[pod.meta.Name]), remotes[pod.meta.Name])
		}
	}
	if f.conns.Load() != 2 {
		t.Errorf("server saw %d connections, want 2 (one per pod)", f.conns.Load())
	}
	for remote := range remotes["pod-a"] {
		if remotes["pod-b"][remote] {
			t.Errorf("pods share the connection from %s", remote)
		}
	}
}

// With the server's SETTINGS_MAX_CONCURRENT_STREAMS at 10, ten requests in flight share one connection; the
// eleventh opens a second one (x/net/http2 StrictMaxConcurrentStreams false).
func TestSecondConnectionOnlyBeyondTheStreamLimit(t *testing.T) {
	release := make(chan struct{})
	f := newFakeAPIServer(t, 10, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "GET" && strings.Contains(r.URL.Path, "/configmaps/") {
			<-release
		}
		return false
	})
	pod := newTestPod(t, f, "pod-a", testSpec())
	prepared(t, pod)
	acc := newAccounting(time.Now())
	var wg sync.WaitGroup
	start := func(n int) {
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pod.execute(context.Background(), pod.mix.nextLocked(&pod.mu), time.Now(), acc)
			}()
		}
	}
	defer func() {
		close(release)
		wg.Wait()
	}()
	start(10)
	eventually(t, 5*time.Second, "10 requests in flight", func() bool { return f.inFlight.Load() == 10 })
	if n := pod.clients.dialer.opened.Load(); n != 1 {
		t.Fatalf("%d connections with 10 streams in flight, want 1", n)
	}
	start(1)
	eventually(t, 5*time.Second, "11 requests in flight", func() bool { return f.inFlight.Load() == 11 })
	if n := pod.clients.dialer.opened.Load(); n != 2 {
		t.Fatalf("%d connections with 11 streams in flight, want 2", n)
	}
	if f.conns.Load() != 2 {
		t.Fatalf("server saw %d connections, want 2", f.conns.Load())
	}
}

// The server sends a graceful GOAWAY after the 20th request on each connection, as kube-apiserver's --goaway-chance
// filter does (a "Connection: close" response header makes Go's HTTP/2 server send GOAWAY). Every request is still
// answered; the client reconnects, and counts each GOAWAY.
func TestReconnectAfterGoawayWithoutLosingRequests(t *testing.T) {
	var mu sync.Mutex
	perConn := map[string]int{}
	var goaways int
	f := newFakeAPIServer(t, 100, func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		perConn[r.RemoteAddr]++
		if perConn[r.RemoteAddr] == 20 {
			goaways++
			w.Header().Set("Connection", "close")
		}
		return false
	})
	pod := newTestPod(t, f, "pod-a", testSpec())
	prepared(t, pod)
	pod.Change(ptr(200.0), nil, nil)
	before := pod.tap.goaways.Load()
	result, err := pod.Run(RunOptions{Duration: time.Second, MaxRequests: 1000, DrainTimeout: 5 * time.Second, Epoch: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if result.FinalByCode["200"] != 200 || len(result.Errors) != 0 || result.InDoubt != 0 || result.Unsent != 0 {
		t.Fatalf("lost requests: final %v errors %v inDoubt %d unsent %d", result.FinalByCode, result.Errors, result.InDoubt, result.Unsent)
	}
	mu.Lock()
	sent := goaways
	mu.Unlock()
	if sent < 5 {
		t.Fatalf("server sent only %d GOAWAYs", sent)
	}
	eventually(t, 5*time.Second, "every GOAWAY counted", func() bool { return pod.tap.goaways.Load()-before == int64(sent) })
	// Each GOAWAY moves the requests to one new connection. Requests that arrive while it is being dialled start
	// dials of their own in net/http (golang/go#27753); those connections are closed unused, but they were opened
	// (the server saw them too), so connections.opened counts them.
	used := map[string]bool{}
	for _, r := range f.requests() {
		used[r.remote] = true
	}
	t.Logf("GOAWAYs %d, connections opened %d (server saw %d), %d carried requests", sent, result.Connections.Opened, f.conns.Load(), len(used))
	// The server can see one more than the client counted: a dial net/http cancels once another connection serves its
	// request may have connected already (the server logs "TLS handshake error ... EOF"); the dialer returned an error
	// for it, so it was never the pod's connection.
	if len(used) < sent || len(used) > sent+1 || result.Connections.Opened < int64(len(used)) || f.conns.Load() < result.Connections.Opened {
		t.Fatalf("%d GOAWAYs: %d connections carried requests, %d opened, the server saw %d", sent, len(used), result.Connections.Opened, f.conns.Load())
	}
}

func ptr[T any](v T) *T { return &v }
