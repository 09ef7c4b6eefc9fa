// loadclient: the client-go load client of the real targets (docs/load-client.md). It runs the simulator's client-go
// profile for real: k8s.io/client-go's rest.Config, transport, rate limiter and retries, driven by the same
// LoadClientSpec and reporting the same ClientRunResult as the simulator's client pods; and its http1-pool profile
// (autocannon's pool of HTTP/1.1 keep-alive connections) on client-go's REST client over HTTP/1.1 (pool.go).
//
//	loadclient [serve] [--listen addr] [--kubeconfig-dir dir]   pod mode: the control port (the kind target's image)
//	loadclient run --spec f --kubeconfig f --duration d --max-requests n [...]   one-shot mode
//	loadclient --version                                        "loadclient client-go v0.34.10"
//
// main stays thin: the modes are serve.go and oneshot.go.

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/client-go/rest"
)

const usage = `usage:
  loadclient --version
  loadclient [serve] [--listen host:port] [--kubeconfig-dir dir]
  loadclient run --spec spec.json --kubeconfig file --duration 10s --max-requests N
                 [--drain-timeout 10s] [--result out.json] [--pod name] [--namespace ns] [--prepare-retry 0s]
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	os.Exit(realMain(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func realMain(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if len(args) > 0 && (args[0] == "version" || args[0] == "--version") {
		fmt.Fprintln(stdout, versionLine())
		return exitOK
	}
	// Before the first request, so that every GOAWAY the process's transports read is counted.
	installHTTP2LogTap()
	if len(args) > 0 && args[0] == "run" {
		return runOnce(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	return serve(ctx, args, getenv, stdout, stderr)
}

// newPodFromConfig gives a pod its own client-go clients on top of the kubeconfig's rest.Config.
func newPodFromConfig(meta PodMeta, spec *LoadClientSpec, config *rest.Config) (*Pod, error) {
	clients, err := newPodClients(config, spec)
	if err != nil {
		return nil, err
	}
	return NewPod(meta, spec, clients, installHTTP2LogTap()), nil
}
