package main

import "testing"

// Golden values printed by the simulator's own code (scripts/core/random.ts, sim/clients/arrivals.ts) under tsx.
func TestRngMatchesTheSimulator(t *testing.T) {
	root := NewRng(20250703).Fork("pod-a")
	mix := root.Fork("mix")
	if a, b := mix.Uint32(), mix.Uint32(); a != 704637263 || b != 3389031260 {
		t.Fatalf("uint32 stream %d %d, want 704637263 3389031260", a, b)
	}
	if f := mix.Float64(); f != 0.558511515147984 {
		t.Fatalf("float %v", f)
	}
	if n := mix.Intn(7); n != 4 {
		t.Fatalf("int %d", n)
	}
	if e := mix.Exponential(10); e != 2.596220536098133 {
		t.Fatalf("exponential %v", e)
	}
	if a, b := NewRng(0).Uint32(), NewRng(4294967295).Uint32(); a != 50113177 || b != 2942350496 {
		t.Fatalf("edge seeds %d %d", a, b)
	}
	if n := root.Intn(300); n != 174 {
		t.Fatalf("root int %d", n)
	}
}

func TestArrivalsMatchTheSimulator(t *testing.T) {
	poisson := newArrivals("poisson", 40, NewRng(20250703).Fork("pod-a").Fork("arrivals"), 0)
	want := []float64{47.28721029235435, 57.62622765234115, 77.9716712958678}
	for i, w := range want {
		if got := poisson.next(); got != w {
			t.Fatalf("poisson arrival %d: %v, want %v", i, got, w)
		}
	}
	constant := newArrivals("constant", 40, NewRng(7).Fork("x"), 1000)
	for i, w := range []float64{1009.1010853589978, 1034.1010853589978} {
		if got := constant.next(); got != w {
			t.Fatalf("constant arrival %d: %v, want %v", i, got, w)
		}
	}
}
