// The core claim of the project, end to end on real sockets: through the ClusterIP path one heavy client-go client
// pins one replica; through Gardener's internal gateway (webhook hostAlias → TLS termination → P2C per request)
// its load is spread evenly; passthrough behaves like direct; every request is accounted for in every mode.
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadScenarioFile } from '../../scenarios/loader.ts';
import { runScenario } from '../../scripts/runner/runScenario.ts';
import type { ModeResult, ScenarioResults } from '../../scripts/runner/results.ts';
import { localTarget } from '../../scripts/targets/local/localTarget.ts';

const file = fileURLToPath(new URL('../fixtures/scenarios/mini-hot.yaml', import.meta.url));

describe('hot client: four modes side by side', () => {
  // One run of the scenario is the fixture every test below reads; no test depends on another.
  let results: ScenarioResults;
  const mode = (name: string): ModeResult => results.modes.find((m) => m.mode === name)!;
  beforeAll(async () => {
    const { scenario } = loadScenarioFile(file);
    results = await runScenario({ scenario, file, target: localTarget });
  }, 180_000);

  it('runs every mode on a fresh cluster and meets the scenario checks', () => {
    expect(results.modes.map((m) => m.mode)).toEqual(['direct', 'l7', 'passthrough', 'goaway']);
    expect(results.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('direct: the heavy client stays on one replica over one connection (max/mean near 1 + h(m-1))', () => {
    const direct = mode('direct');
    const heavy = direct.clients.find((c) => c.group === 'heavy')!;
    expect(heavy.connectionsOpened).toBe(1);
    expect(direct.fairness.maxOverMean).toBeGreaterThan(0.8 * direct.theory.hotClientMaxOverMean);
    expect(direct.fairness.jain).toBeLessThan(0.6);
  });

  it('l7: per-request balancing spreads the same client evenly over all replicas', () => {
    const l7 = mode('l7');
    expect(l7.fairness.maxOverMean).toBeLessThanOrEqual(1.15);
    expect(l7.fairness.jain).toBeGreaterThan(0.97);
    for (const replica of l7.replicas) expect(replica.share).toBeGreaterThan(0.25);
    // The pods reached the gateway through the hostAlias the webhook added.
    expect(l7.clients.every((c) => c.errors.dns === undefined)).toBe(true);
  });

  it('passthrough: SNI routing at L4 keeps the hotspot', () => {
    expect(mode('passthrough').fairness.maxOverMean).toBeGreaterThan(0.8 * mode('passthrough').theory.hotClientMaxOverMean);
  });

  it('goaway: GOAWAYs make the heavy client reconnect', () => {
    const heavy = mode('goaway').clients.find((c) => c.group === 'heavy')!;
    expect(heavy.goawaysReceived).toBeGreaterThan(0);
    expect(heavy.connectionsOpened).toBeGreaterThan(1);
  });

  it('conserves requests and has no errors in any mode', () => {
    for (const m of results.modes) {
      expect(m.conservation.ok, `${m.mode} conservation`).toBe(true);
      expect(m.conservation.replicaCounted, `${m.mode} counted`).toBeGreaterThan(300);
      expect(m.errorRate, `${m.mode} error rate`).toBe(0);
    }
  });
});
