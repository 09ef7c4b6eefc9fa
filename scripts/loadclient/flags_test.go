package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad input: exit 2 with one line on stderr naming the problem, and nothing run.
func TestBadInputExitsTwoWithOneLine(t *testing.T) {
	dir := t.TempDir()
	good, _ := json.Marshal(testSpec())
	specFile := filepath.Join(dir, "spec.json")
	must(t, os.WriteFile(specFile, good, 0o644))
	badSpec := filepath.Join(dir, "bad.json")
	must(t, os.WriteFile(badSpec, []byte(strings.Replace(string(good), `"arrival":"constant"`, `"arrival":"bursty"`, 1)), 0o644))
	validEnv := map[string]string{"LOAD_CLIENT_SPEC": string(good)}
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown flag", []string{"run", "--bogus"}, nil, "flag provided but not defined: -bogus"},
		{"no spec", []string{"run", "--kubeconfig", "k", "--duration", "1s", "--max-requests", "1"}, nil, "--spec is required"},
		{"bad duration", []string{"run", "--spec", specFile, "--kubeconfig", "k", "--duration", "soon", "--max-requests", "1"}, nil, `invalid value "soon" for flag -duration`},
		{"zero duration", []string{"run", "--spec", specFile, "--kubeconfig", "k", "--duration", "0s", "--max-requests", "1"}, nil, "--duration is required and must be > 0"},
		{"no max requests", []string{"run", "--spec", specFile, "--kubeconfig", "k", "--duration", "1s"}, nil, "--max-requests is required"},
		{"stray argument", []string{"run", "--spec", specFile, "--kubeconfig", "k", "--duration", "1s", "--max-requests", "1", "extra"}, nil, `unexpected argument "extra"`},
		{"missing spec file", []string{"run", "--spec", filepath.Join(dir, "none.json"), "--kubeconfig", "k", "--duration", "1s", "--max-requests", "1"}, nil, "no such file"},
		{"invalid spec", []string{"run", "--spec", badSpec, "--kubeconfig", "k", "--duration", "1s", "--max-requests", "1"}, nil, `arrival must be constant or poisson, got "bursty"`},
		{"missing kubeconfig", []string{"run", "--spec", specFile, "--kubeconfig", filepath.Join(dir, "none"), "--duration", "1s", "--max-requests", "1"}, nil, "kubeconfig: stat"},
		{"pod mode without spec", []string{}, map[string]string{}, "LOAD_CLIENT_SPEC is not set"},
		{"pod mode bad listen", []string{"--listen", "nowhere"}, validEnv, "--listen: address nowhere: missing port"},
		{"pod mode without kubeconfig", []string{"--listen", "127.0.0.1:0", "--kubeconfig-dir", dir}, validEnv, "kubeconfig: stat"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := realMain(context.Background(), c.args, func(k string) string { return c.env[k] }, &stdout, &stderr)
			lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			if code != exitBadInput || len(lines) != 1 || !strings.Contains(lines[0], c.want) || stdout.Len() != 0 {
				t.Fatalf("exit %d, stderr %q, stdout %q; want exit 2 and one line with %q", code, stderr.String(), stdout.String(), c.want)
			}
		})
	}
}

func TestSpecValidation(t *testing.T) {
	base, _ := json.Marshal(testSpec())
	cases := map[string]struct{ from, to, want string }{
		"missing key":     {`"maxRetries":10,`, ``, `spec has no "maxRetries"`},
		"unknown field":   {`"group":"g"`, `"group":"g","colour":"red"`, `unknown field "colour"`},
		"http1-pool":      {`"profile":"client-go"`, `"profile":"http1-pool"`, "profile http1-pool needs http1.connections"},
		"profile":         {`"profile":"client-go"`, `"profile":"autocannon"`, "profile must be client-go or http1-pool"},
		"verb":            {`"verb":"get"`, `"verb":"watch"`, `mix[0].verb must be one of`},
		"resource":        {`"resource":"configmaps"`, `"resource":"nodes"`, `mix[0].resource must be one of`},
		"objects":         {`"objects":1`, `"objects":0`, `mix[0].objects must be >= 1`},
		"rate":            {`"rate":100`, `"rate":0`, "rate must be > 0"},
		"negative qps":    {`"qps":10000`, `"qps":-1`, "qps must be >= 0"},
		"fractional seed": {`"randomSeed":1`, `"randomSeed":1.5`, "randomSeed must be an integer"},
	}
	for name, c := range cases {
		text := strings.Replace(string(base), c.from, c.to, 1)
		if text == string(base) {
			t.Fatalf("%s: %q not in %s", name, c.from, base)
		}
		if _, err := ParseLoadClientSpec([]byte(text)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", name, err, c.want)
		}
	}
	spec, err := ParseLoadClientSpec([]byte(strings.Replace(string(base), `"watches":[],`, ``, 1)))
	if err != nil || spec.Watches == nil {
		t.Fatalf("watches default to none: %v %v", spec, err)
	}
}

func TestVersionNamesTheClientGoItWasBuiltWith(t *testing.T) {
	var stdout bytes.Buffer
	if code := realMain(context.Background(), []string{"--version"}, os.Getenv, &stdout, &stdout); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if got := stdout.String(); got != "loadclient client-go v0.34.10\n" {
		t.Fatalf("--version printed %q", got)
	}
}
