// The HTTP control port the kind target drives a load-client pod through (scripts/targets/kind/loadClient/protocol.ts
// CONTROL_PATHS, reached via the seed API server's pod proxy): the same paths, parameters, status codes and bodies as
// the Node load client (scripts/targets/kind/loadClient/main.ts).
//   /healthz   200 {ok, pod}
//   /prepare   ?retryForMs: the warm-up, started by the first call; every call answers 200 PodPrepared when done
//   /run       ?durationMs&maxRequests&drainTimeoutMs&epochUnixMs: 202 {ok}; 409 if a run was started; 400 bad input
//   /result    202 {running} while under way, 200 ClientRunResult, 500 {error} if the run failed
//   /set       ?rate&qps&burst: 200 {ok, change}
//   /stop      200 {ok}: the load ends for good; /result still reports what it did

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"
)

// prepareRetryPause is the pause between warm-up attempts (main.ts PREPARE_RETRY_MS).
const prepareRetryPause = time.Second

type controlServer struct {
	pod    *Pod
	logger *jsonLogger
	ctx    context.Context

	mu        sync.Mutex
	preparing chan struct{}
	prepared  PodPrepared
	running   bool
	result    *ClientRunResult
	failure   string
}

func newControlServer(ctx context.Context, pod *Pod, logger *jsonLogger) *controlServer {
	return &controlServer{ctx: ctx, pod: pod, logger: logger}
}

func send(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (c *controlServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	switch r.URL.Path {
	case "/healthz":
		send(w, 200, map[string]any{"ok": true, "pod": c.pod.meta.Name})
	case "/prepare":
		c.prepare(w, r, query.Get("retryForMs"))
	case "/run":
		c.run(w, query)
	case "/result":
		c.mu.Lock()
		defer c.mu.Unlock()
		switch {
		case c.failure != "":
			send(w, 500, map[string]any{"error": c.failure})
		case c.result != nil:
			send(w, 200, c.result)
		default:
			send(w, 202, map[string]any{"running": c.running})
		}
	case "/set":
		c.set(w, query)
	case "/stop":
		c.pod.Stop()
		send(w, 200, map[string]any{"ok": true})
	default:
		send(w, 404, map[string]any{"error": "unknown path " + r.URL.Path})
	}
}

func (c *controlServer) prepare(w http.ResponseWriter, r *http.Request, retryForMs string) {
	retryFor, err := optionalMillis("retryForMs", retryForMs)
	if err != nil {
		send(w, 400, map[string]any{"error": err.Error()})
		return
	}
	c.mu.Lock()
	if c.preparing == nil {
		done := make(chan struct{})
		c.preparing = done
		go func() {
			prepared := c.pod.PrepareWithRetries(c.ctx, retryFor, prepareRetryPause, c.logger.log)
			c.mu.Lock()
			c.prepared = prepared
			c.mu.Unlock()
			close(done)
		}()
	}
	done := c.preparing
	c.mu.Unlock()
	select {
	case <-done:
		c.mu.Lock()
		prepared := c.prepared
		c.mu.Unlock()
		send(w, 200, prepared)
	case <-r.Context().Done():
	}
}

func (c *controlServer) run(w http.ResponseWriter, query map[string][]string) {
	options, err := parseRunRequest(query, time.Now())
	if err != nil {
		send(w, 400, map[string]any{"error": err.Error()})
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		send(w, 409, map[string]any{"error": "already running"})
		return
	}
	c.running = true
	c.logger.log("run", map[string]any{"durationMs": options.Duration.Milliseconds(), "maxRequests": options.MaxRequests,
		"drainTimeoutMs": options.DrainTimeout.Milliseconds(), "epochUnixMs": options.Epoch.UnixMilli()})
	go func() {
		result, err := c.pod.Run(options)
		// Its connections close now; the result stays readable until the pod is deleted.
		c.pod.Close()
		c.mu.Lock()
		defer c.mu.Unlock()
		if err != nil {
			c.failure = err.Error()
			c.logger.log("run failed", map[string]any{"error": c.failure})
			return
		}
		c.result = result
		c.logger.log("result", map[string]any{"result": result})
	}()
	send(w, 202, map[string]any{"ok": true})
}

func (c *controlServer) set(w http.ResponseWriter, query map[string][]string) {
	if c.pod.spec.Profile == profileHTTP1Pool {
		// As the simulator's pod (autocannon fixes its rate when it starts); scenarios/events.ts refuses it up front.
		send(w, 409, map[string]any{"error": "the http1-pool profile cannot change its rate or QPS while it runs"})
		return
	}
	change := map[string]any{}
	var rate, qps *float64
	var burst *int
	for _, key := range []string{"rate", "qps", "burst"} {
		raw, ok := query[key]
		if !ok {
			continue
		}
		value, err := parseNumber(key, raw[0])
		if err != nil || value <= 0 || (key == "burst" && value != math.Trunc(value)) {
			send(w, 400, map[string]any{"error": fmt.Sprintf("%s must be a positive number (burst: an integer), got %q", key, raw[0])})
			return
		}
		change[key] = value
		switch key {
		case "rate":
			rate = &value
		case "qps":
			qps = &value
		case "burst":
			b := int(value)
			burst = &b
		}
	}
	c.pod.Change(rate, qps, burst)
	send(w, 200, map[string]any{"ok": true, "change": change})
}
