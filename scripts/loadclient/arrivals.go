// Open-loop arrival times (sim/clients/arrivals.ts, docs/measurement.md#open-loop-schedules): requests are intended
// at fixed times whatever the answers do, and latency runs from those times, so a stalled server shows up as latency
// instead of hiding in a lower request rate (coordinated omission).

package main

// arrivals yields the milliseconds from the run's epoch to each intended request.
type arrivals struct {
	poisson bool
	meanGap float64
	t       float64
	rng     *Rng
}

// newArrivals starts a schedule at fromMs. Constant: a random phase, so that pods with the same rate do not fire in
// lockstep. Poisson: memoryless from the start, the first arrival an exponential gap after fromMs like every other.
func newArrivals(kind string, ratePerSecond float64, rng *Rng, fromMs float64) *arrivals {
	a := &arrivals{poisson: kind == "poisson", meanGap: 1000 / ratePerSecond, rng: rng}
	if a.poisson {
		a.t = fromMs + rng.Exponential(a.meanGap)
	} else {
		a.t = fromMs + rng.Float64()*a.meanGap
	}
	return a
}

func (a *arrivals) next() float64 {
	current := a.t
	if a.poisson {
		a.t += a.rng.Exponential(a.meanGap)
	} else {
		a.t += a.meanGap
	}
	return current
}
