// The http1-pool profile (sim/clients/http1PoolPod.ts; docs/load-client.md#the-http1-pool-profile): a client with
// HTTP/2 disabled keeps a pool of keep-alive HTTP/1.1 connections, one request per connection at a time, so its
// requests spread over as many TCP connections as the pool holds. The simulator drives that pool with autocannon
// (v9, lib/run.js and lib/httpClient.js); this is the same pool on client-go's REST client over HTTP/1.1:
//   - `http1.connections` connections, each its own transport (restconfig.go newClients: its own dialer, hence its
//     own connection), so that every request of a connection goes over that one keep-alive connection;
//   - the offered rate min(rate, qps) is split over the connections as autocannon's distributeNums splits
//     `overallRate` (and the pool shrinks to the rate when the rate is smaller, run.js); each connection sends back
//     to back until its share of the current second is used, then waits for the next second (httpClient.js
//     reqsMadeThisSecond, reset by a 1 s interval): closed loop, latency from the actual send;
//   - the request budget min(maxRequests, ceil(rate × duration)) split the same way (responseMax);
//   - no client-go token bucket and no retries (autocannon has neither): every answer is the request's final one;
//   - reconnectRate: after every reconnectRate-th answer the connection is closed and the next request dials anew.
//     autocannon destroys the connection before it records that answer; here the answer is counted.
// At the end of the load phase the connections stop sending; requests in flight get the drain timeout (autocannon
// abandons them at once: the simulator counts them in doubt). The group's watches are not opened (the simulator's
// http1-pool pod opens none), and its rate cannot change while it runs (scenarios/events.ts refuses set-clients).

package main

import (
	"context"
	"math"
	"sync"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

// poolShare is one connection's part of the pool's rate (requests per second) and budget (requests).
type poolShare struct {
	rate   float64
	budget int
}

// poolShares splits the offered rate and the request budget over the pool as autocannon does.
func poolShares(connections int, overallRate float64, amount int) []poolShare {
	divisor := float64(connections)
	if overallRate < divisor {
		divisor = overallRate
	}
	distribute := func(x float64, i int) float64 {
		extra := 0.0
		if float64(i+1) <= math.Mod(x, divisor) {
			extra = 1
		}
		return math.Floor(x/divisor) + extra
	}
	shares := []poolShare{}
	for i := 0; float64(i) < divisor; i++ {
		share := poolShare{rate: distribute(overallRate, i), budget: int(distribute(float64(amount), i))}
		// autocannon refuses a pool larger than its budget ("connections cannot be greater than amount"): such a
		// connection would send nothing, so it is not opened.
		if share.budget > 0 {
			shares = append(shares, share)
		}
	}
	return shares
}

// offeredRate is what the pool sends per second: the pod's rate, capped at its QPS (client-go's default 5 when 0).
func (p *Pod) offeredRate() float64 {
	qps := p.spec.QPS
	if qps == 0 {
		qps = float64(rest.DefaultQPS)
	}
	return math.Min(p.rate, qps)
}

type poolConnection struct {
	share   poolShare
	clients *podClients
}

// runPool drives one load phase of an http1-pool pod.
func (p *Pod) runPool(options RunOptions) (*ClientRunResult, error) {
	acc := newAccounting(options.Epoch)
	rate := p.offeredRate()
	amount := min(options.MaxRequests, int(math.Ceil(rate*options.Duration.Seconds())))
	var pool []*poolConnection
	defer func() {
		for _, c := range pool {
			c.clients.close()
		}
	}()
	for _, share := range poolShares(p.spec.HTTP1.Connections, rate, amount) {
		clients, err := newClients(p.clients.base, p.spec, flowcontrol.NewFakeAlwaysRateLimiter())
		if err != nil {
			return nil, err
		}
		pool = append(pool, &poolConnection{share: share, clients: clients})
	}
	drainCtx, cancelInFlight := context.WithCancel(context.Background())
	defer cancelInFlight()
	ended := p.phaseEnd(options)
	var mixMu sync.Mutex
	var inFlight sync.WaitGroup
	for _, c := range pool {
		inFlight.Add(1)
		go func() {
			defer inFlight.Done()
			p.poolConnectionLoop(c, options.Epoch, ended, drainCtx, &mixMu, acc)
		}()
	}
	<-ended
	p.drain(&inFlight, options.DrainTimeout, cancelInFlight)

	counts := ConnectionCounts{}
	for _, c := range pool {
		counts.Opened += c.clients.dialer.opened.Load()
		counts.Resets += c.clients.dialer.resets.Load()
	}
	p.mu.Lock()
	identity := p.identity
	p.mu.Unlock()
	return acc.result(p.meta.Name, p.spec.Group, counts, identity)
}

// poolConnectionLoop is one connection of the pool: closed loop within its share of each second, until its budget is
// used or the phase ends.
func (p *Pod) poolConnectionLoop(c *poolConnection, epoch time.Time, ended <-chan struct{}, drainCtx context.Context, mixMu *sync.Mutex, acc *accounting) {
	if !waitUntil(epoch, ended) {
		return
	}
	reconnect := 0
	if p.spec.HTTP1.ReconnectRate != nil {
		reconnect = *p.spec.HTTP1.ReconnectRate
	}
	window, inWindow := epoch, 0
	for made := 0; made < c.share.budget; {
		if now := time.Now(); now.Sub(window) >= time.Second {
			window, inWindow = window.Add(now.Sub(window).Truncate(time.Second)), 0
		}
		if float64(inWindow) >= c.share.rate {
			if !waitUntil(window.Add(time.Second), ended) {
				return
			}
			continue
		}
		select {
		case <-ended:
			return
		default:
		}
		inWindow++
		made++
		call := p.mix.nextLocked(mixMu)
		executeRequest(drainCtx, buildRequest(c.clients.rest, call, 0), time.Now(), acc)
		if reconnect > 0 && made%reconnect == 0 {
			c.clients.close()
		}
	}
}

// waitUntil sleeps until t; false when the phase ended first.
func waitUntil(t time.Time, ended <-chan struct{}) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ended:
		return false
	}
}
