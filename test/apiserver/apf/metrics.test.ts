// The metric series APF exports (metrics/metrics.go): names, label names, buckets, and values after a little
// traffic of each outcome.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ApfMetrics, FakeClock, PriorityAndFairness, type ApfRejection } from '../../../sim/apiserver/apf/index.ts';
import { flush, resourceDigest, saDigest } from './helpers.ts';

describe('metrics', () => {
  it('exports the kube-apiserver series with their label names', async () => {
    const registry = new Registry();
    const clock = new FakeClock(0);
    const apf = new PriorityAndFairness({ clock, metrics: new ApfMetrics(registry), serverConcurrencyLimit: 60 });
    // catch-all (nominal 2 at 60 seats, more while the others idle): fill it, then one more is rejected
    const nobody = (i: number) => resourceDigest(`n${i}`, [], 'get', 'pods', { namespace: 'x', name: 'p' });
    const held = [];
    const catchAll = apf.snapshot().find((s) => s.name === 'catch-all')!.currentCL;
    for (let i = 0; i < catchAll; i++) held.push(await apf.dispatch(nobody(i)));
    await apf.dispatch(nobody(9)).catch((e: ApfRejection) => e);
    // workload-low: fill, queue one, let it time out
    const limit = apf.snapshot().find((s) => s.name === 'workload-low')!.currentCL;
    for (let i = 0; i < limit; i++) held.push(await apf.dispatch(saDigest('app', `sa${i}`, 'list', 'pods'), { objectCount: 50 }));
    // ?timeout=8s: it may wait 2 s, before the first borrowing adjustment (at 10 s) could give it seats
    const late = apf.dispatch(saDigest('app', 'late', 'list', 'pods'), undefined, { userTimeoutMs: 8_000 }).catch((e: ApfRejection) => e);
    clock.advance(2_000);
    await flush();
    expect(((await late) as ApfRejection).reason).toBe('time-out');

    const byName = new Map((await registry.getMetricsAsJSON()).map((m) => [m.name, m]));
    const expectLabels = (name: string, labels: string[]) => {
      const m = byName.get(`apiserver_flowcontrol_${name}`);
      expect(m, name).toBeDefined();
      const values = (m as unknown as { values: Array<{ labels: Record<string, string> }> }).values;
      expect(values.length, name).toBeGreaterThan(0);
      const keys = new Set(values.flatMap((v) => Object.keys(v.labels)).filter((k) => k !== 'le'));
      expect([...keys].sort(), name).toEqual([...labels].sort());
    };
    expectLabels('rejected_requests_total', ['flow_schema', 'priority_level', 'reason']);
    expectLabels('dispatched_requests_total', ['flow_schema', 'priority_level']);
    expectLabels('current_inqueue_requests', ['flow_schema', 'priority_level']);
    expectLabels('current_inqueue_seats', ['flow_schema', 'priority_level']);
    expectLabels('current_executing_requests', ['flow_schema', 'priority_level']);
    expectLabels('current_executing_seats', ['flow_schema', 'priority_level']);
    expectLabels('request_wait_duration_seconds', ['execute', 'flow_schema', 'priority_level']);
    expectLabels('request_queue_length_after_enqueue', ['flow_schema', 'priority_level']);
    expectLabels('work_estimated_seats', ['flow_schema', 'priority_level']);
    expectLabels('nominal_limit_seats', ['priority_level']);
    expectLabels('lower_limit_seats', ['priority_level']);
    expectLabels('upper_limit_seats', ['priority_level']);
    expectLabels('current_limit_seats', ['priority_level']);
    expectLabels('demand_seats_smoothed', ['priority_level']);
    expectLabels('current_r', ['priority_level']);
    expect(byName.has('apiserver_flowcontrol_seat_fair_frac')).toBe(true);
    expect(byName.has('apiserver_flowcontrol_request_concurrency_limit')).toBe(false);

    const text = await registry.metrics();
    expect(text).toContain('# HELP apiserver_flowcontrol_rejected_requests_total [BETA] Number of requests rejected by API Priority and Fairness subsystem');
    expect(text).toContain('apiserver_flowcontrol_rejected_requests_total{priority_level="catch-all",flow_schema="catch-all",reason="concurrency-limit"} 1');
    expect(text).toContain('apiserver_flowcontrol_rejected_requests_total{priority_level="workload-low",flow_schema="service-accounts",reason="time-out"} 1');
    expect(text).toContain('apiserver_flowcontrol_nominal_limit_seats{priority_level="workload-low"} 25');
    // upstream's quirk: the timed-out request is observed with execute="true"
    expect(text).toMatch(
      /apiserver_flowcontrol_request_wait_duration_seconds_count\{[^}]*priority_level="workload-low",flow_schema="service-accounts",execute="true"\} \d+/,
    );
    // the `limit` dispatched at once waited 0 s, the late one 2 s
    expect(text).toContain(
      `apiserver_flowcontrol_request_wait_duration_seconds_bucket{le="1",priority_level="workload-low",flow_schema="service-accounts",execute="true"} ${limit}`,
    );
    expect(text).toContain(
      `apiserver_flowcontrol_request_wait_duration_seconds_bucket{le="2",priority_level="workload-low",flow_schema="service-accounts",execute="true"} ${limit + 1}`,
    );
    expect(text).toContain('apiserver_flowcontrol_request_wait_duration_seconds_count{priority_level="catch-all",flow_schema="catch-all",execute="false"} 1');
    expect(text).toContain('apiserver_flowcontrol_request_wait_duration_seconds_bucket{le="30",');
    expect(text).toContain('apiserver_flowcontrol_work_estimated_seats_bucket{le="10",');
    expect(text).toContain('apiserver_flowcontrol_request_queue_length_after_enqueue_bucket{le="1000",');
    for (const l of held) l.finish();
    apf.close();
  });

  it('registers the hidden deprecated series on request', () => {
    const registry = new Registry();
    new ApfMetrics(registry, { showHidden: true });
    expect(registry.getSingleMetric('apiserver_flowcontrol_request_concurrency_limit')).toBeDefined();
    expect(registry.getSingleMetric('apiserver_flowcontrol_request_concurrency_in_use')).toBeDefined();
  });
});
