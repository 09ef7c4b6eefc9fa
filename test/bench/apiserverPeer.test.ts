// The real kube-apiserver as the bench's peer of the simulated replica (scripts/bench/apiserverPeer.ts): its CPU is
// read from /proc, and a short run serves GETs and LISTs and delivers every watch event of the fan-out.
import { describe, expect, it } from 'vitest';
import { cpuSecondsOf, runApiserverPeerBench, simulatedCapacity } from '../../scripts/bench/apiserverPeer.ts';
import { locateBinary, missingBinaryMessage } from '../../scripts/binaries/locate.ts';
import { findTool, missingToolMessage } from '../../scripts/tools/externalTools.ts';
import { itUnless } from '../helpers/requirement.ts';
import { toolPath } from '../helpers/tools.ts';

const missing =
  (['etcd', 'kube-apiserver'] as const).filter((b) => !locateBinary(b)).map(missingBinaryMessage)[0] ??
  (findTool('h2load') ? undefined : missingToolMessage('h2load'));

describe('the kube-apiserver peer', () => {
  it("reads a process's CPU seconds from /proc/<pid>/stat, as Node's own process.cpuUsage() counts them", () => {
    const before = cpuSecondsOf(process.pid);
    const usage = process.cpuUsage();
    // Burn 0.1 s of CPU (bounded by 10 s of wall time on a busy machine).
    const deadline = performance.now() + 10_000;
    let x = 0;
    while (process.cpuUsage(usage).user < 100_000 && performance.now() < deadline) x += Math.sqrt(x + 1);
    const used = process.cpuUsage(usage);
    const node = (used.user + used.system) / 1e6;
    expect(node).toBeGreaterThanOrEqual(0.1);
    // The kernel's clock ticks are 10 ms; the two readings are a few ticks apart at most.
    expect(Math.abs(cpuSecondsOf(process.pid) - before - node)).toBeLessThan(0.05);
  });

  it("states the simulated replica's capacity as workers × 1000 / service time", () => {
    expect(simulatedCapacity(2, 8)).toBe(250);
    expect(simulatedCapacity(2, 24)).toBe(83);
  });

  itUnless(missing)(
    'a short run: GETs and LISTs answered, every watch sees every update',
    async () => {
      const result = await runApiserverPeerBench({ h2loadPath: toolPath('h2load'), durationSeconds: 1, objects: 50, watchers: 20, updates: 5 });
      if ('skipped' in result) throw new Error(result.skipped);
      expect(result.get.perSecond).toBeGreaterThan(0);
      expect(result.get.failed).toBe(0);
      expect(result.list.perSecond).toBeGreaterThan(0);
      expect(result.list.objects).toBe(50);
      expect(result.watch.delivered).toBe(20 * 5);
      expect(result.get.perCpuSecond).toBeGreaterThan(0);
    },
    120_000,
  );
});
