// GOAWAY frames received, counted from golang.org/x/net/http2's own log. Go's HTTP/2 client exposes no counter for
// them: processGoAway (x/net/http2/transport.go) calls Transport.CountError only for a non-zero error code, and a
// graceful GOAWAY (NO_ERROR: kube-apiserver's --goaway-chance, a graceful shutdown, Envoy's drain) is not counted
// anywhere. With http2.VerboseLogs set, the client read loop logs every frame it receives as
// "http2: Transport received GOAWAY ..." (clientConnReadLoop.run), and RoundTripOpt logs "RoundTrip retrying after
// failure" each time it sends again a request the server did not process (refused stream, GOAWAY). Both go through
// the standard `log` package, so this program points that log at a writer that counts those two lines and drops the
// rest of the verbose HTTP/2 log (header fields included, so no token is ever written). Anything else logged through
// `log` is passed on to stderr. Costs and limits: docs/load-client.md#goaways.

package main

import (
	"bytes"
	"io"
	"log"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/net/http2"
)

type http2LogTap struct {
	goaways        atomic.Int64
	refusedRetries atomic.Int64
	forward        io.Writer
}

// processTap is the process's one tap: the HTTP/2 log is process-wide, so its counts are the process's.
var (
	processTap  = &http2LogTap{forward: os.Stderr}
	installOnce sync.Once
)

// installHTTP2LogTap turns on x/net/http2's verbose log and routes the `log` package through the tap. Call it before
// the first request.
func installHTTP2LogTap() *http2LogTap {
	installOnce.Do(func() {
		log.SetFlags(0)
		log.SetOutput(processTap)
		http2.VerboseLogs = true
	})
	return processTap
}

// The verbose lines x/net/http2 writes (transport.go, frame.go, server.go); all but the two counted are dropped.
var http2LogPrefixes = [][]byte{[]byte("http2: "), []byte("RoundTrip "), []byte("transport got GOAWAY"), []byte("Unhandled Setting"), []byte("protocol error: ")}

var (
	goawayLine = []byte("http2: Transport received GOAWAY")
	retryLine  = []byte("RoundTrip retrying after failure: ")
)

// Write takes one log entry: the log package makes exactly one Write per entry.
func (t *http2LogTap) Write(p []byte) (int, error) {
	switch {
	case bytes.HasPrefix(p, goawayLine):
		t.goaways.Add(1)
	case bytes.HasPrefix(p, retryLine):
		t.refusedRetries.Add(1)
	default:
		for _, prefix := range http2LogPrefixes {
			if bytes.HasPrefix(p, prefix) {
				return len(p), nil
			}
		}
		if _, err := t.forward.Write(p); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
