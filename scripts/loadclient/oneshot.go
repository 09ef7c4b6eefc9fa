// One-shot mode, for the binary target and tests: `loadclient run --spec spec.json --kubeconfig <file>
// --duration 10s --max-requests N [--drain-timeout 5s] [--result out.json] [--pod name] [--namespace ns]
// [--prepare-retry 0s]`: prepare, run from now, then print the ClientRunResult JSON (or write it to --result).
// A warm-up that fails is logged and the load still runs, as in pod mode. Bad flags: one line on stderr, exit 2.

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

type oneShotOptions struct {
	specPath, kubeconfig, resultPath, pod, namespace string
	duration, drainTimeout, prepareRetry             time.Duration
	maxRequests                                      int
}

func parseOneShotFlags(args []string) (oneShotOptions, error) {
	o := oneShotOptions{}
	flags := flag.NewFlagSet("run", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	flags.StringVar(&o.specPath, "spec", "", "LoadClientSpec JSON file")
	flags.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file")
	flags.StringVar(&o.resultPath, "result", "", "write the result here instead of stdout")
	flags.StringVar(&o.pod, "pod", "load-client", "pod name (object names and the random stream follow it)")
	flags.StringVar(&o.namespace, "namespace", "default", "namespace of the pod's objects")
	flags.DurationVar(&o.duration, "duration", 0, "load phase length")
	flags.DurationVar(&o.drainTimeout, "drain-timeout", defaultDrainTimeout, "time for requests in flight after the load phase")
	flags.DurationVar(&o.prepareRetry, "prepare-retry", 0, "keep retrying a failing warm-up this long")
	flags.IntVar(&o.maxRequests, "max-requests", 0, "request budget of the load phase")
	if err := flags.Parse(args); err != nil {
		return o, err
	}
	switch {
	case flags.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", flags.Arg(0))
	case o.specPath == "":
		return o, errors.New("--spec is required")
	case o.kubeconfig == "":
		return o, errors.New("--kubeconfig is required")
	case o.duration <= 0:
		return o, errors.New("--duration is required and must be > 0 (e.g. 10s)")
	case o.maxRequests < 1:
		return o, errors.New("--max-requests is required and must be >= 1")
	case o.drainTimeout < 0 || o.prepareRetry < 0:
		return o, errors.New("--drain-timeout and --prepare-retry must be >= 0")
	}
	return o, nil
}

func runOnce(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseOneShotFlags(args)
	if err != nil {
		fmt.Fprintf(stderr, "loadclient run: %v\n", err)
		return exitBadInput
	}
	data, err := os.ReadFile(o.specPath)
	if err != nil {
		fmt.Fprintf(stderr, "loadclient run: --spec: %v\n", err)
		return exitBadInput
	}
	spec, err := ParseLoadClientSpec(data)
	if err != nil {
		fmt.Fprintf(stderr, "loadclient run: %s: %v\n", o.specPath, err)
		return exitBadInput
	}
	config, err := loadKubeconfig(o.kubeconfig, "")
	if err != nil {
		fmt.Fprintf(stderr, "loadclient run: %v\n", err)
		return exitBadInput
	}
	pod, err := newPodFromConfig(PodMeta{Name: o.pod, Namespace: o.namespace}, spec, config)
	if err != nil {
		fmt.Fprintf(stderr, "loadclient run: %v\n", err)
		return exitBadInput
	}
	logger := &jsonLogger{out: stderr}
	prepared := pod.PrepareWithRetries(ctx, o.prepareRetry, prepareRetryPause, logger.log)
	if prepared.Error != "" {
		logger.log("warm-up failed; the load runs anyway", map[string]any{"answered": prepared.Answered, "error": prepared.Error})
	} else {
		logger.log("prepared", map[string]any{"answered": prepared.Answered})
	}
	go func() {
		<-ctx.Done()
		pod.Stop()
	}()
	result, err := pod.Run(RunOptions{Duration: o.duration, MaxRequests: o.maxRequests, DrainTimeout: o.drainTimeout, Epoch: time.Now()})
	pod.Close()
	if err != nil {
		fmt.Fprintf(stderr, "loadclient run: %v\n", err)
		return exitIncomplete
	}
	if err := writeResult(result, o.resultPath, stdout); err != nil {
		fmt.Fprintf(stderr, "loadclient run: %v\n", err)
		return exitIncomplete
	}
	if ctx.Err() != nil {
		return exitInterrupted
	}
	return exitOK
}

func writeResult(result *ClientRunResult, path string, stdout io.Writer) error {
	data, err := json.MarshalIndent(result, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if path == "" {
		_, err = stdout.Write(data)
		return err
	}
	// Written next to the target and renamed, so a reader never sees half a result.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
