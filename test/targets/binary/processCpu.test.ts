// The binary target's self-check reads every process's CPU from /proc/<pid>/stat (scripts/targets/binary/processCpu.ts).
import { describe, expect, it } from 'vitest';
import { ManagedProcess } from '../../../scripts/targets/binary/managedProcess.ts';
import { processCpuMsOf, ProcessCpuMeter, programOf, runCpuMs } from '../../../scripts/targets/binary/processCpu.ts';
import { selfCheckOf } from '../../../scripts/runner/selfCheck.ts';

/** A program that uses `ms` of CPU (however long that takes on a busy machine), then idles `idleMs` and exits. */
const BUSY = (ms: number, idleMs = 0) =>
  `const used = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }; while (used() < ${ms}) {} setTimeout(() => {}, ${idleMs});`;

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('process CPU from /proc', () => {
  it('sums utime, stime, cutime and cstime in USER_HZ ticks, past a command name with spaces and parentheses', () => {
    // Fields 14-17 are 150, 50, 30, 20 ticks: 2.5 s.
    const stat = '4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 50 30 20 20 0 4 0 12345 1000 100';
    expect(processCpuMsOf(stat)).toBe(2500);
    expect(programOf(stat)).toBe('a (b) c');
  });

  it('counts the CPU a process used in the window, also after it exited inside it', async () => {
    const meter = new ProcessCpuMeter(() => processes);
    const idle = new ManagedProcess({ name: 'idle', command: process.execPath, args: ['-e', 'setTimeout(() => {}, 3000)'] });
    const processes = [idle];
    meter.reset();
    // It idles a second before it exits: the meter's reads (four a second) see all its CPU while it still exists.
    const busy = new ManagedProcess({ name: 'busy', command: process.execPath, args: ['-e', BUSY(1_000, 1_000)] });
    processes.push(busy);
    try {
      await busy.exited;
      const read = meter.read();
      expect(read.map((r) => r.program)).toEqual(['node', 'node']);
      const readings = new Map(read.map((r) => [r.process.spec.name, r.cpuMs]));
      // /proc counts whole ticks of 10 ms in utime and in stime: up to 20 ms less than the child's own microseconds.
      expect(readings.get('busy')).toBeGreaterThanOrEqual(980);
      expect(readings.get('idle')).toBeLessThan(300);
    } finally {
      meter.close();
      await idle.stop(1_000);
    }
  });

  it("counts the run's CPU exactly, ended children included", async () => {
    const before = runCpuMs(() => []);
    const busy = new ManagedProcess({ name: 'busy', command: process.execPath, args: ['-e', BUSY(1_000)] });
    await busy.exited;
    // Reaped: its second of CPU is now in this process's cutime and cstime.
    expect(runCpuMs(() => []) - before).toBeGreaterThanOrEqual(980);
  });

  it('registers every started process until it ends', async () => {
    const { runningProcesses } = await import('../../../scripts/targets/binary/managedProcess.ts');
    const child = new ManagedProcess({ name: 'short', command: process.execPath, args: ['-e', 'setTimeout(() => {}, 200)'] });
    expect(runningProcesses()).toContain(child);
    await child.exited;
    await until('the process to leave the registry', () => !runningProcesses().includes(child));
  });
});

describe('the self-check of real processes', () => {
  it('reports their CPU without judging them, and still judges the machine', () => {
    const component = { windowMs: 1000, loopDelayP50Ms: NaN, loopDelayP99Ms: NaN, loopDelayMaxMs: NaN, utilization: NaN };
    const check = selfCheckOf(
      [{ component: 'kube-apiserver-0', kind: 'kube-apiserver', realProcess: true, ...component, cpuMs: 1_800 }],
      { count: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0, meanMs: 0 },
      1_000,
      { cpus: 2, busyShare: 0.99, processShare: 0.9, othersShare: 0.09 },
    );
    expect(check.components[0]).toMatchObject({ component: 'kube-apiserver-0', cpuShare: 1.8, realProcess: true });
    expect(check.warnings).toEqual(["the machine's 2 CPUs were 99 % busy (this run 90 %, other programs 9 %): every latency includes waiting for a CPU"]);
  });
});
