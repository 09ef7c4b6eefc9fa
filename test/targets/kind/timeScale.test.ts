// The time scale of the kind and cluster targets: a scenario's times (load phase, events) run `timeScale` times longer
// there (scenarios/timeScale.ts), check() refuses a timeline a real cluster cannot keep (clusterTiming.ts: a new
// kube-apiserver needs up to 30 s, and an event must be done before the next one starts and 10 s before the load
// ends), and the dry run of every library scenario shows times a real cluster can meet.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listScenarioNames, loadScenarioFile } from '../../../scenarios/loader.ts';
import { Scenario } from '../../../scenarios/schema.ts';
import { scaleScenarioTime } from '../../../scenarios/timeScale.ts';
import { timingProblems } from '../../../scripts/targets/eventTiming.ts';
import { DEFAULT_TIME_SCALE, REAL_CLUSTER_TIMING } from '../../../scripts/targets/kind/clusterTiming.ts';
import { dryRunKindScenario } from '../../../scripts/targets/kind/dryRun.ts';
import { createKindTarget } from '../../../scripts/targets/kind/kindTarget.ts';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kind-time-scale-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('scaleScenarioTime', () => {
  const scenario = Scenario.parse({
    name: 's',
    duration: '10s',
    maxRequests: 1000,
    gate: { duration: '9s' },
    topology: { controlPlane: { readinessDelay: '500ms' } },
    clients: [{ name: 'a', rate: 1 }],
    events: [
      { at: '3s', type: 'scale-apiservers', replicas: 4 },
      { name: 'roll', at: '4s', type: 'rolling-restart', pause: '500ms' },
      { at: '8s', type: 'kill-apiserver', replica: 0, downFor: '1s' },
    ],
  });

  it('scales the load phase, its request budget and every event time; keeps names, readiness delays and expectations', () => {
    const scaled = scaleScenarioTime(scenario, 10);
    expect([scaled.duration, scaled.maxRequests, scaled.gate.duration]).toEqual([100_000, 10_000, 90_000]);
    expect(scaled.events).toEqual([
      { name: 'scale-apiservers@3s', at: 30_000, type: 'scale-apiservers', replicas: 4 },
      { name: 'roll', at: 40_000, type: 'rolling-restart', pause: 5_000 },
      { name: 'kill-apiserver@8s', at: 80_000, type: 'kill-apiserver', replica: 0, downFor: 10_000 },
    ]);
    expect(scaled.topology.controlPlane.readinessDelay).toBe(500);
    expect(scaled.expect).toEqual(scenario.expect);
    expect(scaleScenarioTime(scenario, 1)).toBe(scenario);
    expect(() => scaleScenarioTime(scenario, 0)).toThrow('time scale must be a positive number, got 0');
  });
});

describe('what a real cluster can keep', () => {
  const scaleOut = loadScenarioFile('scale-out').scenario;

  it('scale-out at the simulator`s times: the new replica is not ready before the load ends; at the default scale it is', () => {
    expect(timingProblems(scaleOut, 1, REAL_CLUSTER_TIMING)).toEqual([
      'the load phase ends at 10s, but events[0] (scale-out) is done only at about 33s on a real cluster (1 new replica(s) ready, 0 gone) and measuring what it did needs 10 s more; raise --time-scale (now 1)',
    ]);
    expect(timingProblems(scaleScenarioTime(scaleOut, DEFAULT_TIME_SCALE), DEFAULT_TIME_SCALE, REAL_CLUSTER_TIMING)).toEqual([]);
  });

  it('check() refuses what a real cluster cannot keep at the target`s time scale, and --time-scale changes it', () => {
    expect(createKindTarget({ timeScale: 1 }).check(scaleOut)).toHaveLength(1);
    expect(createKindTarget().check(scaleOut)).toEqual([]);
    expect(createKindTarget().timeScale).toBe(10);
    expect(() => createKindTarget({ timeScale: 0.5 })).toThrow('time scale must be a number from 1 to 100, got 0.5');
  });

  it('an event that needs the previous one done is refused when it comes too early', () => {
    const misconfig = loadScenarioFile('webhook-misconfig').scenario;
    // At scale 5 the ConfigMap deletion (5 s) and the kubeconfig change are done at 9 s, the pods that should miss the
    // ConfigMap are created at 7.5 s.
    expect(timingProblems(scaleScenarioTime(misconfig, 5), 5, REAL_CLUSTER_TIMING)[0]).toBe(
      'events[2] (configmap-missing) starts at 7.5s, before events[1] (delete-object@1s, at 5s) can be done on a real cluster (about 9s: one object applied or deleted); raise --time-scale (now 5)',
    );
  });
});

describe('the kind dry run of every library scenario', () => {
  const names = listScenarioNames();

  it.each(names)('%s: times a real cluster can meet, printed', async (name) => {
    const { scenario } = loadScenarioFile(name);
    const dry = await dryRunKindScenario({ scenario, modes: [scenario.modes[0]!], randomSeed: 1, out: path.join(tmp, name) });
    // Nothing refused: seed-scale's 943 client pods (room is the cluster's to say, clusterRoom.ts) and webhook-misconfig's
    // set-namespace-alias (GRM's NetworkPolicies, manifests/networkPolicies.ts) were refused before.
    expect(dry.problems).toEqual([]);
    expect(dry.text).toMatch(/cluster capacity: the run needs \d+ pods/);
    expect(dry.text).toContain(`time scale 10: the load phase runs ${scenario.duration / 100}s`.replace(/(\d+)\.0s/, '$1s'));
    const run = dry.modes[0]!.plan.steps.find((s) => s.args.some((a) => typeof a === 'string' && a.includes('/proxy/run?')));
    if (run) expect(run.args.find((a) => typeof a === 'string' && a.includes('/proxy/run?'))).toContain(`durationMs=${scenario.duration * 10}&`);
    for (const event of scenario.events) expect(dry.text).toContain(`at ${(event.at * 10) / 1000}s`);
  });

  it('at the simulator`s own times, every library scenario with an event that brings a pod up is refused', () => {
    const refused = names.filter((name) =>
      createKindTarget({ timeScale: 1 })
        .check(loadScenarioFile(name).scenario)
        .some((p) => p.includes('--time-scale')),
    );
    expect(refused).toEqual(expect.arrayContaining(['rolling-restart', 'scale-out', 'upstream-http1', 'webhook-misconfig', 'webhook-off']));
  });
});
