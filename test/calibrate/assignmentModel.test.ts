// The calibration's null model against the numbers docs/theory.md derives independently: the exact expectation of
// random assignment (table (a), enumerated by expectedRandomAssignment), per-request balls into bins (table (c)), the
// goaway reshuffle, the quantile of the difference of two independent draws, and an http1-pool's connections.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../scripts/core/random.ts';
import { binomial, differenceQuantile, poisson, sampleModel, type ModelInput } from '../../scripts/calibrate/assignmentModel.ts';
import { expectedRandomAssignment } from '../../scripts/measure/fairness.ts';
import { connectionsPerPod, modelInputOf } from '../../scripts/calibrate/balanceRows.ts';
import type { ModeResult } from '../../scripts/runner/results.ts';
import { Scenario } from '../../scenarios/schema.ts';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};

function equalPods(k: number, m: number, perBucket: number, buckets = 1): ModelInput {
  return {
    policy: 'per-connection',
    reconnectChance: 0,
    up: Array.from({ length: m }, () => Array.from({ length: buckets }, () => true)),
    bucketTotals: Array.from({ length: buckets }, () => perBucket),
    connectionShares: Array.from({ length: k }, () => 1 / k),
  };
}

describe('per-connection random assignment (kube-proxy iptables)', () => {
  for (const k of [1, 3, 5, 10]) {
    it(`k=${k} equal pods on 3 replicas: E[max/mean] is docs/theory.md table (a)`, () => {
      // A large per-pod count makes the Poisson noise negligible, so only the assignment varies.
      const samples = sampleModel(equalPods(k, 3, 1e6), 4000, k).map((s) => s.maxOverMean);
      const exact = expectedRandomAssignment(3, k).maxOverMean;
      expect(Math.abs(mean(samples) - exact)).toBeLessThan((4 * sd(samples)) / Math.sqrt(samples.length) + 0.005);
    });
  }

  it('a replica added later gets no existing connection (scale-out under L4)', () => {
    const input = equalPods(12, 4, 480, 6);
    for (let b = 0; b < 3; b++) input.up[3]![b] = false;
    const samples = sampleModel(input, 500, 7);
    expect(Math.max(...samples.map((s) => s.minOverMean))).toBe(0);
  });

  it('goaway reconnects spread a single heavy client over the replicas', () => {
    const pinned = sampleModel(equalPods(1, 3, 400, 8), 500, 1);
    const shuffled = sampleModel({ ...equalPods(1, 3, 400, 8), reconnectChance: 0.02 }, 500, 1);
    expect(mean(pinned.map((s) => s.maxOverMean))).toBeCloseTo(3, 6);
    // 3200 requests, a new draw every 50 on average: about 64 segments, max/mean near table (a)'s large-k values.
    expect(mean(shuffled.map((s) => s.maxOverMean))).toBeLessThan(1.4);
    // Per second there are only ~8 segments: the per-second imbalance stays well above the time-averaged one.
    expect(mean(shuffled.map((s) => s.perSecondMaxOverMean))).toBeGreaterThan(mean(shuffled.map((s) => s.maxOverMean)) + 0.3);
  });
});

describe('per-request random choice', () => {
  it('300 requests on 3 replicas: E[max/mean] 1.085 (docs/theory.md table (c))', () => {
    const input: ModelInput = { policy: 'per-request', reconnectChance: 0, up: [[true], [true], [true]], bucketTotals: [300], connectionShares: [1] };
    const samples = sampleModel(input, 4000, 3).map((s) => s.maxOverMean);
    expect(mean(samples)).toBeGreaterThan(1.075);
    expect(mean(samples)).toBeLessThan(1.095);
  });

  it('a replica that is down in a bucket gets nothing in it', () => {
    const input: ModelInput = {
      policy: 'per-request',
      reconnectChance: 0,
      up: [
        [true, true],
        [true, false],
      ],
      bucketTotals: [100, 100],
      connectionShares: [1],
    };
    const shares = sampleModel(input, 200, 4).map((s) => s.sortedShares[0]!);
    expect(Math.min(...shares)).toBeGreaterThanOrEqual(0.5);
    expect(Math.abs(mean(shares) - 0.75)).toBeLessThan(0.02);
  });
});

describe('sampling helpers', () => {
  it('poisson and binomial have their means and variances', () => {
    const rng = new Rng(11);
    for (const lambda of [3, 80]) {
      const xs = Array.from({ length: 20000 }, () => poisson(rng, lambda));
      expect(Math.abs(mean(xs) - lambda)).toBeLessThan(0.05 * lambda);
      expect(Math.abs(sd(xs) ** 2 - lambda)).toBeLessThan(0.1 * lambda);
    }
    const bs = Array.from({ length: 20000 }, () => binomial(rng, 200, 0.3));
    expect(Math.abs(mean(bs) - 60)).toBeLessThan(0.5);
    expect(Math.abs(sd(bs) ** 2 - 42)).toBeLessThan(3);
  });

  it('the 0.999 quantile of |x − y| for two standard normals is 3.29·√2', () => {
    const rng = new Rng(5);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    const a = Array.from({ length: 200000 }, normal);
    const b = Array.from({ length: 200000 }, normal);
    expect(Math.abs(differenceQuantile(a, b, 0.999) - 3.29 * Math.SQRT2)).toBeLessThan(0.15);
  });
});

describe('the connections a run balances over', () => {
  const scenario = Scenario.parse({
    name: 'pool',
    clients: [
      { name: 'pool', count: 1, profile: 'http1-pool', rate: 400, qps: 600, http1: { connections: 25 } },
      { name: 'ctl', count: 2, rate: 1 },
    ],
  });

  it('an http1-pool pod balances over its pool (shrunk to the rate, as autocannon does); a client-go pod over one connection', () => {
    expect(connectionsPerPod(scenario.clients[0])).toBe(25);
    expect(connectionsPerPod({ ...scenario.clients[0]!, rate: 10 })).toBe(10);
    expect(connectionsPerPod({ ...scenario.clients[0]!, qps: 2.5 })).toBe(3);
    expect(connectionsPerPod(scenario.clients[1])).toBe(1);
  });

  it("a pool of 25 on 3 replicas: E[max/mean] is docs/theory.md's random assignment of 25 connections", () => {
    const replica = { requests: [1e6], up: [true] };
    const result = {
      mode: 'direct',
      timeline: { replicas: { 'kube-apiserver-0': replica, 'kube-apiserver-1': replica, 'kube-apiserver-2': replica } },
      clients: [
        { group: 'pool', pods: 1, attempts: 3e6 },
        { group: 'ctl', pods: 2, attempts: 0 },
      ],
    } as unknown as ModeResult;
    const input = modelInputOf(scenario, result);
    expect(input.connectionShares.filter((s) => s > 0)).toHaveLength(25);
    const samples = sampleModel(input, 4000, 25).map((s) => s.maxOverMean);
    const exact = expectedRandomAssignment(3, 25).maxOverMean;
    expect(Math.abs(mean(samples) - exact)).toBeLessThan((4 * sd(samples)) / Math.sqrt(samples.length) + 0.005);
  });
});
