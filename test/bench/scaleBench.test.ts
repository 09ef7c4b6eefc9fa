// The scale bench's pure parts (scripts/bench/scaleBench.ts): the scenario of a point, and the judging of one step.
import { describe, expect, it } from 'vitest';
import { stepOf } from '../../scripts/bench/ladderPoint.ts';
import { scaleScenario } from '../../scripts/bench/scaleBench.ts';
import type { SelfCheck } from '../../scripts/runner/results.ts';
import { clientResult } from '../helpers/modeResults.ts';

const clean: SelfCheck = {
  components: [
    { component: 'gateway-0', kind: 'gateway-pod', loopDelayP99Ms: 3, loopDelayMaxMs: 9, cpuMs: 900, cpuShare: 0.3, utilization: 0.3 },
    { component: 'clients-0', kind: 'client-pods', loopDelayP99Ms: 6, loopDelayMaxMs: 12, cpuMs: 1500, cpuShare: 0.5, utilization: 0.5 },
  ],
  clientSendLag: { p50Ms: 0.5, p99Ms: 2, maxMs: 4 },
  warnings: [],
  clean: true,
};

describe('scaleScenario', () => {
  it('2,000 pods become four groups of 500 (the schema limit), in l7 mode, the topology asked for', () => {
    const s = scaleScenario({ clientPods: 2000, replicas: 12, gatewayPods: 4 });
    expect(s.clients.map((g) => g.count)).toEqual([500, 500, 500, 500]);
    expect(s.topology.controlPlane.replicas).toBe(12);
    expect(s.topology.gateway.pods).toBe(4);
    expect(s.modes).toEqual(['l7']);
  });

  it('a remainder gets its own group', () => {
    expect(scaleScenario({ clientPods: 1100, replicas: 3, gatewayPods: 2 }).clients.map((g) => g.count)).toEqual([500, 500, 100]);
  });
});

describe('stepOf', () => {
  it('clean when the self-check is and the replicas answered what was offered; names the worst and busiest threads', () => {
    const runs = [clientResult('scale', 1500), clientResult('scale', 1500)];
    const step = stepOf(1000, runs, clean, 3);
    expect(step).toMatchObject({
      answeredPerSecond: 1000,
      clean: true,
      worstLoopDelay: { component: 'clients-0', p99Ms: 6 },
      busiest: { component: 'clients-0', cpuShare: 0.5 },
    });
  });

  it('judged against what the schedules issued: a Poisson step a little under the nominal rate is clean', () => {
    expect(stepOf(500, [clientResult('scale', 1440)], clean, 3)).toMatchObject({ answeredPerSecond: 480, clean: true });
  });

  it('not clean when too little was answered, or when the self-check warned', () => {
    const runs = [clientResult('scale', 2000, { errors: { reset: 40 }, inDoubt: 5, unsent: 10, finalGatewayByCode: { '503': 5 } })];
    expect(stepOf(1000, runs, clean, 3).warnings).toEqual([
      'only 2000 of 2060 scheduled requests answered (40 errors, 20 gateway answers, in doubt or unsent)',
    ]);
    const flagged = { ...clean, warnings: ['gateway-0 event loop p99 80 ms: l7 latencies are inflated by the simulator'], clean: false };
    expect(stepOf(100, [clientResult('scale', 300)], flagged, 3)).toMatchObject({ clean: false, warnings: flagged.warnings });
  });
});
