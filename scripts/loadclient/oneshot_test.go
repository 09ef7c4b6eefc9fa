package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// One-shot mode: prepare, run, the result written to --result; the warm-up's objects and watches are real requests.
func TestOneShotRun(t *testing.T) {
	f := newFakeAPIServer(t, 100, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "PATCH" && r.Header.Get("Content-Type") != "application/merge-patch+json" {
			w.WriteHeader(415)
			return true
		}
		return false
	})
	spec := testSpec()
	spec.Rate = 40
	spec.Arrival = "poisson"
	spec.Mix = []MixEntry{{Verb: "get", Resource: "configmaps", Weight: 1, Objects: 2}, {Verb: "patch", Resource: "leases", Weight: 1, Objects: 1}}
	spec.Watches = []WatchEntry{{Resource: "configmaps"}}
	dir := t.TempDir()
	data, _ := json.Marshal(spec)
	must(t, os.WriteFile(filepath.Join(dir, "spec.json"), data, 0o644))
	out := filepath.Join(dir, "result.json")
	var stdout, stderr bytes.Buffer
	code := realMain(context.Background(), []string{"run", "--spec", filepath.Join(dir, "spec.json"), "--kubeconfig", f.kubeconfig(t),
		"--duration", "1s", "--max-requests", "100", "--result", out, "--pod", "one-0", "--namespace", "test"}, os.Getenv, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var result ClientRunResult
	data, err := os.ReadFile(out)
	must(t, err)
	must(t, json.Unmarshal(data, &result))
	answered := result.FinalByCode["200"]
	if answered < 20 || answered > 70 || len(result.FinalByCode) != 1 || len(result.Errors) != 0 {
		t.Fatalf("final %v errors %v: want ~40 answers, all 200", result.FinalByCode, result.Errors)
	}
	if result.Watches.Opened != 1 || result.Watches.Events != 1 || result.Connections.Opened != 1 {
		t.Fatalf("watches %+v connections %+v", result.Watches, result.Connections)
	}
	// Every answer of the load phase, the watch's included, is an attempt; the warm-up's are not.
	if result.Attempts != answered+1 || result.AnsweredByCode["200"] != result.Attempts {
		t.Fatalf("attempts %d answered %v final %d", result.Attempts, result.AnsweredByCode, answered)
	}
	var created []string
	for _, r := range f.requests() {
		if r.method == "POST" && !strings.HasSuffix(r.path, "selfsubjectreviews") {
			created = append(created, r.path)
		}
	}
	if len(created) != 3 {
		t.Fatalf("warm-up created %v, want 2 configmaps and 1 lease", created)
	}
}
