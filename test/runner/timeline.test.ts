// What each timeline event does to a cluster (scripts/runner/timeline.ts, docs/scenarios.md#timeline-events), against a
// recording fake of the Target seam: the changes in order, one kind at a time, final /metrics to the sampler, pods
// started and stopped through the fleets, and an event that fails recorded instead of thrown.
import { describe, expect, it, vi } from 'vitest';
import { Scenario, type ScenarioInput } from '../../scenarios/schema.ts';
import type { ChangeOutcome, TopologyChange } from '../../scripts/cluster/changes.ts';
import type { LoadSampler } from '../../scripts/measure/loadSampler.ts';
import { ClientFleets } from '../../scripts/runner/clientFleets.ts';
import { TimelineRunner } from '../../scripts/runner/timeline.ts';
import type { ClientFleet, ClusterMembers, PodAdmission, RunningCluster } from '../../scripts/targets/target.ts';
import type { ClientPodSpec } from '../../scripts/core/clientPod.ts';

class FakeCluster {
  readonly applied: string[] = [];
  readonly log: string[] = [];
  members: ClusterMembers = { replicas: ['kube-apiserver-0', 'kube-apiserver-1', 'kube-apiserver-2'], gatewayPods: ['gw-0', 'gw-1'] };
  /** ms each change takes. */
  delayMs = 0;
  /** Admissions of this group are rejected from this admission generation on (0 is the fleets' first). */
  reject: { group: string; fromGeneration: number } | undefined;
  fail: TopologyChange['type'] | undefined;
  inFlight = 0;
  maxInFlight = 0;

  asCluster(): RunningCluster {
    return {
      members: async () => structuredClone(this.members),
      apply: (change) => this.apply(change),
      admitClientPods: async (groups) => this.admit(groups.map((g) => ({ name: g.name, count: g.count }))),
      startClients: async (pods) => this.fleet(pods),
    } as Partial<RunningCluster> as RunningCluster;
  }

  private async apply(change: TopologyChange): Promise<ChangeOutcome> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, this.delayMs));
      if (change.type === this.fail) throw new Error(`${change.type} failed`);
      const what =
        'replica' in change
          ? `${change.type} ${change.replica}${'mode' in change ? ` ${change.mode}` : ''}`
          : 'pod' in change
            ? `${change.type} ${change.pod}`
            : change.type;
      this.applied.push(what);
      if (change.type === 'add-apiserver') this.members.replicas.push(`kube-apiserver-${this.members.replicas.length}`);
      if (change.type === 'remove-apiserver') this.members.replicas = this.members.replicas.filter((r) => r !== change.replica);
      const ended = change.type === 'stop-apiserver' || change.type === 'remove-apiserver' || change.type === 'restart-apiserver';
      return {
        change,
        appliedMs: this.delayMs,
        detail: what,
        ...(ended ? { finalMetrics: [{ replica: change.replica, text: `final of ${change.replica}` }] } : {}),
      };
    } finally {
      this.inFlight--;
    }
  }

  private generation = 0;
  private admit(groups: { name: string; count: number }[]): PodAdmission {
    const generation = this.generation++;
    const admission: PodAdmission = { admitted: [], rejected: [] };
    for (const g of groups) {
      for (let i = 0; i < g.count; i++) {
        const name = `${g.name}-g${generation}-${i}`;
        if (g.name === this.reject?.group && generation >= this.reject.fromGeneration)
          admission.rejected.push({ pod: name, group: g.name, code: 404, message: 'services "istio-ingressgateway-internal" not found' });
        else admission.admitted.push({ name, group: g.name, hostAliases: [{ ip: '127.100.0.2', hostnames: ['api'] }] } as ClientPodSpec);
      }
    }
    return admission;
  }

  private fleet(pods: ClientPodSpec[]): ClientFleet {
    const log = this.log;
    return {
      prepare: async () => ({ answered: pods.length, failed: [] }),
      run: async (options) => {
        log.push(`run ${pods.map((p) => p.name).join(',')} for ${options.durationMs > 0 ? 'the rest' : 'nothing'}`);
        return [];
      },
      setGroup: async (group, change) => void log.push(`set ${group} ${JSON.stringify(change)}`),
      stopPods: async (names) => void log.push(`stop ${names.join(',')}`),
      close: async () => undefined,
    };
  }
}

function setUp(events: ScenarioInput['events'], clients: ScenarioInput['clients'] = [{ name: 'ctl', count: 2, rate: 1 }]) {
  const scenario = Scenario.parse({ name: 't', duration: '30s', clients, events });
  const fake = new FakeCluster();
  const finals: string[] = [];
  const sampler = { ingestFinal: (f: { replica: string; text: string }[]) => finals.push(...f.map((x) => x.text)) } as unknown as LoadSampler;
  const fleets = new ClientFleets(fake.asCluster(), scenario);
  const runner = new TimelineRunner(scenario.events, {
    cluster: fake.asCluster(),
    fleets,
    sampler,
    loadStartedAt: performance.now(),
    durationMs: scenario.duration,
  });
  return { fake, finals, fleets, runner };
}

