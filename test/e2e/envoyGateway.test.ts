// `--components gateway=envoy` end to end (docs/fidelity.md#swapping-one-component): the library's hot-client, short,
// on the simulator with real Envoy processes as its gateway pods. The mechanism holds through the real gateway:
// one heavy client-go client pins a replica through the ClusterIP path (direct) and real Envoy's LEAST_REQUEST
// spreads it per request (l7); every request is counted by exactly one replica; the results say that Envoy ran (the
// parameters, its processes in the self-check, its admin counters in the gateway stats), and nothing of it is left
// behind. Skipped with the reason when the Envoy binary is not built (npm run binaries); a failure under CI=true.
import fs from 'node:fs';
import os from 'node:os';
import { beforeAll, describe, expect } from 'vitest';
import { loadScenarioFile } from '../../scenarios/loader.ts';
import { ENVOY_VERSION } from '../../scripts/binaries/versions.ts';
import { locateBinary } from '../../scripts/binaries/locate.ts';
import { applyRunOptions } from '../../scripts/cli/validateRun.ts';
import type { ModeResult, ScenarioResults } from '../../scripts/runner/results.ts';
import { runScenario } from '../../scripts/runner/runScenario.ts';
import { runningProcesses } from '../../scripts/targets/binary/managedProcess.ts';
import { createLocalTarget } from '../../scripts/targets/local/localTarget.ts';
import { ENVOY_DIR_PREFIX } from '../../scripts/targets/local/envoyGateways.ts';
import { itWithBinaries } from '../helpers/binaries.ts';

const itWithEnvoy = itWithBinaries('envoy');
const envoyDirs = () => new Set(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith(`${ENVOY_DIR_PREFIX}${process.pid}-`)));

describe('hot-client with --components gateway=envoy', () => {
  let results: ScenarioResults;
  let dirsBefore: Set<string>;
  const mode = (name: string): ModeResult => results.modes.find((m) => m.mode === name)!;
  beforeAll(async () => {
    if (!locateBinary('envoy')) return;
    dirsBefore = envoyDirs();
    const loaded = loadScenarioFile('hot-client');
    results = await runScenario({
      scenario: applyRunOptions(loaded.scenario, { durationMs: 3000 }),
      file: loaded.file,
      modes: ['direct', 'l7'],
      target: createLocalTarget({ components: { gateway: 'envoy' } }),
    });
  }, 180_000);

  itWithEnvoy('l7 through real Envoy spreads the heavy client (max/mean < 1.2) that direct pins (> 2)', () => {
    expect(mode('direct').fairness.maxOverMean).toBeGreaterThan(2);
    expect(mode('l7').fairness.maxOverMean).toBeLessThan(1.2);
    expect(mode('l7').errorRate).toBe(0);
  });

  itWithEnvoy('every answered request is counted by exactly one replica', () => {
    for (const m of results.modes) {
      expect(m.conservation.ok, `${m.mode} conservation`).toBe(true);
      expect(m.conservation.replicaCounted, `${m.mode} counted`).toBe(m.conservation.clientAnswered);
      expect(m.conservation.replicaCounted, `${m.mode} counted`).toBeGreaterThan(500);
    }
  });

  itWithEnvoy("the results say Envoy ran: parameters, its processes' CPU in the self-check, its admin counters", () => {
    expect(results.parameters.components).toEqual({ gateway: `envoy ${ENVOY_VERSION}` });
    const l7 = mode('l7');
    const envoys = l7.selfCheck.components.filter((c) => c.realProcess);
    expect(envoys.map((c) => [c.component, c.kind])).toEqual([
      ['istio-ingressgateway-0', 'envoy'],
      ['istio-ingressgateway-1', 'envoy'],
    ]);
    expect(l7.selfCheck.components.some((c) => c.kind === 'gateway-pod')).toBe(false);
    const gateways = (l7.network as { gateways: { pod: string; downstreamStreams: number; clusters: Record<string, Record<string, { requests: number }>> }[] })
      .gateways;
    // Envoy's http.<prefix>.downstream_rq_total over both pods: every request of the clients went through it.
    expect(gateways.reduce((s, g) => s + g.downstreamStreams, 0)).toBeGreaterThanOrEqual(l7.conservation.clientAnswered);
    expect(Object.keys(gateways[0]!.clusters.default ?? {}).sort()).toEqual(['kube-apiserver-0', 'kube-apiserver-1', 'kube-apiserver-2']);
    expect(l7.gatewayAccounting?.note).toMatch(/^real Envoy gateway pods/);
  });

  itWithEnvoy('leaves no Envoy process and no temporary directory behind', () => {
    expect(runningProcesses().map((p) => p.spec.name)).toEqual([]);
    expect([...envoyDirs()].filter((d) => !dirsBefore.has(d))).toEqual([]);
  });
});
