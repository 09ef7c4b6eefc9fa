// A/B of two gateway builds on one testbed (how each gateway lever in docs/performance.md#gateway was measured): both
// gateway pods run side by side on the same replicas, and h2load drives them in alternating order, round after round,
// so a busy moment of the shared machine hits both alike. Per run: req/s, p50/p99, and the gateway thread's own CPU
// time per request (sim/runtime/threadHealth.ts), the figure least disturbed by other processes. Medians are printed.
//
//   npx tsx scripts/bench/gatewayAb.ts --b <module exporting a gateway descriptor> [--a <module>] [--rounds 5]
//     [--seconds 6] [--rate saturation|<req/s>] [--b-young <MiB>]
// A module is a path to a file whose default export is a gateway-pod descriptor (sim/gateway/gatewayPod.ts, or a copy
// of an older version of sim/gateway).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import type { GatewayPodConfig } from '../../sim/gateway/gatewayPod.ts';
import type { ComponentDescriptor, MethodTable } from '../../sim/runtime/component.ts';
import { exitWhenDone, onInterrupt } from '../runner/interrupts.ts';
import { h2loadArgs, requireH2load, runH2load } from './h2load.ts';
import { median } from './stats.ts';
import { benchGetShape, GATEWAY_PORT, Testbed, type LoadRate } from './testbed.ts';

interface Sample {
  perSecond: number;
  p50: number;
  p99: number;
  cpuUsPerRequest: number;
}

const program = new Command('gatewayAb')
  .option('--a <module>', 'gateway descriptor module A', 'sim/gateway/gatewayPod.ts')
  .requiredOption('--b <module>', 'gateway descriptor module B')
  .option('--rounds <n>', 'rounds (each runs A and B once, order alternating)', '5')
  .option('--seconds <n>', 'measured seconds per run', '6')
  .option('--rate <r>', 'saturation (closed loop, 4x32 streams) or a total req/s over 4 connections', 'saturation')
  .option('--a-young <mb>', 'maxYoungGenerationSizeMb of A')
  .option('--b-young <mb>', 'maxYoungGenerationSizeMb of B')
  .action(async (opts) => {
    requireH2load();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-ab-'));
    const bed = await Testbed.start(3);
    const unregister = onInterrupt(() => bed.close());
    try {
      const load = async (descriptorPath: string) =>
        (await import(pathToFileURL(path.resolve(descriptorPath)).href)).default as ComponentDescriptor<GatewayPodConfig, unknown, MethodTable>;
      const young = (mb: string | undefined) => (mb ? { maxYoungGenerationSizeMb: Number(mb) } : undefined);
      const gateways = {
        A: await bed.startGateway({ index: 0, descriptor: await load(opts.a), resourceLimits: young(opts.aYoung) }),
        B: await bed.startGateway({ index: 1, descriptor: await load(opts.b), resourceLimits: young(opts.bYoung) }),
      };
      const seconds = Number(opts.seconds);
      const rate: LoadRate = opts.rate === 'saturation' ? 'saturation' : Number(opts.rate);
      const run = async (which: 'A' | 'B', label: string): Promise<Sample> => {
        const logFile = path.join(tmp, `${which}-${label}.tsv`);
        await gateways[which].health(true);
        const result = await runH2load(
          h2loadArgs(benchGetShape(`${bed.gatewayIp(which === 'A' ? 0 : 1)}:${GATEWAY_PORT}`, rate, { durationSeconds: seconds, warmupSeconds: 1, logFile })),
          logFile,
          seconds,
        );
        const health = await gateways[which].health(true);
        // h2load's -D counts the measured seconds only; the thread's CPU covers the warm-up second as well.
        const requestsSeen = result.succeeded * ((seconds + 1) / seconds);
        return {
          perSecond: result.perSecond,
          p50: result.latencyMs.p50,
          p99: result.latencyMs.p99,
          cpuUsPerRequest: Math.round((health.cpuMs * 1000) / Math.max(1, requestsSeen)),
        };
      };
      await run('A', 'warm');
      await run('B', 'warm');
      const samples: Record<'A' | 'B', Sample[]> = { A: [], B: [] };
      for (let round = 0; round < Number(opts.rounds); round++) {
        const order: ('A' | 'B')[] = round % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
        for (const which of order) {
          const s = await run(which, String(round));
          samples[which].push(s);
          console.error(`round ${round} ${which}: ${s.perSecond} req/s, p50 ${s.p50} ms, p99 ${s.p99} ms, gateway CPU ${s.cpuUsPerRequest} µs/request`);
        }
      }
      const summary = (list: Sample[]) => ({
        perSecond: median(list.map((s) => s.perSecond)),
        p50: median(list.map((s) => s.p50)),
        p99: median(list.map((s) => s.p99)),
        cpuUsPerRequest: median(list.map((s) => s.cpuUsPerRequest)),
      });
      const a = summary(samples.A);
      const b = summary(samples.B);
      console.log(
        JSON.stringify(
          {
            a: { module: opts.a, ...a },
            b: { module: opts.b, ...b },
            bOverA: { perSecond: round2(b.perSecond / a.perSecond), cpu: round2(b.cpuUsPerRequest / a.cpuUsPerRequest) },
          },
          null,
          2,
        ),
      );
    } finally {
      unregister();
      await bed.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

await program.parseAsync(process.argv);
exitWhenDone();