describe('TimelineRunner', () => {
  it('scales up with the next replicas and down by deleting the highest; final /metrics go to the sampler', async () => {
    const { fake, finals, runner } = setUp([
      { at: '0ms', type: 'scale-apiservers', replicas: 5 },
      { at: '50ms', type: 'scale-apiservers', replicas: 3 },
    ]);
    runner.start();
    const records = await runner.finish();
    expect(fake.applied).toEqual(['add-apiserver', 'add-apiserver', 'remove-apiserver kube-apiserver-4', 'remove-apiserver kube-apiserver-3']);
    expect(finals).toEqual(['final of kube-apiserver-4', 'final of kube-apiserver-3']);
    expect(records.map((r) => [r.name, r.error])).toEqual([
      ['scale-apiservers@0s', undefined],
      ['scale-apiservers@50ms', undefined],
    ]);
    expect(records[0]!.readyMs).toBeGreaterThanOrEqual(0);
  });

  it('kill: the process is killed, started again after downFor, and the event is done when it is ready', async () => {
    const { fake, runner } = setUp([{ name: 'kill', at: '0ms', type: 'kill-apiserver', replica: 1, downFor: '120ms' }]);
    runner.start();
    const [record] = await runner.finish();
    expect(fake.applied).toEqual(['stop-apiserver kube-apiserver-1 kill', 'start-apiserver kube-apiserver-1']);
    expect(record!.readyMs!).toBeGreaterThanOrEqual(120);
    expect(record!.appliedMs!).toBeLessThan(record!.readyMs!);
  });

  it('rolling restart: every replica in order, gracefully, one after the other; changes of one kind never overlap', async () => {
    const { fake, runner } = setUp([
      { at: '0ms', type: 'rolling-restart', pause: '10ms' },
      { at: '5ms', type: 'scale-apiservers', replicas: 4 },
    ]);
    fake.delayMs = 20;
    runner.start();
    await runner.finish();
    expect(fake.applied.filter((a) => a.startsWith('restart'))).toEqual([
      'restart-apiserver kube-apiserver-0 graceful',
      'restart-apiserver kube-apiserver-1 graceful',
      'restart-apiserver kube-apiserver-2 graceful',
    ]);
    expect(fake.applied).toContain('add-apiserver');
    expect(fake.maxInFlight).toBe(1);
  });

  it('kill-gateway: the Deployment replaces the pod', async () => {
    const { fake, runner } = setUp([{ at: '0ms', type: 'kill-gateway', pod: 1 }]);
    runner.start();
    await runner.finish();
    expect(fake.applied).toEqual(['remove-gateway gw-1', 'add-gateway']);
  });

  it('recreate-pods: new pods first, then the old ones go; a rollout whose pods are all rejected stalls', async () => {
    const { fake, fleets, runner } = setUp([
      { name: 'rollout', at: '0ms', type: 'recreate-pods', group: 'ctl' },
      { name: 'stalled', at: '60ms', type: 'recreate-pods', group: 'ctl' },
    ]);
    await fleets.setUp();
    fleets.runInitial(30_000);
    fake.reject = { group: 'ctl', fromGeneration: 2 }; // the first rollout (generation 1) is admitted, the second not
    runner.start();
    const records = await runner.finish();
    expect(fake.log.filter((l) => l.startsWith('stop'))).toEqual(['stop ctl-g0-0,ctl-g0-1']);
    expect(fleets.livePods('ctl')).toEqual(['ctl-g1-0', 'ctl-g1-1']);
    expect(records[0]!.detail).toBe('ctl: 2 pods admitted (2 with host aliases); 2 old pods deleted');
    expect(records[1]!.detail).toMatch(
      /^ctl: 0 pods admitted \(0 with host aliases\), 2 rejected \(404: services "istio-ingressgateway-internal" not found\); the rollout stalls: the 2 old pods stay$/,
    );
    const { warmUpAnswered, rejected } = await fleets.results();
    expect(warmUpAnswered).toBe(2);
    expect(rejected.map((r) => r.pod)).toEqual(['ctl-g2-0', 'ctl-g2-1']);
  });

  it('set-clients reaches the running pods of the group; stop-clients deletes them', async () => {
    const { fake, fleets, runner } = setUp([
      { at: '0ms', type: 'set-clients', group: 'ctl', qps: 50 },
      { at: '20ms', type: 'stop-clients', group: 'ctl' },
    ]);
    await fleets.setUp();
    fleets.runInitial(30_000);
    runner.start();
    await runner.finish();
    expect(fake.log.filter((l) => !l.startsWith('run'))).toEqual(['set ctl {"qps":50}', 'stop ctl-g0-0,ctl-g0-1']);
    expect(fleets.livePods('ctl')).toEqual([]);
  });

  it('an event that fails is recorded with its error; the other events still run', async () => {
    const { fake, runner } = setUp([
      { name: 'broken', at: '0ms', type: 'restart-apiserver', replica: 0 },
      { name: 'fine', at: '10ms', type: 'stop-webhook' },
    ]);
    fake.fail = 'restart-apiserver';
    runner.start();
    const records = await runner.finish();
    expect(records.map((r) => [r.name, r.error])).toEqual([
      ['broken', 'restart-apiserver failed'],
      ['fine', undefined],
    ]);
    expect(fake.applied).toEqual(['stop-webhook']);
  });

  it('cancel: no event fires after it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { fake, runner } = setUp([{ at: '100ms', type: 'stop-webhook' }]);
      runner.start();
      const scheduled = vi.getTimerCount();
      runner.cancel();
      await vi.advanceTimersByTimeAsync(1000); // well past the event's time
      expect({ scheduled, left: vi.getTimerCount(), applied: fake.applied }).toEqual({ scheduled: 1, left: 0, applied: [] });
    } finally {
      vi.useRealTimers();
    }
  });
});
