// The kind of a failed attempt, in the words the results use (sim/clients/h2Transport.ts TransportErrorKind and the
// runner's error tables): dns, connect, tls, protocol (nothing was sent), refused-stream (the server refused the
// stream, e.g. after GOAWAY, and Go's HTTP/2 transport gave up retrying it), reset (the connection or stream broke
// after the request was written), timeout, cancelled (the run cut it off), other.

package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"golang.org/x/net/http2"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

func errorKind(err error) string {
	var dnsErr *net.DNSError
	var streamErr http2.StreamError
	var opErr *net.OpError
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &dnsErr):
		return "dns"
	case isTLSError(err):
		return "tls"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return "connect"
	case errors.As(err, &streamErr) && streamErr.Code == http2.ErrCodeRefusedStream:
		return "refused-stream"
	case isReset(err):
		return "reset"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"), strings.Contains(err.Error(), "malformed HTTP"):
		return "protocol"
	}
	return "other"
}

func isTLSError(err error) bool {
	var header tls.RecordHeaderError
	var alert tls.AlertError
	var verify *tls.CertificateVerificationError
	var authority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	if errors.As(err, &header) || errors.As(err, &alert) || errors.As(err, &verify) ||
		errors.As(err, &authority) || errors.As(err, &hostname) || errors.As(err, &invalid) {
		return true
	}
	// net/http's handshake timeout and tls package errors have no exported type.
	text := err.Error()
	return strings.Contains(text, "TLS handshake") || strings.Contains(text, "tls: ")
}

// isReset: the connection or the stream broke after the request was written, as client-go's own retry test sees it
// (rest/request.go: net.IsConnectionReset || net.IsProbableEOF || net.IsHTTP2ConnectionLost), plus broken pipes and
// HTTP/2 stream resets and GOAWAYs with in-flight streams.
func isReset(err error) bool {
	var streamErr http2.StreamError
	var goAway http2.GoAwayError
	return utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err) || utilnet.IsHTTP2ConnectionLost(err) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, &streamErr) || errors.As(err, &goAway)
}
