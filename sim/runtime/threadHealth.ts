// How busy a thread's event loop was: the simulator's own saturation check (docs/architecture.md#self-check).
// A result measured while a worker's event loop lagged is the simulator's, not the system's, so every run reports,
// per worker thread:
// - event-loop delay: a 10 ms interval timer records how late it fires (p50, p99, max in ms). Not
//   perf_hooks.monitorEventLoopDelay: on Node 20, when a message is handled right after a stall and before that
//   histogram's own timer runs (a probe answered straight after a blocking call), the stall is never recorded at all.
//   Reproduced in a bare worker: reading histogram.max first lost a 300 ms stall in every run, while this JS timer
//   recorded it every time. The read also counts the gap still open since the last tick, so a stall that ends just
//   before the probe is not missed either;
// - event-loop utilisation (the share of wall time the loop was busy; performance.eventLoopUtilization);
// - CPU time of this very thread. Node 20 has no per-thread CPU counter (process.threadCpuUsage arrived in v23.9),
//   so on Linux it is read from /proc/thread-self/stat (utime + stime, in clock ticks): a synchronous read runs on
//   the calling thread, so /proc/thread-self is that worker's own task. Elsewhere it is reported as NaN.
import fs from 'node:fs';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import type { ThreadHealth } from '../../scripts/core/componentStats.ts';

/** Linux USER_HZ: /proc reports CPU times in 1/100 s on every mainstream kernel configuration. */
const CLOCK_TICKS_PER_SECOND = 100;

export function threadCpuMs(): number {
  try {
    const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), i.e. index 11 and 12 after the state field at index 0.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** The sampling interval of the loop-delay timer (ms). */
export const LOOP_DELAY_RESOLUTION_MS = 10;

/** Measures the calling thread from construction (or the last reset) on. */
export class ThreadHealthMonitor {
  /** How late each tick fired, in µs. */
  private readonly delays = hdr.build({ bitBucketSize: 'packed', autoResize: true, lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 2 });
  private readonly timer: NodeJS.Timeout;
  private lastTick = performance.now();
  private since = performance.now();
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private cpuAtStart = threadCpuMs();

  constructor() {
    this.timer = setInterval(() => {
      const now = performance.now();
      this.delays.recordValue(Math.max(0, Math.round((now - this.lastTick - LOOP_DELAY_RESOLUTION_MS) * 1000)));
      this.lastTick = now;
    }, LOOP_DELAY_RESOLUTION_MS);
    this.timer.unref();
  }

  read(reset = false): ThreadHealth {
    const now = performance.now();
    const elu = performance.eventLoopUtilization(this.elu);
    const cpu = threadCpuMs();
    // The gap since the last tick is a delay in progress (the loop may have just come out of a stall).
    const open = Math.max(0, now - this.lastTick - LOOP_DELAY_RESOLUTION_MS);
    const counted = this.delays.totalCount > 0;
    const health: ThreadHealth = {
      windowMs: now - this.since,
      loopDelayP50Ms: counted ? this.delays.getValueAtPercentile(50) / 1000 : 0,
      loopDelayP99Ms: Math.max(counted ? this.delays.getValueAtPercentile(99) / 1000 : 0, this.delays.totalCount < 100 ? open : 0),
      loopDelayMaxMs: Math.max(counted ? this.delays.maxValue / 1000 : 0, open),
      utilization: elu.utilization,
      cpuMs: cpu - this.cpuAtStart,
    };
    if (reset) {
      this.delays.reset();
      this.since = now;
      this.elu = performance.eventLoopUtilization();
      this.cpuAtStart = cpu;
    }
    return health;
  }

  close(): void {
    clearInterval(this.timer);
    this.delays.destroy();
  }
}
