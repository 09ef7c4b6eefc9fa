// The binary target's self-check (docs/binary-target.md#self-check): the CPU time of every process of the cluster over
// the load phase, read from /proc/<pid>/stat (proc(5): utime and stime, fields 14 and 15, of all the process's threads,
// and cutime and cstime, fields 16 and 17, of the children it waited for, e.g. kube-proxy's iptables-restore), in
// USER_HZ ticks. A process that exits inside the window keeps the CPU of its last reading: the meter reads every
// process four times a second while a window is open, so a replica killed by a timeline event still counts (up to the
// last 250 ms). The run's total for the machine line is exact: a child's CPU moves into this process's own cutime and
// cstime the moment Node reaps it, so runCpuMs() adds this process's four fields to the live children's.
import fs from 'node:fs';
import path from 'node:path';
import type { ComponentHealth } from '../target.ts';
import { runningProcesses, type ManagedProcess } from './managedProcess.ts';

/** Linux USER_HZ: /proc reports CPU times in 1/100 s on every mainstream kernel configuration. */
const TICKS_PER_SECOND = 100;
const SAMPLE_INTERVAL_MS = 250;

/** utime + stime + cutime + cstime of a /proc/<pid>/stat text, in ms. */
export function processCpuMsOf(statText: string): number {
  // The command name (field 2) may hold spaces and parentheses: the fields after it start after the last ')'.
  const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  // Field 3 (state) is index 0 here, so field n is index n - 3.
  const ticks = [14, 15, 16, 17].reduce((sum, field) => sum + Number(fields[field - 3]), 0);
  if (!Number.isFinite(ticks)) throw new Error(`unexpected /proc/<pid>/stat text: ${statText.slice(0, 80)}`);
  return (ticks / TICKS_PER_SECOND) * 1000;
}

/** The program a /proc/<pid>/stat text is of (field 2, `comm`: the executable's name, at most 15 characters). */
export function programOf(statText: string): string {
  return statText.slice(statText.indexOf('(') + 1, statText.lastIndexOf(')'));
}

/**
 * A process's CPU time so far (ms) and its program, or undefined once it is gone. The program is the kernel's: a pod's
 * process is started as `ip netns exec … unshare … sh -c … exec <program>`, each exec keeping the pid.
 */
export function processReading(pid: number, procRoot = '/proc'): { cpuMs: number; program: string } | undefined {
  try {
    const text = fs.readFileSync(path.join(procRoot, String(pid), 'stat'), 'utf8');
    return { cpuMs: processCpuMsOf(text), program: programOf(text) };
  } catch {
    return undefined;
  }
}

/** A process's CPU time so far (ms), or undefined once it is gone. */
export function processCpuMs(pid: number, procRoot = '/proc'): number | undefined {
  return processReading(pid, procRoot)?.cpuMs;
}

export interface ProcessCpu {
  process: ManagedProcess;
  /** What runs in it (kube-apiserver, etcd, envoy, loadclient, node, …), from the kernel. */
  program: string;
  /** CPU time used inside the window, ms. */
  cpuMs: number;
}

/** The CPU every process of the run used since the window opened (processes started inside it count from 0). */
export class ProcessCpuMeter {
  private baseline = new Map<ManagedProcess, number>();
  private latest = new Map<ManagedProcess, { cpuMs: number; program: string }>();
  private timer: NodeJS.Timeout | undefined;
  private windowStart = performance.now();

  constructor(private readonly processes: () => ManagedProcess[] = runningProcesses) {}

  /** Opens a new window now, and keeps reading every second until close(). */
  reset(): void {
    this.windowStart = performance.now();
    this.baseline.clear();
    this.latest.clear();
    this.sample();
    for (const [process, reading] of this.latest) this.baseline.set(process, reading.cpuMs);
    this.timer ??= setInterval(() => this.sample(), SAMPLE_INTERVAL_MS).unref();
  }

  /** Every process seen in the window with its CPU time in it. */
  read(): ProcessCpu[] {
    this.sample();
    return [...this.latest].map(([process, { cpuMs, program }]) => ({ process, program, cpuMs: cpuMs - (this.baseline.get(process) ?? 0) }));
  }

  /**
   * Every process of the window as the self-check's rows (docs/binary-target.md#self-check): a real process has no
   * event loop to measure, so only its CPU is reported (loop figures NaN), and the self-check judges the machine, not it.
   */
  health(): ComponentHealth[] {
    const windowMs = performance.now() - this.windowStart;
    return this.read().map(({ process, program, cpuMs }) => ({
      component: process.spec.name,
      kind: program,
      realProcess: true,
      windowMs,
      loopDelayP50Ms: NaN,
      loopDelayP99Ms: NaN,
      loopDelayMaxMs: NaN,
      utilization: NaN,
      cpuMs,
    }));
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sample(): void {
    for (const process of this.processes()) {
      const reading = process.pid === undefined ? undefined : processReading(process.pid);
      if (reading !== undefined) this.latest.set(process, reading);
    }
  }
}

/**
 * The CPU time of the whole run so far, ms: this process (its threads, and every child it reaped: the cluster's
 * processes that ended, kubectl, ip) and every child still running.
 */
export function runCpuMs(processes: () => ManagedProcess[] = runningProcesses): number {
  let total = processCpuMs(process.pid) ?? 0;
  for (const child of processes()) total += (child.pid === undefined ? undefined : processCpuMs(child.pid)) ?? 0;
  return total;
}
