// Seeded pseudo-random numbers. Every random decision of a run (the plan's tokens, kube-proxy backend choice, P2C
// candidates, service times, goaway-chance, arrival times) draws from a stream forked from the run's random seed,
// so a run can be replayed from the seed it prints. Each consumer forks its own stream by a stable label, so adding
// a component does not shift the numbers another component sees. (Not to be confused with the Gardener *seed*
// cluster: code says `randomSeed` for this number; docs/scenarios.md#the-random-seed.)

/** splitmix32: turns any 32-bit value into a well-mixed one; used to seed and to fork streams. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over a string, for deriving a stream from a label. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A xoshiro128** generator (Blackman & Vigna), period 2^128 - 1, fast and good enough for simulation. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(readonly seed: number) {
    let x = seed >>> 0;
    this.s0 = x = splitmix32(x);
    this.s1 = x = splitmix32(x);
    this.s2 = x = splitmix32(x);
    this.s3 = splitmix32(x);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new RangeError(`Rng.int needs n >= 1, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** Exponentially distributed value with the given mean (inverse transform). */
  exponential(mean: number): number {
    if (mean <= 0) return 0;
    return -mean * Math.log(1 - this.next());
  }

  /** An independent stream for a named consumer, stable across runs with the same seed. */
  fork(label: string): Rng {
    return new Rng(splitmix32((this.seed ^ fnv1a(label)) >>> 0));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A fresh seed for runs that did not ask for one; the caller prints it so the run can be replayed. */
export function freshSeed(): number {
  return (Math.random() * 0x7fffffff) >>> 0;
}
