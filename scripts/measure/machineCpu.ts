// How busy the machine's CPUs were over a load phase, and how much of that was this process (docs/performance.md#self-check).
// The per-thread checks see one thread flat out or one event loop lagging; they do not see the simulator's threads
// queueing for the machine's CPUs behind *other* programs (a parallel build, a second run, a browser), which
// inflates every latency the run reports just the same.
//
// - The machine: the aggregate `cpu` line of /proc/stat (proc(5)): user nice system idle iowait irq softirq steal
//   guest guest_nice, in USER_HZ ticks since boot. Busy is everything but idle and iowait; guest and guest_nice are
//   already inside user and nice, so they are not added again. Steal (time a hypervisor gave another guest) counts as
//   busy: the simulator could not run then either.
// - This process: process.cpuUsage(), user + system time of every thread of the process (all the simulator's
//   worker threads on the local target).
// Linux only; elsewhere there is nothing to read and the meter is absent.
import fs from 'node:fs';

export interface MachineCpu {
  /** Online CPUs (the cpuN lines of /proc/stat). */
  cpus: number;
  /** Share of all CPUs' time that was busy over the phase, 0..1. */
  busyShare: number;
  /** Share of all CPUs' time this process (every simulator thread) used, 0..1. */
  processShare: number;
  /** busyShare − processShare: other programs and the kernel's work for them (clamped at 0). */
  othersShare: number;
}

export interface ProcStatCpu {
  cpus: number;
  busyTicks: number;
  totalTicks: number;
}

/** Linux USER_HZ: /proc reports CPU times in 1/100 s on every mainstream kernel configuration. */
const TICKS_PER_SECOND = 100;

/** Reads the aggregate cpu line and counts the cpuN lines of a /proc/stat text. */
export function parseProcStat(text: string): ProcStatCpu {
  const lines = text.split('\n');
  const total = lines.find((l) => /^cpu\s/.test(l));
  if (!total) throw new Error('/proc/stat has no aggregate "cpu" line');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = total.trim().split(/\s+/).slice(1).map(Number);
  const busyTicks = user + nice + system + irq + softirq + steal;
  return { cpus: lines.filter((l) => /^cpu\d+\s/.test(l)).length, busyTicks, totalTicks: busyTicks + idle + iowait };
}

/** The machine CPU between two readings of /proc/stat and process.cpuUsage(). */
export function machineCpuBetween(before: { stat: ProcStatCpu; processMicros: number }, after: { stat: ProcStatCpu; processMicros: number }): MachineCpu {
  const totalTicks = after.stat.totalTicks - before.stat.totalTicks;
  const busyShare = totalTicks > 0 ? (after.stat.busyTicks - before.stat.busyTicks) / totalTicks : NaN;
  const processTicks = ((after.processMicros - before.processMicros) / 1e6) * TICKS_PER_SECOND;
  const processShare = totalTicks > 0 ? Math.min(1, processTicks / totalTicks) : NaN;
  return { cpus: after.stat.cpus, busyShare, processShare, othersShare: Math.max(0, busyShare - processShare) };
}

/** Measures from now; `read()` gives the machine CPU since then (or since the last reset). */
export class MachineCpuMeter {
  private start: { stat: ProcStatCpu; processMicros: number };

  private constructor(
    private readonly statFile: string,
    private readonly runMicros: () => number,
  ) {
    this.start = this.sample();
  }

  /**
   * Undefined where there is no /proc/stat (not Linux). `runMicros`: the CPU time the run has used so far, µs; by
   * default this process's (every simulator thread); the binary target adds its components' processes
   * (scripts/targets/binary/processCpu.ts).
   */
  static open(statFile = '/proc/stat', runMicros: () => number = ownProcessMicros): MachineCpuMeter | undefined {
    return fs.existsSync(statFile) ? new MachineCpuMeter(statFile, runMicros) : undefined;
  }

  reset(): void {
    this.start = this.sample();
  }

  read(): MachineCpu {
    return machineCpuBetween(this.start, this.sample());
  }

  private sample(): { stat: ProcStatCpu; processMicros: number } {
    return { stat: parseProcStat(fs.readFileSync(this.statFile, 'utf8')), processMicros: this.runMicros() };
  }
}

/** This process's CPU time so far (user + system of every thread), µs. */
export function ownProcessMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}
