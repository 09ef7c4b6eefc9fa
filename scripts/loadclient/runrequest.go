// Reads a /run call's query (protocol.ts parseRunRequest): durationMs (> 0), maxRequests (at least 1, rounded down),
// drainTimeoutMs (optional), epochUnixMs (the fleet's shared wall-clock start). Every value a non-negative number.

package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

func parseNumber(name, raw string) (float64, error) {
	value, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || math.IsNaN(value) || math.IsInf(value, 0) || value < 0 {
		return 0, fmt.Errorf("%s must be a non-negative number, got %q", name, raw)
	}
	return value, nil
}

func requiredNumber(query map[string][]string, name string) (float64, error) {
	raw, ok := query[name]
	if !ok {
		return 0, fmt.Errorf("missing %s", name)
	}
	return parseNumber(name, raw[0])
}

func optionalMillis(name, raw string) (time.Duration, error) {
	if raw == "" {
		return 0, nil
	}
	value, err := parseNumber(name, raw)
	return millis(value), err
}

func millis(ms float64) time.Duration {
	return time.Duration(ms * float64(time.Millisecond))
}

// parseRunRequest reads the query; now is the local clock at the call, to place the shared epoch on the monotonic clock.
func parseRunRequest(query map[string][]string, now time.Time) (RunOptions, error) {
	duration, err := requiredNumber(query, "durationMs")
	if err != nil {
		return RunOptions{}, err
	}
	if duration <= 0 {
		return RunOptions{}, fmt.Errorf("durationMs must be > 0")
	}
	maxRequests, err := requiredNumber(query, "maxRequests")
	if err != nil {
		return RunOptions{}, err
	}
	drain := defaultDrainTimeout
	if raw, ok := query["drainTimeoutMs"]; ok {
		value, err := parseNumber("drainTimeoutMs", raw[0])
		if err != nil {
			return RunOptions{}, err
		}
		drain = millis(value)
	}
	epochUnixMs, err := requiredNumber(query, "epochUnixMs")
	if err != nil {
		return RunOptions{}, err
	}
	return RunOptions{
		Duration:     millis(duration),
		MaxRequests:  int(max(1, math.Floor(min(maxRequests, math.MaxInt32)))),
		DrainTimeout: drain,
		// The fleet's shared start as a wall-clock time; the pod counts on the monotonic clock.
		Epoch: now.Add(millis(epochUnixMs - float64(now.UnixNano())/1e6)),
	}, nil
}
