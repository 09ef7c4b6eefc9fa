package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type controlCall struct {
	status int
	body   map[string]any
}

func get(t *testing.T, base, path string) controlCall {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	call := controlCall{status: resp.StatusCode}
	if err := json.Unmarshal(data, &call.body); err != nil {
		t.Fatalf("GET %s: not JSON: %s", path, data)
	}
	return call
}

// Pod mode end to end, as the kind target drives it: the spec in LOAD_CLIENT_SPEC, the kubeconfig and token in the
// projected volume's directory, every control path with its status codes, then SIGTERM (the context ends).
func TestPodModeControlPort(t *testing.T) {
	f := newFakeAPIServer(t, 100, nil)
	mount := t.TempDir()
	kubeconfig, _ := os.ReadFile(f.kubeconfig(t))
	// The projected volume's kubeconfig names no credentials of its own here: the token file next to it is used.
	kubeconfig = []byte(strings.Replace(string(kubeconfig), "token: test-token", "username: \"\"", 1))
	must(t, os.WriteFile(filepath.Join(mount, "kubeconfig"), kubeconfig, 0o644))
	must(t, os.WriteFile(filepath.Join(mount, "token"), []byte("projected-token\n"), 0o644))
	spec, _ := json.Marshal(testSpec())
	env := map[string]string{"LOAD_CLIENT_SPEC": string(spec), "POD_NAME": "ctl-0", "POD_NAMESPACE": "test", "POD_IP": "127.0.0.1"}
	stdout, logs := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() {
		exit <- realMain(ctx, []string{"--listen", "127.0.0.1:0", "--kubeconfig-dir", mount}, func(k string) string { return env[k] }, logs, io.Discard)
		logs.Close()
	}()
	lines := bufio.NewScanner(stdout)
	base := ""
	for base == "" && lines.Scan() {
		var entry map[string]any
		must(t, json.Unmarshal(lines.Bytes(), &entry))
		if entry["msg"] == "serving" {
			base = fmt.Sprintf("http://%s", entry["control"])
		}
	}
	go func() {
		for lines.Scan() {
		}
	}()

	if c := get(t, base, "/healthz"); c.status != 200 || c.body["pod"] != "ctl-0" {
		t.Fatalf("/healthz %d %v", c.status, c.body)
	}
	if c := get(t, base, "/result"); c.status != 202 || c.body["running"] != false {
		t.Fatalf("/result before run: %d %v", c.status, c.body)
	}
	if c := get(t, base, "/prepare?retryForMs=0"); c.status != 200 || c.body["answered"] != 2.0 || c.body["error"] != nil {
		t.Fatalf("/prepare %d %v", c.status, c.body)
	}
	if c := get(t, base, "/run?durationMs=0&maxRequests=5&epochUnixMs=1"); c.status != 400 || c.body["error"] != "durationMs must be > 0" {
		t.Fatalf("/run with durationMs=0: %d %v", c.status, c.body)
	}
	if c := get(t, base, "/run?durationMs=1000&maxRequests=5"); c.status != 400 || c.body["error"] != "missing epochUnixMs" {
		t.Fatalf("/run without epoch: %d %v", c.status, c.body)
	}
	if c := get(t, base, "/set?qps=-1"); c.status != 400 {
		t.Fatalf("/set qps=-1: %d %v", c.status, c.body)
	}
	if c := get(t, base, "/set?rate=50&burst=20"); c.status != 200 || c.body["change"].(map[string]any)["rate"] != 50.0 {
		t.Fatalf("/set: %d %v", c.status, c.body)
	}
	run := fmt.Sprintf("/run?durationMs=1000&maxRequests=30&drainTimeoutMs=5000&epochUnixMs=%d", time.Now().Add(200*time.Millisecond).UnixMilli())
	if c := get(t, base, run); c.status != 202 || c.body["ok"] != true {
		t.Fatalf("/run: %d %v", c.status, c.body)
	}
	if c := get(t, base, run); c.status != 409 {
		t.Fatalf("second /run: %d %v", c.status, c.body)
	}
	if c := get(t, base, "/result"); c.status != 202 || c.body["running"] != true {
		t.Fatalf("/result while running: %d %v", c.status, c.body)
	}
	var result controlCall
	eventually(t, 10*time.Second, "the result", func() bool { result = get(t, base, "/result"); return result.status == 200 })
	final := result.body["finalByCode"].(map[string]any)["200"]
	identity := result.body["identity"].(map[string]any)
	// 50 req/s for 1 s: about 50, capped by maxRequests at 30.
	if result.body["pod"] != "ctl-0" || result.body["group"] != "g" || final != 30.0 || identity["username"] != "system:serviceaccount:test:load" {
		t.Fatalf("/result: %v", result.body)
	}
	for _, r := range f.requests() {
		if !strings.HasPrefix(r.userAgent, "loadclient") || !strings.Contains(r.userAgent, "kubernetes/") {
			t.Fatalf("User-Agent %q: want client-go's default naming this program", r.userAgent)
		}
		if r.authorization != "Bearer projected-token" {
			t.Fatalf("Authorization %q: want the projected token file's", r.authorization)
		}
	}
	if c := get(t, base, "/stop"); c.status != 200 {
		t.Fatalf("/stop: %d", c.status)
	}
	if c := get(t, base, "/nope"); c.status != 404 || c.body["error"] != "unknown path /nope" {
		t.Fatalf("/nope: %d %v", c.status, c.body)
	}
	cancel()
	select {
	case code := <-exit:
		if code != exitOK {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("pod mode did not end after SIGTERM")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
