// The simulator's check of itself (docs/architecture.md#self-check, thresholds: docs/performance.md#self-check): a result counts only while the simulator was not
// the bottleneck. Over the load phase, per component thread: event-loop delay and CPU time; for the clients: how late
// their open-loop schedule sent (actual minus intended send time). A value past its threshold gives a warning that
// names the component and what it means for the figures.
import type { LatencySummary } from '../measure/latency.ts';
import type { ComponentHealth } from '../targets/target.ts';
import type { SelfCheck, SelfCheckComponent } from './results.ts';

/**
 * Thresholds, chosen from measurements on this project's 2-core machine (docs/performance.md#self-check): every mode
 * of the default gate suite against the scale bench's overloaded steps.
 */
export const SELF_CHECK_THRESHOLDS = {
  /** Event-loop delay p99 of a component thread, ms: clean runs <= 17 ms, steps whose latencies the simulator inflated >= 19 ms. */
  loopDelayP99Ms: 20,
  /** Share of the load phase a component thread spent on a CPU (one thread flat out; not reached in any scenario run). */
  cpuShare: 0.85,
  /** p99 of the clients' send lag, ms: clean runs <= 22 ms, overloaded steps >= 47 ms. */
  clientSendLagP99Ms: 30,
};

/** What a lagging component inflates, for the warning text. */
const EFFECT: Record<string, string> = {
  'gateway-pod': 'l7 latencies are inflated by the simulator',
  'kube-apiserver': 'replica latencies and inflight counts are inflated by the simulator',
  'kube-proxy': 'L4 latencies are inflated by the simulator',
  'client-pods': 'client latencies and the offered rate are distorted by the simulator',
  'webhook-pod': 'pod admission was slowed by the simulator',
  host: 'scrapes and timeline events may be late',
};

export function selfCheckOf(components: ComponentHealth[], sendLag: LatencySummary, loadPhaseMs: number, thresholds = SELF_CHECK_THRESHOLDS): SelfCheck {
  const rows: SelfCheckComponent[] = components.map((c) => ({
    component: c.component,
    kind: c.kind,
    loopDelayP99Ms: round(c.loopDelayP99Ms),
    loopDelayMaxMs: round(c.loopDelayMaxMs),
    cpuMs: round(c.cpuMs),
    cpuShare: loadPhaseMs > 0 && Number.isFinite(c.cpuMs) ? round(c.cpuMs / loadPhaseMs) : NaN,
    utilization: round(c.utilization),
  }));
  const warnings: string[] = [];
  for (const c of rows) {
    const effect = EFFECT[c.kind] ?? 'its figures are inflated by the simulator';
    if (c.loopDelayP99Ms > thresholds.loopDelayP99Ms) warnings.push(`${c.component} event loop p99 ${Math.round(c.loopDelayP99Ms)} ms: ${effect}`);
    else if (c.cpuShare > thresholds.cpuShare) warnings.push(`${c.component} on a CPU ${Math.round(c.cpuShare * 100)} % of the load phase: ${effect}`);
  }
  if (sendLag.count > 0 && sendLag.p99Ms > thresholds.clientSendLagP99Ms) {
    warnings.push(`clients sent late: send lag p99 ${Math.round(sendLag.p99Ms)} ms: ${EFFECT['client-pods']}`);
  }
  return {
    components: rows,
    clientSendLag: { p50Ms: round(sendLag.p50Ms), p99Ms: round(sendLag.p99Ms), maxMs: round(sendLag.maxMs) },
    warnings,
    clean: warnings.length === 0,
  };
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 100) / 100 : x;
}
