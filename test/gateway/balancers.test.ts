// The gateway's load-balancing policies against theory (docs/theory.md#per-request-balls-into-bins): static balls into
// bins, where a ball is a request and a bin's "active" count is its load so far; Envoy's own simulation case
// (docs/envoy-istio.md#p2c-with-one-busy-host); and the lease that counts requests in the upstream cluster.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../scripts/core/random.ts';
import type { LoadBalancer, UpstreamHost } from '../../sim/gateway/upstreamHost.ts';
import { UpstreamCluster } from '../../sim/gateway/upstreamCluster.ts';
import { createBalancer } from '../../sim/gateway/lbPolicy.ts';
import { LeastRequestBalancer } from '../../sim/gateway/leastRequest.ts';
import { RandomBalancer } from '../../sim/gateway/randomPick.ts';
import { RoundRobinBalancer } from '../../sim/gateway/roundRobin.ts';

function hosts(n: number): UpstreamHost[] {
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

describe('load-balancing policies vs theory (docs/theory.md)', () => {
  // Random assignment: E[max − mean] grows like sqrt(m ln n / n).
  for (const [balls, expected] of [
    [30, 2.7],
    [300, 8.6],
    [3000, 26.4],
  ] as const) {
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
    const inFlight: { host: UpstreamHost; until: number }[] = [];
    for (let t = 0; t < 20000; t++) {
      for (let i = inFlight.length - 1; i >= 0; i--)
        if (inFlight[i]!.until <= t) {
          inFlight[i]!.host.active--;
          inFlight.splice(i, 1);
        }
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
});

describe("Envoy's least-request simulation case", () => {
  // 3 hosts, one with an active request: P2C (two draws with replacement, fewer active wins, a tie keeps the first)
  // picks the busy host only when both draws land on it, 1/9; each idle one (1 − 1/9)/2 = 44.45 %. Over 100k picks
  // the binomial standard deviation is about 0.1 %, so ±1 % is a wide, never-flaky bound that still catches a wrong
  // algorithm (e.g. without replacement the busy host would get 0 %, a full scan 0 %, random 33 %).
  it('gives {44.45 %, 44.45 %, 11.1 %} ±1 % over 100k picks', () => {
    const lb = new LeastRequestBalancer(new Rng(2024), 2);
    const hs = hosts(3);
    hs[2]!.active = 1;
    const picks = [0, 0, 0];
    for (let i = 0; i < 100_000; i++) picks[hs.indexOf(lb.pick(hs)!)]!++;
    const shares = picks.map((n) => n / 100_000);
    expect(Math.abs(shares[0]! - 0.4445)).toBeLessThan(0.01);
    expect(Math.abs(shares[1]! - 0.4445)).toBeLessThan(0.01);
    expect(Math.abs(shares[2]! - 1 / 9)).toBeLessThan(0.01);
  });
});

describe('the upstream cluster counts every request in one place (acquire → release)', () => {
  const endpoints = [0, 1, 2].map((i) => ({ name: `h${i}`, ip: '127.0.0.1', port: 1000 + i }));

  it('acquire counts the request on its host; release ends it exactly once however often it is called', () => {
    const cluster = new UpstreamCluster('default', endpoints, 'ROUND_ROBIN', new Rng(1), 2);
    const lease = cluster.acquire()!;
    expect(cluster.stats()[lease.host.name]).toEqual({ requests: 1, active: 1 });
    lease.release();
    lease.release();
    expect(cluster.stats()[lease.host.name]).toEqual({ requests: 1, active: 0 });
  });

  it('excludes hosts a request already tried, and falls back to any host when all were', () => {
    const cluster = new UpstreamCluster('default', endpoints, 'RANDOM', new Rng(3), 2);
    for (let i = 0; i < 50; i++) {
      const lease = cluster.acquire(new Set(['h0', 'h1']))!;
      expect(lease.host.name).toBe('h2');
      lease.release();
    }
    expect(cluster.acquire(new Set(['h0', 'h1', 'h2']))).toBeDefined();
  });

  it('has no lease to give without hosts, and removed hosts take no new requests but keep their counters', () => {
    const cluster = new UpstreamCluster('default', endpoints, 'LEAST_REQUEST', new Rng(4), 2);
    const held = cluster.acquire()!;
    expect(cluster.setEndpoints(endpoints.filter((e) => e.name !== held.host.name))).toEqual([held.host.name]);
    for (let i = 0; i < 30; i++) expect(cluster.acquire()!.host.name).not.toBe(held.host.name);
    expect(cluster.stats()[held.host.name]).toEqual({ requests: 1, active: 1 });
    held.release();
    expect(cluster.stats()[held.host.name]!.active).toBe(0);
    expect(new UpstreamCluster('default', [], 'LEAST_REQUEST', new Rng(1), 2).acquire()).toBeUndefined();
  });
});
