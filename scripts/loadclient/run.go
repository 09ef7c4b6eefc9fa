// The load phase of a pod (clientGoPod.ts run): the watches open for the whole phase, the open-loop schedule hands
// out requests, each in its own goroutine; the phase lasts its full length unless the pod is stopped; then requests
// in flight get drainTimeout to finish, and whatever is left is cancelled and counted as in doubt or unsent.

package main

import (
	"context"
	"sync"
	"time"
)

// Run drives one load phase and returns its result.
func (p *Pod) Run(options RunOptions) (*ClientRunResult, error) {
	if p.spec.Profile == profileHTTP1Pool {
		return p.runPool(options)
	}
	acc := newAccounting(options.Epoch)
	refusedAtStart := p.tap.refusedRetries.Load()
	drainCtx, cancelInFlight := context.WithCancel(context.Background())
	defer cancelInFlight()
	watchCtx, stopWatches := context.WithCancel(context.Background())
	defer stopWatches()

	var watches sync.WaitGroup
	for _, w := range p.spec.Watches {
		watches.Add(1)
		go func() {
			defer watches.Done()
			p.watchLoop(watchCtx, w.Resource, acc)
		}()
	}

	var inFlight sync.WaitGroup
	p.mu.Lock()
	schedule := startSchedule(options.Epoch, options.Duration, options.MaxRequests, p.spec.Arrival, p.rate, p.rng.Fork("arrivals"),
		func(intended time.Time) {
			acc.sendLag(intended, time.Now())
			call := p.mix.next()
			inFlight.Add(1)
			go func() {
				defer inFlight.Done()
				p.execute(drainCtx, call, intended, acc)
			}()
		})
	p.schedule = schedule
	if p.isStopped() {
		schedule.halt()
	}
	p.mu.Unlock()
	<-schedule.done

	<-p.phaseEnd(options)
	p.drain(&inFlight, options.DrainTimeout, cancelInFlight)
	stopWatches()
	watches.Wait()

	p.mu.Lock()
	p.schedule = nil
	identity := p.identity
	p.mu.Unlock()
	if refused := p.tap.refusedRetries.Load() - refusedAtStart; refused > 0 {
		acc.locked(func() { acc.retries["goaway-refused-stream"] += refused })
	}
	if p.isStopped() {
		p.Close()
	}
	return acc.result(p.meta.Name, p.spec.Group, p.connections(), identity)
}

// phaseEnd is closed when the load phase is over: at epoch + duration, or earlier when the pod is stopped (deleted).
func (p *Pod) phaseEnd(options RunOptions) <-chan struct{} {
	ended := make(chan struct{})
	go func() {
		end := time.NewTimer(time.Until(options.Epoch.Add(options.Duration)))
		defer end.Stop()
		select {
		case <-end.C:
		case <-p.stopped:
		}
		close(ended)
	}()
	return ended
}

// drain lets requests in flight finish for up to timeout, then cancels the rest and waits for them to count.
func (p *Pod) drain(inFlight *sync.WaitGroup, timeout time.Duration, cancel context.CancelFunc) {
	done := make(chan struct{})
	go func() {
		inFlight.Wait()
		close(done)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		cancel()
		<-done
	}
}
