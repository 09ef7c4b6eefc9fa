// scripts/measure/apfMetrics.ts: per priority level dispatched, rejected by reason and the queue-wait p99, read from
// /metrics text (kube-apiserver's names and labels) and turned into results.ts's ApfReplicaResult. The texts come
// from the library's real metrics (a PriorityAndFairness on a fake clock) and from hand-written exposition text.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../sim/apiserver/apf/clock.ts';
import { ApfMetrics } from '../../sim/apiserver/apf/metrics.ts';
import { ApfRejection, PriorityAndFairness, type ExecutionLease } from '../../sim/apiserver/apf/priorityAndFairness.ts';
import { addApfReadings, apfIncrease, apfReplicaResult, readApfMetrics } from '../../scripts/measure/apfMetrics.ts';
import { parsePrometheusText } from '../../scripts/measure/promText.ts';
import { resourceDigest, serviceAccount } from './apf/helpers.ts';

const reject = { nominalConcurrencyShares: 1, lendablePercent: 0, borrowingLimitPercent: 0 };

async function scenarioText(): Promise<{ before: string; after: string }> {
  const clock = new FakeClock(1_000_000);
  const registry = new Registry();
  const fc = new PriorityAndFairness({
    clock,
    metrics: new ApfMetrics(registry),
    priorityLevels: [
      {
        metadata: { name: 'one' },
        spec: { type: 'Limited', limited: { ...reject, limitResponse: { type: 'Queue', queuing: { queues: 1, handSize: 1, queueLengthLimit: 2 } } } },
      },
    ],
    flowSchemas: [
      {
        metadata: { name: 'one' },
        spec: {
          priorityLevelConfiguration: { name: 'one' },
          matchingPrecedence: 100,
          rules: [
            {
              subjects: [{ kind: 'Group', group: { name: 'system:serviceaccounts' } }],
              resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'] }],
            },
          ],
        },
      },
    ],
  });
  const before = await registry.metrics();
  const sa = serviceAccount('ns', 'c');
  const digest = resourceDigest(sa.name, sa.groups, 'get', 'configmaps', { namespace: 'ns', name: 'x' });
  // 'one' has ceil(600 * 1 / 246) = 3 seats: 3 execute, 2 wait (one queue of 2), 2 are rejected queue-full.
  const leases: Promise<ExecutionLease>[] = Array.from({ length: 7 }, () => fc.dispatch(digest));
  const settled = await Promise.allSettled(leases.slice(5));
  expect(settled.map((s) => s.status === 'rejected' && (s.reason as ApfRejection).reason)).toEqual(['queue-full', 'queue-full']);
  // The two waiters get their seats after 300 ms and 2 s.
  clock.advance(300);
  (await leases[0]!).finish();
  clock.advance(1_700);
  (await leases[1]!).finish();
  for (const l of [leases[2]!, leases[3]!, leases[4]!]) (await l).finish();
  const after = await registry.metrics();
  fc.close();
  return { before, after };
}

