package main

import (
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
)

// The simulator's RequestMix (sim/clients/requestMix.ts) with the same spec and seed, printed under tsx, drew these.
func TestMixMatchesTheSimulator(t *testing.T) {
	entries := []MixEntry{
		{Verb: "get", Resource: "configmaps", Weight: 3, Objects: 4},
		{Verb: "list", Resource: "leases", Weight: 1, Objects: 1},
		{Verb: "update", Resource: "configmaps", Weight: 1, Objects: 2},
		{Verb: "patch", Resource: "secrets", Weight: 1, Objects: 2},
		{Verb: "create", Resource: "events", Weight: 1, Objects: 1},
		{Verb: "delete", Resource: "events", Weight: 1, Objects: 1},
	}
	mix := newRequestMix("ctrl-0", "shoot--a--b", entries, NewRng(42).Fork("ctrl-0").Fork("mix"))
	var seeds []string
	for _, s := range mix.seedObjects() {
		seeds = append(seeds, s.resource+"/"+s.name)
	}
	wantSeeds := []string{"configmaps/ctrl-0-con-0", "configmaps/ctrl-0-con-1", "configmaps/ctrl-0-con-2", "configmaps/ctrl-0-con-3",
		"leases/ctrl-0-lea-0", "secrets/ctrl-0-sec-0", "secrets/ctrl-0-sec-1", "events/ctrl-0-eve-0"}
	if !reflect.DeepEqual(seeds, wantSeeds) {
		t.Fatalf("seed objects %v, want %v", seeds, wantSeeds)
	}
	want := []string{
		"GET /api/v1/namespaces/shoot--a--b/configmaps/ctrl-0-con-0",
		"POST /api/v1/namespaces/shoot--a--b/events",
		"PATCH /api/v1/namespaces/shoot--a--b/secrets/ctrl-0-sec-0",
		"GET /api/v1/namespaces/shoot--a--b/configmaps/ctrl-0-con-0",
		"GET /api/v1/namespaces/shoot--a--b/configmaps/ctrl-0-con-1",
		"POST /api/v1/namespaces/shoot--a--b/events",
		"GET /api/v1/namespaces/shoot--a--b/configmaps/ctrl-0-con-3",
		"GET /apis/coordination.k8s.io/v1/namespaces/shoot--a--b/leases?labelSelector=sim.gardener.cloud%2Fclient%3Dctrl-0&limit=500",
		"DELETE /api/v1/namespaces/shoot--a--b/events/ctrl-0-eve-c2",
		"POST /api/v1/namespaces/shoot--a--b/events",
		"POST /api/v1/namespaces/shoot--a--b/events",
		"GET /apis/coordination.k8s.io/v1/namespaces/shoot--a--b/leases?labelSelector=sim.gardener.cloud%2Fclient%3Dctrl-0&limit=500",
	}
	var calls []restCall
	for i := 0; i < 18; i++ {
		calls = append(calls, mix.next())
	}
	for i, w := range want {
		if got := render(calls[i]); got != w {
			t.Errorf("call %d: %s, want %s", i, got, w)
		}
	}
	if string(calls[2].body) != `{"metadata":{"annotations":{"sim.gardener.cloud/touched":"3"}}}` || calls[2].contentType != "application/merge-patch+json" {
		t.Errorf("patch body %s (%s)", calls[2].body, calls[2].contentType)
	}
	var update, wantUpdate any
	_ = json.Unmarshal(calls[16].body, &update)
	_ = json.Unmarshal([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ctrl-0-con-0","namespace":"shoot--a--b","labels":{"sim.gardener.cloud/client":"ctrl-0"}},"data":{"generation":"17","payload":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}`), &wantUpdate)
	if render(calls[16]) != "PUT /api/v1/namespaces/shoot--a--b/configmaps/ctrl-0-con-0" || !reflect.DeepEqual(update, wantUpdate) {
		t.Errorf("call 16: %s %s", render(calls[16]), calls[16].body)
	}
}

// render is the request line as client-go sends it (Param values go through url.Values.Encode).
func render(c restCall) string {
	line := c.method + " " + c.path
	if len(c.params) > 0 {
		values := url.Values{}
		for _, p := range c.params {
			values.Add(p[0], p[1])
		}
		line += "?" + values.Encode()
	}
	return line
}
