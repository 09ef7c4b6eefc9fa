// The gateway's load-balancing policies against theory (anchors.md §D.2, §D.3(c)): static balls into bins, where a
// ball is a request and a bin's "active" count is its load so far.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../sim/random.ts';
import type { LoadBalancer, UpstreamEndpoint } from '../../sim/gateway/endpoint.ts';
import { createBalancer } from '../../sim/gateway/lbPolicy.ts';
import { LeastRequestBalancer } from '../../sim/gateway/leastRequest.ts';
import { RandomBalancer } from '../../sim/gateway/randomPick.ts';
import { RoundRobinBalancer } from '../../sim/gateway/roundRobin.ts';

function hosts(n: number): UpstreamEndpoint[] {
  return Array.from({ length: n }, (_, i) => ({ name: `h${i}`, ip: '127.0.0.1', port: i, active: 0, total: 0 }));
}

/** Throws `balls` into `bins` once; returns max − mean of the final loads. */
function gap(balancer: LoadBalancer, bins: number, balls: number): number {
  const hs = hosts(bins);
  for (let i = 0; i < balls; i++) {
    const h = balancer.pick(hs)!;
    h.active++;
  }
  return Math.max(...hs.map((h) => h.active)) - balls / bins;
}

function stats(samples: number[]) {
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const sd = Math.sqrt(samples.reduce((s, x) => s + (x - mean) ** 2, 0) / samples.length);
  const sorted = [...samples].sort((a, b) => a - b);
  return { mean, se: sd / Math.sqrt(samples.length), p99: sorted[Math.floor(0.99 * (sorted.length - 1))]! };
}

function monteCarlo(make: (rng: Rng) => LoadBalancer, bins: number, balls: number, trials: number) {
  const rng = new Rng(1);
  return stats(Array.from({ length: trials }, () => gap(make(rng), bins, balls)));
}

describe('load-balancing policies vs theory (anchors D.3(c))', () => {
  // Random assignment: E[max − mean] grows like sqrt(m ln n / n).
  for (const [balls, expected] of [[30, 2.7], [300, 8.6], [3000, 26.4]] as const) {
    it(`RANDOM, 3 bins, ${balls} requests: E[max−mean] ≈ ${expected}`, () => {
      const r = monteCarlo((rng) => new RandomBalancer(rng), 3, balls, 2000);
      expect(Math.abs(r.mean - expected)).toBeLessThan(4 * r.se + 0.05 * expected);
    });
  }

  // Power of two choices: the gap does not grow with the number of requests (Berenbrink et al. 2000).
  for (const balls of [30, 300, 3000]) {
    it(`LEAST_REQUEST (P2C), 3 bins, ${balls} requests: gap ≈ 0.66, p99 2`, () => {
      const r = monteCarlo((rng) => new LeastRequestBalancer(rng, 2), 3, balls, 1000);
      expect(Math.abs(r.mean - 0.66)).toBeLessThan(4 * r.se + 0.05);
      expect(r.p99).toBeLessThanOrEqual(2);
    });
  }

  it('LEAST_REQUEST (P2C), 10 bins: gap ≈ 1.2, p99 3', () => {
    const r = monteCarlo((rng) => new LeastRequestBalancer(rng, 2), 10, 3000, 1000);
    expect(Math.abs(r.mean - 1.2)).toBeLessThan(4 * r.se + 0.1);
    expect(r.p99).toBeLessThanOrEqual(3);
  });

  it('more choices never hurt: choiceCount 3 beats 2 beats 1 (random)', () => {
    const g = (c: number) => monteCarlo((rng) => new LeastRequestBalancer(rng, c), 10, 3000, 300).mean;
    expect(g(3)).toBeLessThan(g(2));
    expect(g(2)).toBeLessThan(g(1));
  });

  it('P2C on a live queue sends fewer requests to a slow host', () => {
    // Two hosts; host 1 holds each request 5× as long. Requests arrive one per tick.
    const rng = new Rng(7);
    const lb = new LeastRequestBalancer(rng, 2);
    const hs = hosts(2);
    const inFlight: { host: UpstreamEndpoint; until: number }[] = [];
    for (let t = 0; t < 20000; t++) {
      for (let i = inFlight.length - 1; i >= 0; i--) if (inFlight[i]!.until <= t) { inFlight[i]!.host.active--; inFlight.splice(i, 1); }
      const h = lb.pick(hs)!;
      h.active++;
      h.total++;
      inFlight.push({ host: h, until: t + (h.name === 'h1' ? 10 : 2) });
    }
    expect(hs[0]!.total).toBeGreaterThan(2 * hs[1]!.total);
  });

  it('ROUND_ROBIN cycles exactly; every policy handles 0 and 1 hosts', () => {
    const rr = new RoundRobinBalancer();
    const hs = hosts(3);
    expect(Array.from({ length: 6 }, () => rr.pick(hs)!.name)).toEqual(['h0', 'h1', 'h2', 'h0', 'h1', 'h2']);
    for (const policy of ['LEAST_REQUEST', 'ROUND_ROBIN', 'RANDOM'] as const) {
      const lb = createBalancer(policy, new Rng(1));
      expect(lb.pick([])).toBeUndefined();
      expect(lb.pick(hosts(1))!.name).toBe('h0');
    }
    expect(() => createBalancer('LEAST_CONN' as never, new Rng(1))).toThrow(/unknown load balancing policy/);
  });

  it('is replayable from the seed', () => {
    const run = () => { const lb = new LeastRequestBalancer(new Rng(99), 2); const hs = hosts(3); return Array.from({ length: 50 }, () => { const h = lb.pick(hs)!; h.active++; return h.name; }).join(); };
    expect(run()).toBe(run());
  });
});
