// Timeline events end to end on real sockets (docs/scenarios.md#timeline-events): a replica killed and started again,
// another restarted gracefully, a scale-out and a rollout of the client pods, in direct and l7 mode. Every answered
// request is counted by exactly one replica across the restarts; each event is recorded with its timing; the
// timeline has a value for every replica in every bucket.
import { beforeAll, describe, expect, it } from 'vitest';
import { Scenario } from '../../scenarios/schema.ts';
import type { ModeResult, ScenarioResults } from '../../scripts/runner/results.ts';
import { runScenario } from '../../scripts/runner/runScenario.ts';
import { localTarget } from '../../scripts/targets/local/localTarget.ts';

const scenario = Scenario.parse({
  name: 'timeline-e2e',
  seed: 77,
  duration: '6s',
  modes: ['direct', 'l7'],
  topology: { controlPlane: { replicas: 3, readinessDelay: '200ms' } },
  clients: [
    {
      name: 'ctl',
      count: 8,
      // ~100 requests per replica and second: enough that a balanced second stays under max/mean 1.25 by chance.
      rate: 50,
      qps: 100,
      burst: 200,
      mix: [
        { verb: 'get', resource: 'leases', weight: 3 },
        { verb: 'update', resource: 'leases', weight: 1 },
      ],
    },
  ],
  events: [
    { name: 'kill', at: '1s', type: 'kill-apiserver', replica: 0, downFor: '300ms' },
    { name: 'restart', at: '2s', type: 'restart-apiserver', replica: 1 },
    { name: 'scale-out', at: '2500ms', type: 'scale-apiservers', replicas: 4 },
    // Early enough that the new pods' warm-up ends well before the load phase does, even on a busy machine.
    { name: 'rollout', at: '3s', type: 'recreate-pods', group: 'ctl' },
  ],
});

describe('timeline events on a running cluster', () => {
  let results: ScenarioResults;
  const mode = (name: string): ModeResult => results.modes.find((m) => m.mode === name)!;
  beforeAll(async () => {
    results = await runScenario({ scenario, file: 'inline', target: localTarget });
  }, 120_000);

  it('applies every event, in order, with its timing', () => {
    for (const m of results.modes) {
      const events = m.timeline.events;
      expect(events.map((e) => [e.name, e.error])).toEqual([
        ['kill', undefined],
        ['restart', undefined],
        ['scale-out', undefined],
        ['rollout', undefined],
      ]);
      const kill = events[0]!;
      expect(kill.startedAtMs).toBeGreaterThanOrEqual(990);
      expect(kill.startedAtMs).toBeLessThan(1500);
      // Down for 300 ms, then ready after its readiness delay of 200 ms.
      expect(kill.readyMs!).toBeGreaterThanOrEqual(500);
    }
  });

  it('counts every answered request on exactly one replica across kills, restarts and new pods', () => {
    for (const m of results.modes) {
      expect(m.conservation, `${m.mode}: ${JSON.stringify(m.conservation)} ${m.measurementNotes.join('; ')}`).toMatchObject({ ok: true });
      expect(m.conservation.warmUpAnswered, m.mode).toBeGreaterThan(0);
      expect(m.measurementNotes, m.mode).toEqual([]);
      const processes = Object.fromEntries(m.replicas.map((r) => [r.replica, r.processes]));
      expect(processes, m.mode).toEqual({ 'kube-apiserver-0': 2, 'kube-apiserver-1': 2, 'kube-apiserver-2': 1, 'kube-apiserver-3': 1 });
    }
  });

  it('records the new replica from when it appeared, and every series has one value per bucket', () => {
    for (const m of results.modes) {
      const lengths = Object.values(m.timeline.replicas).flatMap((r) => [r.requests.length, r.up.length, r.openConnections.length, r.inflight.length]);
      expect(new Set(lengths).size, m.mode).toBe(1);
      const added = m.timeline.replicas['kube-apiserver-3']!;
      expect(added.up.slice(0, 3).some(Boolean), m.mode).toBe(false);
      expect(
        added.requests.reduce((a, b) => a + b, 0),
        m.mode,
      ).toBeGreaterThan(0);
    }
  });

  it('the rollout gives the pods new names and connections; the old pods are gone', () => {
    for (const m of results.modes) {
      const group = m.clients.find((c) => c.group === 'ctl')!;
      expect(m.timeline.events[3]!.detail, m.mode).toBe(`ctl: 8 pods admitted (${m.mode === 'l7' ? 8 : 0} with host aliases); 8 old pods deleted`);
      expect(group.pods, m.mode).toBe(16);
      expect(group.identities, m.mode).toEqual(['system:serviceaccount:kube-system:ctl']);
    }
    // Under L4 the new pods' connections are spread by kube-proxy over the four replicas, the new one included.
    expect(mode('direct').timeline.replicas['kube-apiserver-3']!.openConnections.at(-2)).toBeGreaterThan(0);
  });

  it('under l7 the new replica takes its share within seconds of being ready', () => {
    const convergence = mode('l7').convergence.find((c) => c.event === 'scale-out')!;
    expect(convergence.seconds).not.toBe('never');
  });
});
