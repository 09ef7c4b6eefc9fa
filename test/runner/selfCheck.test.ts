// The simulator's check of itself (scripts/runner/selfCheck.ts, docs/performance.md#self-check): which values warn,
// which component each warning names, and that exactly the thresholds separate clean from flagged.
import { describe, expect, it } from 'vitest';
import type { LatencySummary } from '../../scripts/measure/latency.ts';
import { SELF_CHECK_THRESHOLDS, selfCheckOf } from '../../scripts/runner/selfCheck.ts';
import type { ComponentHealth } from '../../scripts/targets/target.ts';
import type { MachineCpu } from '../../scripts/measure/machineCpu.ts';

const T = SELF_CHECK_THRESHOLDS;
const health = (component: string, kind: string, over: Partial<ComponentHealth> = {}): ComponentHealth => ({
  component,
  kind,
  windowMs: 10_000,
  loopDelayP50Ms: 0.5,
  loopDelayP99Ms: 2,
  loopDelayMaxMs: 5,
  utilization: 0.2,
  cpuMs: 1000,
  ...over,
});
const lag = (p99Ms: number, count = 100): LatencySummary =>
  ({ count, p50Ms: p99Ms / 4, p90Ms: p99Ms / 2, p99Ms, p999Ms: p99Ms, maxMs: p99Ms }) as LatencySummary;

describe('selfCheckOf', () => {
  it('a light run is clean; cpu share is CPU time over the load phase', () => {
    const check = selfCheckOf([health('gateway-0', 'gateway-pod'), health('clients-0', 'client-pods')], lag(1), 10_000);
    expect(check.clean).toBe(true);
    expect(check.warnings).toEqual([]);
    expect(check.components[0]!.cpuShare).toBe(0.1);
  });

  it('event-loop p99 at the threshold is clean, above it warns with the component and what it inflates', () => {
    const at = selfCheckOf([health('gateway-0', 'gateway-pod', { loopDelayP99Ms: T.loopDelayP99Ms })], lag(1), 10_000);
    expect(at.clean).toBe(true);
    const over = selfCheckOf([health('gateway-0', 'gateway-pod', { loopDelayP99Ms: T.loopDelayP99Ms + 8 })], lag(1), 10_000);
    expect(over.warnings).toEqual([`gateway-0 event loop p99 ${Math.round(T.loopDelayP99Ms + 8)} ms: l7 latencies are inflated by the simulator`]);
  });

  it('a thread on a CPU past the share warns once (the loop-delay warning wins when both apply)', () => {
    const busy = selfCheckOf([health('apiserver', 'kube-apiserver', { cpuMs: (T.cpuShare + 0.05) * 10_000 })], lag(1), 10_000);
    expect(busy.warnings).toHaveLength(1);
    expect(busy.warnings[0]).toMatch(/^apiserver on a CPU \d+ % of the load phase: replica latencies/);
    const both = selfCheckOf([health('apiserver', 'kube-apiserver', { cpuMs: 10_000, loopDelayP99Ms: T.loopDelayP99Ms * 2 })], lag(1), 10_000);
    expect(both.warnings).toHaveLength(1);
    expect(both.warnings[0]).toMatch(/event loop p99/);
  });

  it('client send lag past its threshold warns; no requests, no lag warning; unknown CPU does not warn', () => {
    expect(selfCheckOf([], lag(T.clientSendLagP99Ms + 1), 10_000).warnings).toEqual([
      `clients sent late: send lag p99 ${Math.round(T.clientSendLagP99Ms + 1)} ms: client latencies and the offered rate are distorted by the simulator`,
    ]);
    expect(selfCheckOf([], lag(1000, 0), 10_000).clean).toBe(true);
    expect(selfCheckOf([health('x', 'other', { cpuMs: NaN })], lag(1), 10_000).clean).toBe(true);
  });

  it('custom thresholds', () => {
    const strict = { ...T, loopDelayP99Ms: 1, cpuShare: 0.05, clientSendLagP99Ms: 0.5 };
    expect(selfCheckOf([health('gateway-0', 'gateway-pod')], lag(1), 10_000, undefined, strict).warnings).toHaveLength(2);
  });

  it("the machine: other programs' CPU past its share warns first; a saturated machine warns with the split; absent, nothing", () => {
    const machine = (busyShare: number, processShare: number): MachineCpu => ({
      cpus: 2,
      busyShare,
      processShare,
      othersShare: Math.max(0, busyShare - processShare),
    });
    const quiet = selfCheckOf([], lag(1), 10_000, machine(0.6, 0.55));
    expect(quiet.clean).toBe(true);
    expect(quiet.machine).toEqual({ cpus: 2, busyShare: 0.6, processShare: 0.55, othersShare: 0.05 });
    expect(selfCheckOf([], lag(1), 10_000, machine(T.othersShare + 0.1, 0)).warnings).toEqual([
      `other programs used ${Math.round((T.othersShare + 0.1) * 100)} % of the machine's 2 CPUs during the load phase: every latency includes waiting for a CPU they held`,
    ]);
    // Both past: the other programs are named (they are the cause a reader can remove).
    expect(selfCheckOf([], lag(1), 10_000, machine(1, 0.5)).warnings).toHaveLength(1);
    expect(selfCheckOf([], lag(1), 10_000, machine(1, 0.5)).warnings[0]).toMatch(/^other programs used 50 %/);
    const saturated = selfCheckOf([], lag(1), 10_000, machine(T.machineBusyShare + 0.02, T.machineBusyShare - 0.1));
    expect(saturated.warnings).toEqual([
      `the machine's 2 CPUs were ${Math.round((T.machineBusyShare + 0.02) * 100)} % busy (this run ${Math.round((T.machineBusyShare - 0.1) * 100)} %, other programs 12 %): every latency includes waiting for a CPU`,
    ]);
    expect(selfCheckOf([], lag(1), 10_000, machine(T.machineBusyShare, T.machineBusyShare)).clean).toBe(true);
    expect(selfCheckOf([], lag(1), 10_000).machine).toBeUndefined();
  });
});
