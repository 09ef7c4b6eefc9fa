// The machine CPU meter (scripts/measure/machineCpu.ts): /proc/stat's aggregate line read as proc(5) defines it, and
// on this machine, real CPU burnt by other processes counted as theirs and CPU burnt here counted as this process's.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { machineCpuBetween, MachineCpuMeter, parseProcStat } from '../../scripts/measure/machineCpu.ts';

const linux = process.platform === 'linux';

describe('parseProcStat', () => {
  it('busy is everything but idle and iowait (guest is inside user); counts the cpuN lines', () => {
    const text = ['cpu  100 10 50 800 40 5 5 2 30 0', 'cpu0 50 5 25 400 20 3 2 1 15 0', 'cpu1 50 5 25 400 20 2 3 1 15 0', 'intr 1 2 3', ''].join('\n');
    expect(parseProcStat(text)).toEqual({ cpus: 2, busyTicks: 100 + 10 + 50 + 5 + 5 + 2, totalTicks: 172 + 800 + 40 });
  });

  it('a text without the aggregate line is an error, not zeros', () => {
    expect(() => parseProcStat('intr 1 2\n')).toThrow(/no aggregate "cpu" line/);
  });

  it('shares between two readings: process ticks at USER_HZ 100 over all CPUs; others never below zero', () => {
    const before = { stat: { cpus: 2, busyTicks: 1000, totalTicks: 10_000 }, processMicros: 0 };
    const after = { stat: { cpus: 2, busyTicks: 1150, totalTicks: 10_200 }, processMicros: 1_000_000 };
    expect(machineCpuBetween(before, after)).toEqual({ cpus: 2, busyShare: 0.75, processShare: 0.5, othersShare: 0.25 });
    expect(machineCpuBetween(before, { ...after, processMicros: 2_000_000 }).othersShare).toBe(0);
  });
});

describe.skipIf(!linux)('MachineCpuMeter on this machine', () => {
  it("counts other processes' busy loops as theirs, not this process's", async () => {
    const meter = MachineCpuMeter.open()!;
    // One busy loop per CPU /proc/stat counts (the machine's, which may be more than this process may use).
    const cpus = parseProcStat(fs.readFileSync('/proc/stat', 'utf8')).cpus;
    const burners = Array.from({ length: cpus }, () =>
      spawn(process.execPath, ['-e', 'const end = Date.now() + 1500; while (Date.now() < end);'], { stdio: 'ignore' }),
    );
    await Promise.all(burners.map((b) => new Promise((resolve) => b.once('exit', resolve))));
    const reading = meter.read();
    expect(reading.cpus).toBe(cpus);
    expect(reading.othersShare).toBeGreaterThan(0.6);
    expect(reading.processShare).toBeLessThan(0.2);
  });

  it("counts this process's own CPU time as its own", () => {
    const meter = MachineCpuMeter.open()!;
    const start = process.cpuUsage();
    // Spin until this process has used 300 ms of CPU (bounded: at most 5 s of wall time).
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const used = process.cpuUsage(start);
      if (used.user + used.system >= 300_000) break;
    }
    const reading = meter.read();
    expect(reading.processShare).toBeGreaterThan(0.1);
    expect(reading.busyShare).toBeGreaterThanOrEqual(reading.processShare - 0.05);
  });
});