describe('APF metrics reader', () => {
  it('reads dispatched, rejections by reason and the wait histogram per level from real APF metrics', async () => {
    const { before, after } = await scenarioText();
    const a = readApfMetrics(parsePrometheusText(after))!;
    expect(a['one']).toMatchObject({ dispatched: 5, rejected: { 'queue-full': 2 } });
    // Every configured level is there, with zeros where nothing happened.
    expect(Object.keys(a).sort()).toEqual([
      'catch-all',
      'exempt',
      'global-default',
      'leader-election',
      'node-high',
      'one',
      'system',
      'workload-high',
      'workload-low',
    ]);
    expect(a['workload-low']).toEqual({ dispatched: 0, rejected: {}, waitBuckets: new Map() });
    // execute="true" only: the 5 that executed (3 at once, 2 after 0.3 s and 2 s); the 2 rejected at arrival are not in it.
    expect(a['one']!.waitBuckets.get(Infinity)).toBe(5);
    expect(a['one']!.waitBuckets.get(0)).toBe(3);
    expect(a['one']!.waitBuckets.get(0.2)).toBe(3);
    expect(a['one']!.waitBuckets.get(0.5)).toBe(4);
    expect(a['one']!.waitBuckets.get(2)).toBe(5);

    const result = apfReplicaResult(a, readApfMetrics(parsePrometheusText(before)));
    expect(result.priorityLevels['one']!.dispatched).toBe(5);
    expect(result.priorityLevels['one']!.rejected).toEqual({ 'queue-full': 2 });
    // rank 0.99 x 5 = 4.95 falls in (1 s, 2 s]: 1 + 1 x (4.95 - 4) / (5 - 4) = 1.95 s.
    expect(result.priorityLevels['one']!.queueWaitP99Ms).toBeCloseTo(1950, 6);
    expect(result.priorityLevels['workload-low']).toEqual({ dispatched: 0, rejected: {}, queueWaitP99Ms: NaN });
  });

  it('returns undefined for a server without APF series (APF off)', () => {
    const text = 'apiserver_request_total{code="200",verb="GET"} 3\nprocess_start_time_seconds 1.7e9\n';
    expect(readApfMetrics(parsePrometheusText(text))).toBeUndefined();
  });

  const text = (dispatched: number, queueFull: number, timeOut: number, waits: [string, number][]) =>
    [
      `apiserver_flowcontrol_nominal_limit_seats{priority_level="workload-low"} 245`,
      `apiserver_flowcontrol_nominal_limit_seats{priority_level="exempt"} 0`,
      `apiserver_flowcontrol_dispatched_requests_total{flow_schema="service-accounts",priority_level="workload-low"} ${dispatched - 1}`,
      `apiserver_flowcontrol_dispatched_requests_total{flow_schema="other",priority_level="workload-low"} 1`,
      `apiserver_flowcontrol_rejected_requests_total{flow_schema="service-accounts",priority_level="workload-low",reason="queue-full"} ${queueFull}`,
      `apiserver_flowcontrol_rejected_requests_total{flow_schema="service-accounts",priority_level="workload-low",reason="time-out"} ${timeOut}`,
      ...waits.map(
        ([le, n]) =>
          `apiserver_flowcontrol_request_wait_duration_seconds_bucket{execute="true",flow_schema="service-accounts",le="${le}",priority_level="workload-low"} ${n}`,
      ),
      ...waits.map(
        ([le]) =>
          `apiserver_flowcontrol_request_wait_duration_seconds_bucket{execute="false",flow_schema="service-accounts",le="${le}",priority_level="workload-low"} 1000`,
      ),
    ].join('\n');

  it('sums flow schemas, subtracts a before reading, and treats a counter that went down as a new process', () => {
    const before = readApfMetrics(
      parsePrometheusText(
        text(10, 4, 0, [
          ['0.005', 10],
          ['0.02', 10],
          ['+Inf', 10],
        ]),
      ),
    )!;
    const after = readApfMetrics(
      parsePrometheusText(
        text(110, 24, 1, [
          ['0.005', 20],
          ['0.02', 109],
          ['+Inf', 111],
        ]),
      ),
    )!;
    const inc = apfIncrease(before, after);
    expect(inc['workload-low']).toEqual({
      dispatched: 100,
      rejected: { 'queue-full': 20, 'time-out': 1 },
      waitBuckets: new Map([
        [0.005, 10],
        [0.02, 99],
        [Infinity, 101],
      ]),
    });
    // The p99 of the increase: rank 99.99 is beyond the highest finite bucket, so its bound (20 ms) is the answer.
    expect(apfReplicaResult(after, before).priorityLevels['workload-low']!.queueWaitP99Ms).toBeCloseTo(20, 9);
    expect(apfReplicaResult(after, before).priorityLevels['exempt']).toEqual({ dispatched: 0, rejected: {}, queueWaitP99Ms: NaN });
    // A restart: the new process's counters are the increase.
    const restarted = readApfMetrics(
      parsePrometheusText(
        text(5, 2, 0, [
          ['0.005', 5],
          ['+Inf', 5],
        ]),
      ),
    )!;
    expect(apfIncrease(after, restarted)['workload-low']).toMatchObject({ dispatched: 5, rejected: { 'queue-full': 2, 'time-out': 0 } });
    // Summed over the two processes of that replica.
    const total = addApfReadings(inc, apfIncrease(undefined, restarted));
    expect(apfReplicaResult(total).priorityLevels['workload-low']).toMatchObject({ dispatched: 105, rejected: { 'queue-full': 22, 'time-out': 1 } });
  });
});
