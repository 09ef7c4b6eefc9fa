// A pod running a client-go based controller (the simulator's sim/clients/clientGoPod.ts, for real): every request
// and every watch of the pod goes through one client-go clientset, hence one http.Transport with its HTTP/2
// connection pool, one token bucket, and rest.Request's own retries. Requests follow an open-loop schedule; latency
// runs from the intended send time. One pod per process is the normal case (pod mode and one-shot mode); several in
// one process keep their own transports and connections (dialer.go) but share the process-wide GOAWAY count
// (goaway.go).

package main

import (
	"sync"
	"time"
)

// PodMeta names the pod, as the kubelet's downward API gives it (POD_NAME, POD_NAMESPACE).
type PodMeta struct {
	Name      string
	Namespace string
}

// RunOptions are a /run call's parameters.
type RunOptions struct {
	Duration     time.Duration
	MaxRequests  int
	DrainTimeout time.Duration
	// Epoch is when the load phase starts, shared by every pod of a fleet.
	Epoch time.Time
}

// defaultDrainTimeout is how long in-flight requests may finish after the load phase (clientGoPod.ts: 10 s).
const defaultDrainTimeout = 10 * time.Second

// connectionResetRetryPause is how long a broken watch waits before it is opened again (retryPolicy.ts: 1 s).
const connectionResetRetryPause = time.Second

type Pod struct {
	meta    PodMeta
	spec    *LoadClientSpec
	clients *podClients
	tap     *http2LogTap
	// rng is the pod's stream (the simulator forks it from the run's seed by pod name); rngMu guards its draws.
	rng   *Rng
	rngMu sync.Mutex
	mix   *requestMix

	mu         sync.Mutex
	rate       float64
	schedule   *openLoopSchedule
	identity   *PodIdentity
	watchRVs   map[string]string
	stopped    chan struct{}
	stopOnce   sync.Once
	tapAtStart int64
}

func NewPod(meta PodMeta, spec *LoadClientSpec, clients *podClients, tap *http2LogTap) *Pod {
	rng := NewRng(spec.seed()).Fork(meta.Name)
	return &Pod{
		meta: meta, spec: spec, clients: clients, tap: tap, rng: rng,
		mix:      newRequestMix(meta.Name, meta.Namespace, spec.Mix, rng.Fork("mix")),
		rate:     spec.Rate,
		watchRVs: map[string]string{},
		stopped:  make(chan struct{}),
	}
}

// Change applies a /set: a new offered rate, and/or new QPS/Burst (a new, full token bucket).
func (p *Pod) Change(rate *float64, qps *float64, burst *int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if rate != nil {
		p.rate = *rate
		if p.schedule != nil {
			p.schedule.setRate(*rate)
		}
	}
	if qps != nil || burst != nil {
		p.spec.QPS = deref(qps, p.spec.QPS)
		p.spec.Burst = deref(burst, p.spec.Burst)
		p.clients.limiter.set(p.spec.QPS, p.spec.Burst)
	}
}

func deref[T any](v *T, fallback T) T {
	if v == nil {
		return fallback
	}
	return *v
}

// Stop ends the pod's load for good (it is being deleted): no new requests; those in flight finish.
func (p *Pod) Stop() {
	p.stopOnce.Do(func() { close(p.stopped) })
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.schedule != nil {
		p.schedule.halt()
	}
}

// Close drops the pod's idle connections.
func (p *Pod) Close() {
	p.clients.close()
}

func (p *Pod) isStopped() bool {
	select {
	case <-p.stopped:
		return true
	default:
		return false
	}
}

func (p *Pod) intn(n int) int {
	p.rngMu.Lock()
	defer p.rngMu.Unlock()
	return p.rng.Intn(n)
}

func (p *Pod) connections() ConnectionCounts {
	return ConnectionCounts{
		Opened:          p.clients.dialer.opened.Load(),
		GoawaysReceived: p.tap.goaways.Load(),
		Resets:          p.clients.dialer.resets.Load(),
	}
}
