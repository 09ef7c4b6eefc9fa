// Pod mode, what the kind target's load-client image runs: the group's spec from LOAD_CLIENT_SPEC, the pod's name,
// namespace and IP from the downward API (POD_NAME, POD_NAMESPACE, POD_IP), the generic token kubeconfig from the
// projected volume (GENERIC_KUBECONFIG_MOUNT_PATH of scripts/cluster/gardener.ts: files `kubeconfig` and `token`), and
// the control port (control.go) on POD_IP:8080. SIGTERM/SIGINT stop the load and close the port.

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

const (
	// genericKubeconfigMountPath is where Gardener mounts the generic token kubeconfig
	// (pkg/utils/gardener/shoot.go InjectGenericKubeconfig; scripts/cluster/gardener.ts).
	genericKubeconfigMountPath = "/var/run/secrets/gardener.cloud/shoot/generic-kubeconfig"
	controlPort                = "8080"
)

type serveOptions struct {
	listen    string
	mountPath string
}

func parseServeFlags(args []string, getenv func(string) string) (serveOptions, error) {
	host := getenv("POD_IP")
	if host == "" {
		host = "0.0.0.0"
	}
	flags := flag.NewFlagSet("serve", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	options := serveOptions{}
	flags.StringVar(&options.listen, "listen", net.JoinHostPort(host, controlPort), "control port address")
	flags.StringVar(&options.mountPath, "kubeconfig-dir", genericKubeconfigMountPath, "directory with the files kubeconfig and token")
	if err := flags.Parse(args); err != nil {
		return options, err
	}
	if flags.NArg() > 0 {
		return options, fmt.Errorf("unexpected argument %q", flags.Arg(0))
	}
	if _, _, err := net.SplitHostPort(options.listen); err != nil {
		return options, fmt.Errorf("--listen: %v", err)
	}
	return options, nil
}

// serve runs pod mode until ctx ends; it returns an exit code.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	options, err := parseServeFlags(args, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "loadclient: %v\n", err)
		return exitBadInput
	}
	spec, err := specFromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "loadclient: %v\n", err)
		return exitBadInput
	}
	config, err := kubeconfigInMount(options.mountPath)
	if err != nil {
		fmt.Fprintf(stderr, "loadclient: %v\n", err)
		return exitBadInput
	}
	meta := PodMeta{Name: orDefault(getenv("POD_NAME"), "load-client"), Namespace: orDefault(getenv("POD_NAMESPACE"), "default")}
	pod, err := newPodFromConfig(meta, spec, config)
	if err != nil {
		fmt.Fprintf(stderr, "loadclient: %v\n", err)
		return exitBadInput
	}
	listener, err := net.Listen("tcp", options.listen)
	if err != nil {
		fmt.Fprintf(stderr, "loadclient: control port: %v\n", err)
		return exitBadInput
	}
	logger := &jsonLogger{out: stdout}
	server := &http.Server{Handler: newControlServer(ctx, pod, logger), ReadHeaderTimeout: 10 * time.Second}
	logger.log("serving", map[string]any{"pod": meta.Name, "group": spec.Group, "server": config.Host, "control": listener.Addr().String()})
	errs := make(chan error, 1)
	go func() { errs <- server.Serve(listener) }()
	select {
	case <-ctx.Done():
		pod.Stop()
		pod.Close()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
		logger.log("stopped", nil)
		return exitOK
	case err := <-errs:
		if !errors.Is(err, http.ErrServerClosed) {
			logger.log("fatal", map[string]any{"error": err.Error()})
			return exitIncomplete
		}
		return exitOK
	}
}

func specFromEnv(getenv func(string) string) (*LoadClientSpec, error) {
	raw := getenv("LOAD_CLIENT_SPEC")
	if raw == "" {
		return nil, errors.New("LOAD_CLIENT_SPEC is not set")
	}
	spec, err := ParseLoadClientSpec([]byte(raw))
	if err != nil {
		return nil, fmt.Errorf("LOAD_CLIENT_SPEC: %v", err)
	}
	return spec, nil
}

func orDefault(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}
