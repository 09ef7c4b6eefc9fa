// The seeded pseudo-random numbers of the simulator (scripts/core/random.ts), bit for bit: xoshiro128** seeded
// with splitmix32, streams forked by FNV-1a of a label. The load client draws its request mix, its arrival times and
// its watch timeouts from the same streams the simulator's client-go pod uses (sim/clients/clientGoPod.ts), so a
// seed replays the same schedule on the real targets as in the simulator.

package main

import (
	"fmt"
	"math"
	"math/bits"
	"unicode/utf16"
)

// splitmix32 turns any 32-bit value into a well-mixed one (random.ts splitmix32).
func splitmix32(x uint32) uint32 {
	x += 0x9e3779b9
	z := x
	z = (z ^ (z >> 16)) * 0x85ebca6b
	z = (z ^ (z >> 13)) * 0xc2b2ae35
	return z ^ (z >> 16)
}

// fnv1a hashes a label over its UTF-16 code units, as String.charCodeAt sees them.
func fnv1a(text string) uint32 {
	h := uint32(0x811c9dc5)
	for _, unit := range utf16.Encode([]rune(text)) {
		h ^= uint32(unit)
		h *= 0x01000193
	}
	return h
}

// Rng is a xoshiro128** generator (Blackman & Vigna). Not safe for concurrent use.
type Rng struct {
	seed           uint32
	s0, s1, s2, s3 uint32
}

// NewRng seeds a generator as `new Rng(seed)` does.
func NewRng(seed uint32) *Rng {
	r := &Rng{seed: seed}
	x := splitmix32(seed)
	r.s0 = x
	x = splitmix32(x)
	r.s1 = x
	x = splitmix32(x)
	r.s2 = x
	r.s3 = splitmix32(x)
	if r.s0|r.s1|r.s2|r.s3 == 0 {
		r.s0 = 1
	}
	return r
}

// Uint32 is a uniform 32-bit unsigned integer.
func (r *Rng) Uint32() uint32 {
	result := bits.RotateLeft32(r.s1*5, 7) * 9
	t := r.s1 << 9
	r.s2 ^= r.s0
	r.s3 ^= r.s1
	r.s1 ^= r.s2
	r.s0 ^= r.s3
	r.s2 ^= t
	r.s3 = bits.RotateLeft32(r.s3, 11)
	return result
}

// Float64 is uniform in [0, 1).
func (r *Rng) Float64() float64 {
	return float64(r.Uint32()) / 4294967296
}

// Intn is a uniform integer in [0, n); n must be >= 1.
func (r *Rng) Intn(n int) int {
	if n < 1 {
		panic(fmt.Sprintf("Rng.Intn needs n >= 1, got %d", n))
	}
	return int(math.Floor(r.Float64() * float64(n)))
}

// Exponential is exponentially distributed with the given mean (inverse transform).
func (r *Rng) Exponential(mean float64) float64 {
	if mean <= 0 {
		return 0
	}
	return -mean * math.Log(1-r.Float64())
}

// Fork is an independent stream for a named consumer, stable across runs with the same seed.
func (r *Rng) Fork(label string) *Rng {
	return NewRng(splitmix32(r.seed ^ fnv1a(label)))
}
