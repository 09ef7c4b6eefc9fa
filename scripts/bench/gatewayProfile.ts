// Where the gateway worker's CPU and allocations go (docs/performance.md#gateway): the bench's testbed, one gateway
// pod (the real code, in its own worker, with the profiling wrapper of profiledGateway.ts), h2load driving small GETs
// through it, and a CPU profile, a sampling heap profile and the GC pauses of the gateway thread over the measured
// seconds. Writes gateway.cpuprofile and gateway.heapprofile (open them in Chrome DevTools) and prints a summary.
//
//   npx tsx scripts/bench/gatewayProfile.ts [--seconds 8] [--rate 2500|saturation] [--out results/profile] [--semi-space 16]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { exitWhenDone, onInterrupt } from '../runner/interrupts.ts';
import { areaOf, summarizeCpuProfile, type CpuProfile } from './cpuProfileSummary.ts';
import { h2loadArgs, requireH2load, runH2load } from './h2load.ts';
import profiledGateway from './profiledGateway.ts';
import { benchGetShape, GATEWAY_PORT, Testbed, type LoadRate } from './testbed.ts';

const program = new Command('gatewayProfile')
  .option('--seconds <n>', 'profiled seconds', '8')
  .option('--rate <r>', 'total req/s (h2load --rps over 4 connections), or "saturation" (closed loop, 4x32 streams)', 'saturation')
  .option('--out <dir>', 'where to write the profiles', path.join('results', 'profile'))
  .option('--semi-space <mb>', 'young generation size of the gateway worker (resourceLimits.maxYoungGenerationSizeMb)')
  .option('--no-heap', 'skip the heap sampling pass')
  .action(async (opts) => {
    requireH2load();
    const seconds = Number(opts.seconds);
    const out = String(opts.out);
    fs.mkdirSync(out, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-profile-'));
    const bed = await Testbed.start(3);
    const stopAll = async () => {
      await bed.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    };
    const unregister = onInterrupt(stopAll);
    try {
      const young = opts.semiSpace ? { maxYoungGenerationSizeMb: Number(opts.semiSpace) } : undefined;
      const gateway = (await bed.startGateway({ descriptor: profiledGateway, resourceLimits: young })) as unknown as {
        remote: {
          startCpuProfile(): Promise<void>;
          stopCpuProfile(file: string): Promise<void>;
          startHeapSampling(): Promise<void>;
          stopHeapSampling(file: string): Promise<void>;
          gcSince(): Promise<{ count: number; totalMs: number; maxMs: number; byKind: Record<string, { count: number; totalMs: number; maxMs: number }> }>;
        };
        health(reset?: boolean): Promise<{ cpuMs: number; utilization: number; loopDelayP99Ms: number }>;
      };
      const load = async (label: string) => {
        const logFile = path.join(tmp, `${label}.tsv`);
        const rate: LoadRate = opts.rate === 'saturation' ? 'saturation' : Number(opts.rate);
        const args = h2loadArgs(benchGetShape(`${bed.gatewayIp(0)}:${GATEWAY_PORT}`, rate, { durationSeconds: seconds, warmupSeconds: 1, logFile }));
        return runH2load(args, logFile, seconds);
      };
      await load('warmup');
      await gateway.remote.gcSince();
      await gateway.health(true);
      await gateway.remote.startCpuProfile();
      const run = await load('cpu');
      const cpuFile = path.join(out, 'gateway.cpuprofile');
      await gateway.remote.stopCpuProfile(cpuFile);
      const health = await gateway.health(true);
      const gc = await gateway.remote.gcSince();
      const summary = summarizeCpuProfile(JSON.parse(fs.readFileSync(cpuFile, 'utf8')) as CpuProfile);
      const report: Record<string, unknown> = {
        rate: opts.rate,
        h2load: run,
        gatewayThread: { cpuMsPerRequest: round((health.cpuMs / Math.max(1, run.succeeded)) * 1000) / 1000, ...health },
        gc,
        cpu: summary,
      };
      if (opts.heap) {
        await gateway.remote.startHeapSampling();
        const heapRun = await load('heap');
        const heapFile = path.join(out, 'gateway.heapprofile');
        await gateway.remote.stopHeapSampling(heapFile);
        report.heap = { requests: heapRun.succeeded, ...summarizeHeapProfile(JSON.parse(fs.readFileSync(heapFile, 'utf8')), heapRun.succeeded) };
      }
      console.log(JSON.stringify(report, null, 2));
      console.error(`profiles in ${out}/`);
    } finally {
      unregister();
      await stopAll();
    }
  });

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/**
 * Allocated bytes per request by area, from a sampling heap profile (DevTools HeapProfiler.SamplingHeapProfile)
 * taken with collected objects included, so the tree holds every sampled allocation.
 */
function summarizeHeapProfile(profile: { head: HeapNode }, requests: number) {
  const byArea = new Map<string, number>();
  const byFn = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode) => {
    const { url, functionName, lineNumber } = node.callFrame;
    const area = areaOf(url, functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + node.selfSize);
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(sim|scripts|webhook|node_modules)\//, '$1/')}:${lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  const shares = (m: Map<string, number>, n: number) =>
    Object.fromEntries(
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([k, v]) => [k, round(v / Math.max(1, total))]),
    );
  return { bytesPerRequest: Math.round(total / Math.max(1, requests)), byArea: shares(byArea, 20), topFunctions: shares(byFn, 15) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

await program.parseAsync(process.argv);
exitWhenDone();
