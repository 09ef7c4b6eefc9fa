package main

// An in-process stand-in for a kube-apiserver replica in tests: Go's own HTTP/2 server over TLS (net/http with
// EnableHTTP2 and an http.HTTP2Config, the same server code kube-apiserver runs), answering the paths the load client
// uses with Audit-Id set, and recording every request with the connection it came on.

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type seenRequest struct {
	method, path, query, remote, userAgent, authorization, proto string
	at                                                           time.Time
}

type fakeAPIServer struct {
	srv      *httptest.Server
	conns    atomic.Int64
	inFlight atomic.Int64
	mu       sync.Mutex
	seen     []seenRequest
	// override answers a request itself when it returns true.
	override func(w http.ResponseWriter, r *http.Request) bool
}

func newFakeAPIServer(t *testing.T, maxStreams uint32, override func(http.ResponseWriter, *http.Request) bool) *fakeAPIServer {
	t.Helper()
	f := &fakeAPIServer{override: override}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.EnableHTTP2 = true
	f.srv.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: int(maxStreams)}
	f.srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			f.conns.Add(1)
		}
	}
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPIServer) serve(w http.ResponseWriter, r *http.Request) {
	f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	f.mu.Lock()
	f.seen = append(f.seen, seenRequest{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, remote: r.RemoteAddr, userAgent: r.UserAgent(), authorization: r.Header.Get("Authorization"), proto: r.Proto, at: time.Now()})
	f.mu.Unlock()
	w.Header().Set("Audit-Id", fmt.Sprintf("audit-%d", time.Now().UnixNano()))
	w.Header().Set("Content-Type", "application/json")
	if f.override != nil && f.override(w, r) {
		return
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/selfsubjectreviews"):
		w.WriteHeader(201)
		fmt.Fprint(w, `{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview","status":{"userInfo":{"username":"system:serviceaccount:test:load","groups":["system:authenticated"]}}}`)
	case r.Method == "POST":
		w.WriteHeader(201)
		fmt.Fprint(w, `{}`)
	case r.URL.Query().Get("watch") == "true":
		w.WriteHeader(200)
		fmt.Fprint(w, `{"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"7"}}}`+"\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	case r.Method == "GET" && strings.Count(r.URL.Path, "/") == 5:
		fmt.Fprint(w, `{"apiVersion":"v1","kind":"ConfigMapList","metadata":{"resourceVersion":"5"},"items":[]}`)
	default:
		fmt.Fprint(w, `{}`)
	}
}

func (f *fakeAPIServer) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

// kubeconfig writes a token kubeconfig for the server, with its CA, and returns its path.
func (f *fakeAPIServer) kubeconfig(t *testing.T) string {
	t.Helper()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
	content := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: load
  user:
    token: test-token
contexts:
- name: test
  context: {cluster: test, user: load}
current-context: test
`, f.srv.URL, base64.StdEncoding.EncodeToString(ca))
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func testSpec() *LoadClientSpec {
	return &LoadClientSpec{Group: "g", Profile: "client-go", QPS: 10_000, Burst: 10_000, Rate: 100, Arrival: "constant",
		Mix: []MixEntry{{Verb: "get", Resource: "configmaps", Weight: 1, Objects: 1}}, Watches: []WatchEntry{}, MaxRetries: 10, RandomSeed: 1}
}

func newTestPod(t *testing.T, f *fakeAPIServer, name string, spec *LoadClientSpec) *Pod {
	t.Helper()
	config, err := loadKubeconfig(f.kubeconfig(t), "")
	if err != nil {
		t.Fatal(err)
	}
	pod, err := newPodFromConfig(PodMeta{Name: name, Namespace: "test"}, spec, config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pod.Close)
	return pod
}

// eventually polls cond every 10 ms until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
