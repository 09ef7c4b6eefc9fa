// The simulator's check of itself (docs/architecture.md#self-check, thresholds: docs/performance.md#self-check): a result counts only while the simulator was not
// the bottleneck. Over the load phase, per component thread: event-loop delay and CPU time; for the clients: how late
// their open-loop schedule sent (actual minus intended send time); for the machine: how busy its CPUs were and how
// much of that was other programs (scripts/measure/machineCpu.ts). A value past its threshold gives a warning that
// names the component and what it means for the figures.
import type { LatencySummary } from '../measure/latency.ts';
import type { MachineCpu } from '../measure/machineCpu.ts';
import type { ComponentHealth, RunningCluster } from '../targets/target.ts';
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
  /** Share of all the machine's CPU time that was busy: every thread then waits for a CPU. */
  machineBusyShare: 0.95,
  /** Share of all the machine's CPU time used by other programs: they took CPU the simulator's threads needed. */
  othersShare: 0.25,
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

export function selfCheckOf(
  components: ComponentHealth[],
  sendLag: LatencySummary,
  loadPhaseMs: number,
  machine?: MachineCpu,
  thresholds = SELF_CHECK_THRESHOLDS,
): SelfCheck {
  const rows: SelfCheckComponent[] = components.map((c) => ({
    component: c.component,
    kind: c.kind,
    loopDelayP99Ms: round(c.loopDelayP99Ms),
    loopDelayMaxMs: round(c.loopDelayMaxMs),
    cpuMs: round(c.cpuMs),
    cpuShare: loadPhaseMs > 0 && Number.isFinite(c.cpuMs) ? round(c.cpuMs / loadPhaseMs) : NaN,
    utilization: round(c.utilization),
    ...(c.realProcess ? { realProcess: true } : {}),
  }));
  const warnings: string[] = [];
  for (const c of rows) {
    // A real component's process (the binary target) is what is measured, not a stand-in for it: its CPU is reported,
    // and only the machine line below says whether the machine limited the run.
    if (c.realProcess) continue;
    const effect = EFFECT[c.kind] ?? 'its figures are inflated by the simulator';
    if (c.loopDelayP99Ms > thresholds.loopDelayP99Ms) warnings.push(`${c.component} event loop p99 ${Math.round(c.loopDelayP99Ms)} ms: ${effect}`);
    else if (c.cpuShare > thresholds.cpuShare) warnings.push(`${c.component} on a CPU ${Math.round(c.cpuShare * 100)} % of the load phase: ${effect}`);
  }
  if (sendLag.count > 0 && sendLag.p99Ms > thresholds.clientSendLagP99Ms) {
    warnings.push(`clients sent late: send lag p99 ${Math.round(sendLag.p99Ms)} ms: ${EFFECT['client-pods']}`);
  }
  if (machine) {
    const pct = (x: number) => `${Math.round(x * 100)} %`;
    const split = `(this run ${pct(machine.processShare)}, other programs ${pct(machine.othersShare)})`;
    if (machine.othersShare > thresholds.othersShare)
      warnings.push(
        `other programs used ${pct(machine.othersShare)} of the machine's ${machine.cpus} CPUs during the load phase: every latency includes waiting for a CPU they held`,
      );
    else if (machine.busyShare > thresholds.machineBusyShare)
      warnings.push(`the machine's ${machine.cpus} CPUs were ${pct(machine.busyShare)} busy ${split}: every latency includes waiting for a CPU`);
  }
  return {
    components: rows,
    ...(machine ? { machine: roundMachine(machine) } : {}),
    clientSendLag: { p50Ms: round(sendLag.p50Ms), p99Ms: round(sendLag.p99Ms), maxMs: round(sendLag.maxMs) },
    warnings,
    clean: warnings.length === 0,
  };
}

/** What the self-check reads over one load phase. */
export interface HealthReading {
  components: ComponentHealth[];
  machine?: MachineCpu;
}

/** Starts the self-check's window at the start of a load phase; the function it returns reads the window at its end. */
export async function openHealthWindow(cluster: Pick<RunningCluster, 'componentHealth' | 'machineCpu'>): Promise<() => Promise<HealthReading>> {
  await Promise.all([cluster.componentHealth(true), cluster.machineCpu(true)]);
  return async () => {
    const [components, machine] = await Promise.all([cluster.componentHealth(), cluster.machineCpu()]);
    return { components, ...(machine ? { machine } : {}) };
  };
}

function roundMachine(m: MachineCpu): MachineCpu {
  return { cpus: m.cpus, busyShare: round(m.busyShare), processShare: round(m.processShare), othersShare: round(m.othersShare) };
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 100) / 100 : x;
}
