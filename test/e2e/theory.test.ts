// The simulated L4 path against theory and replay, end to end (docs/theory.md#random-assignment-of-k-clients):
// many-controllers (30 equal client-go pods, 3 replicas) under direct, over many seeds. kube-proxy in iptables mode
// picks a backend uniformly at random per new connection and client-go keeps one connection, so the connections per
// replica are the occupancy of 3 bins by 30 balls: E[max/mean] = 1.272 (exact, expectedRandomAssignment). The mean
// over the seeds must match within 3 standard errors, the standard error coming from the theoretical distribution's
// own spread (Monte Carlo). And the same seed must give the same client-to-replica assignment again (replay).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../scenarios/loader.ts';
import { Rng } from '../../scripts/core/random.ts';
import { expectedRandomAssignment, fairnessOf } from '../../scripts/measure/fairness.ts';
import type { ModeResult } from '../../scripts/runner/results.ts';
import { runScenario } from '../../scripts/runner/runScenario.ts';
import { localTarget } from '../../scripts/targets/local/localTarget.ts';

const SEEDS = Array.from({ length: 10 }, (_, i) => 1000 + i);
const { scenario: base, file } = loadScenarioFile('many-controllers');
const pods = base.clients.reduce((s, g) => s + g.count, 0);
const replicas = base.topology.controlPlane.replicas;

/** Connections kube-proxy opened to each replica of the kube-apiserver Service, in replica order. */
function connectionsPerReplica(result: ModeResult): number[] {
  const stats = (result.network.kubeProxy as { service: string; backends: Record<string, { opened: number }> }[]).find((s) =>
    s.service.endsWith('/kube-apiserver'),
  )!;
  return result.replicas.map((r) => stats.backends[r.replica]?.opened ?? 0);
}

async function runDirect(seed: number): Promise<ModeResult> {
  const results = await runScenario({ scenario: { ...base, duration: 600, modes: ['direct'] }, file, randomSeed: seed, target: localTarget });
  return results.modes[0]!;
}

describe('many-controllers under direct: random assignment and replay', () => {
  const runs = new Map<number, ModeResult>();
  let replay: ModeResult;
  beforeAll(async () => {
    for (const seed of SEEDS) runs.set(seed, await runDirect(seed));
    replay = await runDirect(SEEDS[0]!);
  }, 300_000);

  it('every client pod holds one connection, placed by kube-proxy', () => {
    for (const [seed, result] of runs)
      expect(
        connectionsPerReplica(result).reduce((a, b) => a + b, 0),
        `seed ${seed}`,
      ).toBe(pods);
  });

  it('the mean max/mean over the seeds matches E[max/mean] of 30 balls in 3 bins within 3 standard errors', () => {
    const theory = expectedRandomAssignment(replicas, pods).maxOverMean;
    // The spread of one draw, from the theoretical distribution itself.
    const rng = new Rng(7);
    const draws = Array.from({ length: 50_000 }, () => {
      const bins = new Array<number>(replicas).fill(0);
      for (let i = 0; i < pods; i++) bins[rng.int(replicas)]!++;
      return fairnessOf(bins).maxOverMean;
    });
    const drawMean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((s, x) => s + (x - drawMean) ** 2, 0) / draws.length);
    expect(drawMean).toBeCloseTo(theory, 2);
    const observed = [...runs.values()].map((r) => fairnessOf(connectionsPerReplica(r)).maxOverMean);
    const mean = observed.reduce((a, b) => a + b, 0) / observed.length;
    const se = sd / Math.sqrt(observed.length);
    expect(Math.abs(mean - theory), `mean ${mean.toFixed(3)} vs ${theory.toFixed(3)} (3 SE = ${(3 * se).toFixed(3)})`).toBeLessThan(3 * se);
  });

  it('requests follow connections: each replica serves its clients at their offered rate', () => {
    for (const [seed, result] of runs) {
      const byConnections = fairnessOf(connectionsPerReplica(result)).maxOverMean;
      expect(Math.abs(result.fairness.maxOverMean - byConnections), `seed ${seed}`).toBeLessThan(0.1);
    }
  });

  it('the same seed gives the same client-to-replica assignment; another seed gives another', () => {
    const first = runs.get(SEEDS[0]!)!;
    expect(connectionsPerReplica(replay)).toEqual(connectionsPerReplica(first));
    // The requests follow, up to the few in flight when the phase ends.
    first.replicas.forEach((r, i) => expect(Math.abs(replay.replicas[i]!.requests - r.requests)).toBeLessThanOrEqual(Math.max(3, 0.05 * r.requests)));
    const others = SEEDS.slice(1).map((s) => connectionsPerReplica(runs.get(s)!).join(','));
    expect(others.some((o) => o !== connectionsPerReplica(first).join(','))).toBe(true);
  });
});
