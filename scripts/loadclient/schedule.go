// A pod's open-loop request schedule (sim/clients/openLoopSchedule.ts): requests are intended at the times the
// arrival process gives until the load phase ends or the pod's request budget is used. A /set may change the rate
// (the schedule continues from that moment at the new rate) and a /stop ends it. One goroutine, one timer: every
// arrival already due is handed out at once, then the timer waits for the next.

package main

import "time"

type openLoopSchedule struct {
	epoch       time.Time
	durationMs  float64
	maxRequests int
	kind        string
	rng         *Rng
	onSend      func(intended time.Time)
	rates       chan float64
	stop        chan struct{}
	// done is closed when no further request will be sent.
	done chan struct{}
}

func startSchedule(epoch time.Time, duration time.Duration, maxRequests int, kind string, rate float64, rng *Rng, onSend func(time.Time)) *openLoopSchedule {
	s := &openLoopSchedule{
		epoch:       epoch,
		durationMs:  float64(duration) / float64(time.Millisecond),
		maxRequests: maxRequests,
		kind:        kind,
		rng:         rng,
		onSend:      onSend,
		rates:       make(chan float64, 16),
		stop:        make(chan struct{}),
		done:        make(chan struct{}),
	}
	go s.run(rate)
	return s
}

// setRate makes requests arrive at `rate` per second from now on.
func (s *openLoopSchedule) setRate(rate float64) {
	select {
	case s.rates <- rate:
	case <-s.done:
	}
}

// halt sends no further requests.
func (s *openLoopSchedule) halt() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
}

func (s *openLoopSchedule) run(rate float64) {
	defer close(s.done)
	next := newArrivals(s.kind, rate, s.rng, 0)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	issued := 0
	for {
		offset := next.next()
		if offset >= s.durationMs || issued >= s.maxRequests {
			return
		}
		intended := s.epoch.Add(time.Duration(offset * float64(time.Millisecond)))
		if wait := time.Until(intended); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case newRate := <-s.rates:
				// The pending arrival belongs to the old rate; the new schedule starts now.
				timer.Stop()
				next = newArrivals(s.kind, newRate, s.rng, float64(time.Since(s.epoch))/float64(time.Millisecond))
				continue
			case <-s.stop:
				timer.Stop()
				return
			}
		} else {
			select {
			case <-s.stop:
				return
			default:
			}
		}
		issued++
		s.onSend(intended)
	}
}
