// Counts the pod's connections through rest.Config.Dial: the dialer client-go's transport uses for every TCP
// connection (transport/cache.go passes it as http.Transport.DialContext). The dial itself is client-go's default
// (net.Dialer, 30 s timeout, 30 s keep-alive). A custom Dial also gives the pod a transport of its own: client-go's
// transport cache keys on the DialHolder pointer, new for every rest.Config (rest/transport.go, transport/cache.go
// tlsConfigKey), so two pods in one process never share a connection, as two processes would not.
// A connection whose read or write fails with ECONNRESET or EPIPE counts once as reset.

package main

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"syscall"
	"time"
)

type countingDialer struct {
	dialer net.Dialer
	opened atomic.Int64
	resets atomic.Int64
}

func newCountingDialer() *countingDialer {
	return &countingDialer{dialer: net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}}
}

func (d *countingDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	conn, err := d.dialer.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	d.opened.Add(1)
	return &countedConn{Conn: conn, dialer: d}, nil
}

type countedConn struct {
	net.Conn
	dialer *countingDialer
	reset  atomic.Bool
}

func (c *countedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.check(err)
	return n, err
}

func (c *countedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.check(err)
	return n, err
}

func (c *countedConn) check(err error) {
	if err != nil && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)) && c.reset.CompareAndSwap(false, true) {
		c.dialer.resets.Add(1)
	}
}
