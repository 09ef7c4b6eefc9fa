// API Priority and Fairness per priority level, read from a kube-apiserver's /metrics the same way on every target
// (k8s.io/apiserver pkg/util/flowcontrol/metrics/metrics.go names and labels; docs/apf.md#metrics-metricsmetricsgo-v132):
// - dispatched: apiserver_flowcontrol_dispatched_requests_total{priority_level, flow_schema};
// - rejected by reason: apiserver_flowcontrol_rejected_requests_total{priority_level, flow_schema, reason}
//   (queue-full, concurrency-limit, time-out; a client that went away while queued counts as time-out upstream);
// - the time spent queued: apiserver_flowcontrol_request_wait_duration_seconds{priority_level, flow_schema, execute},
//   cumulative buckets summed over flow schemas, execute="true" only: those requests entered a queue (or were
//   dispatched at once) and were either executed or timed out in the queue (upstream observes a time-out with
//   execute="true"); execute="false" are rejections at arrival, which waited 0 and are counted under rejected.
// Every priority level the server is configured with (apiserver_flowcontrol_nominal_limit_seats) appears, with zeros
// when nothing happened there, so "no rejections" is a measured 0, not a missing level. Pure functions: the caller
// scrapes and parses (promText.ts); counters grow within one process, so the load of a run is the increase between two
// readings, summed over the processes of a replica that restarted.
import type { ApfReplicaResult } from '../runner/results.ts';
import { histogramQuantile, subtractBuckets } from './histogramQuantile.ts';
import { histogramBuckets, type ParsedMetrics } from './promText.ts';

const P = 'apiserver_flowcontrol_';

export interface PriorityLevelReading {
  dispatched: number;
  /** By reason label. */
  rejected: Record<string, number>;
  /** request_wait_duration_seconds with execute="true": upper bound (s, Infinity for +Inf) → cumulative count. */
  waitBuckets: Map<number, number>;
}

/** By priority level name. */
export type ApfReading = Record<string, PriorityLevelReading>;

const emptyLevel = (): PriorityLevelReading => ({ dispatched: 0, rejected: {}, waitBuckets: new Map() });

/**
 * The APF series of one parsed /metrics text, per priority level; undefined when the server exports none (APF off,
 * --enable-priority-and-fairness=false, or a server without it).
 */
export function readApfMetrics(metrics: ParsedMetrics): ApfReading | undefined {
  const levels: ApfReading = {};
  const level = (name: string | undefined) => {
    const key = name ?? '';
    return (levels[key] ??= emptyLevel());
  };
  let present = false;
  for (const s of metrics.samples) {
    if (!s.name.startsWith(P)) continue;
    const pl = s.labels.priority_level;
    switch (s.name) {
      case `${P}nominal_limit_seats`:
        present = true;
        level(pl);
        break;
      case `${P}dispatched_requests_total`:
        present = true;
        level(pl).dispatched += s.value;
        break;
      case `${P}rejected_requests_total`: {
        present = true;
        const rejected = level(pl).rejected;
        const reason = s.labels.reason ?? '';
        rejected[reason] = (rejected[reason] ?? 0) + s.value;
        break;
      }
    }
  }
  if (!present) return undefined;
  for (const name of Object.keys(levels)) {
    levels[name]!.waitBuckets = histogramBuckets(metrics, `${P}request_wait_duration_seconds`, (l) => l.priority_level === name && l.execute === 'true');
  }
  return levels;
}

/** What happened between two readings of one process (`before` undefined: since the process started). */
export function apfIncrease(before: ApfReading | undefined, after: ApfReading): ApfReading {
  const out: ApfReading = {};
  for (const [name, a] of Object.entries(after)) {
    const b = before?.[name];
    if (!b) {
      out[name] = { dispatched: a.dispatched, rejected: { ...a.rejected }, waitBuckets: new Map(a.waitBuckets) };
      continue;
    }
    // A counter that went down belongs to a new process (a restart): its whole value is the increase, as in PromQL's increase().
    const reset = a.dispatched < b.dispatched || Object.entries(b.rejected).some(([r, n]) => (a.rejected[r] ?? 0) < n);
    const rejected: Record<string, number> = {};
    for (const [reason, n] of Object.entries(a.rejected)) rejected[reason] = reset ? n : n - (b.rejected[reason] ?? 0);
    const waitTotal = (m: Map<number, number>) => m.get(Infinity) ?? 0;
    const waitReset = reset || waitTotal(a.waitBuckets) < waitTotal(b.waitBuckets);
    out[name] = {
      dispatched: reset ? a.dispatched : a.dispatched - b.dispatched,
      rejected,
      waitBuckets: waitReset ? new Map(a.waitBuckets) : subtractBuckets(a.waitBuckets, b.waitBuckets),
    };
  }
  return out;
}

/** The sum of two increases (for example the processes of a replica that restarted during the run). */
export function addApfReadings(a: ApfReading, b: ApfReading): ApfReading {
  const out: ApfReading = {};
  for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[name] ?? emptyLevel();
    const y = b[name] ?? emptyLevel();
    const rejected: Record<string, number> = { ...x.rejected };
    for (const [reason, n] of Object.entries(y.rejected)) rejected[reason] = (rejected[reason] ?? 0) + n;
    const waitBuckets = new Map(x.waitBuckets);
    for (const [le, n] of y.waitBuckets) waitBuckets.set(le, (waitBuckets.get(le) ?? 0) + n);
    out[name] = { dispatched: x.dispatched + y.dispatched, rejected, waitBuckets: new Map([...waitBuckets].sort((p, q) => p[0] - q[0])) };
  }
  return out;
}

/**
 * results.ts's ApfReplicaResult from two readings of one process (`before` at the start of the load phase, `after`
 * at its end), or from an increase already computed (pass it as `after` with no `before`). queueWaitP99Ms is the
 * histogram_quantile(0.99) estimate over the wait buckets in ms (bounded by the bucket layout: 0, 5 ms, 20 ms, 50 ms,
 * ..., 30 s), NaN when no request of the level waited.
 */
export function apfReplicaResult(after: ApfReading, before?: ApfReading): ApfReplicaResult {
  const increase = before ? apfIncrease(before, after) : after;
  const priorityLevels: ApfReplicaResult['priorityLevels'] = {};
  for (const name of Object.keys(increase).sort()) {
    const l = increase[name]!;
    priorityLevels[name] = { dispatched: l.dispatched, rejected: { ...l.rejected }, queueWaitP99Ms: histogramQuantile(0.99, l.waitBuckets) * 1000 };
  }
  return { priorityLevels };
}

/**
 * A replica's APF figures over the load phase, summed over its processes (scripts/measure/loadSampler.ts: each counts
 * from its baseline, or from zero when it started during the phase); undefined when no process exported APF series.
 */
export function apfOfProcesses(processes: readonly { baseline?: ParsedMetrics; last: ParsedMetrics }[]): ApfReplicaResult | undefined {
  let total: ApfReading | undefined;
  for (const p of processes) {
    const after = readApfMetrics(p.last);
    if (!after) continue;
    const increase = apfIncrease(p.baseline ? readApfMetrics(p.baseline) : undefined, after);
    total = total ? addApfReadings(total, increase) : increase;
  }
  return total && apfReplicaResult(total);
}
