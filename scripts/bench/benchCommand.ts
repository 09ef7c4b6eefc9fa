// `bench` (npm run bench, apiserver-lb bench): the performance figures of the project (docs/performance.md), measured on this machine, with peers
// measured in the same run where one exists (h2load as load generator and straight to a backend, HAProxy as the
// reference L7 balancer; installed with apt when missing, skipped with a message when they cannot be). Nothing here
// is asserted in tests; a table per part goes to the terminal, everything to results/bench-<time>.json.
//
//   npm run bench                       # everything but gate-repeat
//   npm run bench -- --only gateway,apiserver,loadgen,webhook,scale,startup,scenario,gate
//   npm run bench -- gate-repeat --runs 10   # the gate's false-failure rate (parts can also be given as arguments)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { commandPath, UsageError } from '../cli/runCommand.ts';
import { integerParser, listParser } from '../cli/flags.ts';
import { MODES } from '../cluster/modes.ts';
import { planCluster } from '../cluster/plan.ts';
import { LocalCluster } from '../targets/local/localCluster.ts';
import { localTarget } from '../targets/local/localTarget.ts';
import { loadScenarioFile } from '../../scenarios/loader.ts';
import { runScenario } from '../runner/runScenario.ts';
import { onInterrupt } from '../runner/interrupts.ts';
import { gatewayTables, gateTables, loadGeneratorTables, scaleTables, webhookTables } from './benchTables.ts';
import { runGateBench } from './gateBench.ts';
import { gateRepeatTables, runGateRepeat } from './gateRepeat.ts';
import { runGatewayBench } from './gatewayBench.ts';
import { runLoadGeneratorBench } from './loadGeneratorBench.ts';
import { ensurePeer } from './peers.ts';
import { apiserverPeerTable, runApiserverPeerBench } from './apiserverPeer.ts';
import { binaryStartupTable, runBinaryStartupBench } from './binaryStartupBench.ts';
import { runScaleBench } from './scaleBench.ts';
import { runSeedScaleBench, seedScaleTable } from './seedScaleBench.ts';
import { runWebhookBench } from './webhookBench.ts';
import { EXIT_RUNTIME } from '../core/exitCodes.ts';

const PARTS = ['gateway', 'apiserver', 'loadgen', 'webhook', 'scale', 'seed-scale', 'startup', 'binary', 'scenario', 'gate', 'gate-repeat'] as const;
type Part = (typeof PARTS)[number];
/** What `npm run bench` runs without --only: everything but gate-repeat (about 7 minutes per run) and seed-scale (in scale). */
const DEFAULT_PARTS = PARTS.filter((p) => p !== 'gate-repeat' && p !== 'seed-scale');

interface BenchFlags {
  only?: Part[];
  out: string;
  runs: number;
  scenarios?: string[];
}

async function benchStartup(repeats: number): Promise<Record<string, unknown>> {
  const { scenario } = loadScenarioFile('hot-client');
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const cluster = await LocalCluster.start(planCluster(scenario.topology, MODES.l7, 1, { clientGroups: scenario.clients }));
    times.push(performance.now() - started);
    await cluster.close();
  }
  times.sort((a, b) => a - b);
  return {
    what: 'simulated cluster start, l7 mode of hot-client (PKI, shoot kube-apiserver worker with 3 replicas, seed kube-apiserver, webhook, kube-proxy, 2 gateway pods; measured until every listener is up)',
    runs: times.map(Math.round),
    medianMs: Math.round(times[Math.floor(times.length / 2)]!),
    target: '< 2000 ms',
  };
}

async function benchScenario(): Promise<Record<string, unknown>> {
  const { scenario, file } = loadScenarioFile('hot-client');
  const results = await runScenario({ scenario, file, registerCleanup: onInterrupt, target: localTarget });
  return {
    what: 'npm run scenario hot-client (all modes, wall clock)',
    wallMs: Math.round(results.wallMs),
    target: '< 60000 ms',
    modes: results.modes.map((m) => ({
      mode: m.mode,
      maxOverMean: round(m.fairness.maxOverMean),
      jain: round(m.fairness.jain),
      p99Ms: round(m.latency.p99Ms),
      conservation: m.conservation.ok,
      startupMs: Math.round(m.startupMs),
    })),
    checksPassed: results.checks.every((c) => c.ok),
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Parts given as arguments, checked as --only checks them. */
function partsOf(positional: string[], commandName: string): Part[] {
  try {
    return listParser(PARTS)(positional.join(','));
  } catch (error) {
    throw new UsageError(`${commandName}: error: argument '${positional.join(' ')}' is invalid. ${(error as Error).message}`);
  }
}

/** `bench`: the parts to run (arguments or --only), each a table on the terminal and a part of results/bench-<time>.json. */
export function benchCommand(): Command {
  return new Command('bench')
    .description(
      "measure the gateway (vs Envoy, HAProxy and direct), the real kube-apiserver (GET, LIST, WATCH fan-out), the load generator (vs h2load), the webhook, scale tables, start-up, the hot-client and gate wall times, and (gate-repeat) the gate's false-failure rate",
    )
    .argument('[parts...]', `parts to run, as --only (${PARTS.join(', ')})`)
    .addOption(new Option('--only <parts>', `comma-separated subset of ${PARTS.join(', ')} (default: all but gate-repeat)`).argParser(listParser(PARTS)))
    .option('--out <dir>', 'where to write the JSON', 'results')
    .addOption(new Option('--runs <n>', 'gate-repeat: how many gate runs').default(10).argParser(integerParser(1, 100)))
    .addOption(new Option('--scenarios <list>', 'gate-repeat: scenarios to gate (default: the default suite)').argParser((v) => v.split(',').filter(Boolean)))
    .action(async (positional: string[], opts: BenchFlags, command: Command) => {
      const parts: Part[] = positional.length > 0 ? partsOf(positional, commandPath(command)) : (opts.only ?? DEFAULT_PARTS);
      const report: Record<string, unknown> = {
        startedAt: new Date().toISOString(),
        machine: { node: process.version, cpus: os.cpus().length, model: os.cpus()[0]?.model },
      };
      const tty = process.stdout.isTTY === true;
      const log = (m: string) => console.error(m);
      const skippedOr = <T extends object>(result: T | { skipped: string }, render: (r: T) => string) =>
        'skipped' in result && typeof result.skipped === 'string' ? `skipped: ${result.skipped}` : render(result as T);
      for (const part of parts) {
        console.error(`== ${part}`);
        let text = '';
        try {
          if (part === 'gateway') {
            const r = await runGatewayBench({ log });
            text = skippedOr(r, (g) => gatewayTables(g, tty));
            report.gateway = r;
          }
          if (part === 'apiserver') {
            const h2load = await ensurePeer('h2load', log);
            const r = h2load.ok ? await runApiserverPeerBench({ h2loadPath: h2load.path, log }) : { skipped: h2load.message };
            text = skippedOr(r, (g) => apiserverPeerTable(g));
            report.apiserver = r;
          }
          if (part === 'loadgen') {
            const r = await runLoadGeneratorBench({ log });
            text = skippedOr(r, (g) => loadGeneratorTables(g, tty));
            report.loadgen = r;
          }
          if (part === 'webhook') {
            const h2load = await ensurePeer('h2load', log);
            const r = h2load.ok ? await runWebhookBench({ log, durationSeconds: 5, warmupSeconds: 1, h2loadPath: h2load.path }) : { skipped: h2load.message };
            text = skippedOr(r, (g) => webhookTables(g, tty));
            report.webhook = r;
          }
          if (part === 'scale') {
            const r = await runScaleBench({ log });
            text = scaleTables(r, tty);
            report.scale = r;
          }
          if (part === 'scale' || part === 'seed-scale') {
            // N control planes behind one gateway (docs/performance.md#seed-scale); `seed-scale` runs this table alone.
            const r = await runSeedScaleBench({ log });
            text = part === 'scale' ? `${text}\n${seedScaleTable(r, tty)}` : seedScaleTable(r, tty);
            report.seedScale = r;
          }
          if (part === 'startup') {
            report.startup = await benchStartup(5);
            text = JSON.stringify(report.startup, null, 2);
          }
          if (part === 'binary') {
            // The binary target's start-up per mode and its idle CPU (docs/binary-target.md#start-up).
            const r = await runBinaryStartupBench({ log });
            text = skippedOr(r, (g) => binaryStartupTable(g));
            report.binary = r;
          }
          if (part === 'scenario') {
            report.scenario = await benchScenario();
            text = JSON.stringify(report.scenario, null, 2);
          }
          if (part === 'gate') {
            const r = await runGateBench({ log });
            text = gateTables(r, tty);
            report.gate = r;
          }
          if (part === 'gate-repeat') {
            const r = await runGateRepeat({ runs: opts.runs, names: opts.scenarios, outDir: opts.out, log, registerCleanup: onInterrupt });
            text = gateRepeatTables(r, tty);
            report['gate-repeat'] = r;
          }
        } catch (error) {
          report[part] = { error: (error as Error).message };
          text = `${part} failed: ${(error as Error).message}`;
          process.exitCode = EXIT_RUNTIME;
        }
        console.log(`\n== ${part}\n${text}\n`);
      }
      fs.mkdirSync(opts.out, { recursive: true });
      const file = path.join(opts.out, `bench-${String(report.startedAt).replace(/[:.]/g, '-')}.json`);
      fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      console.error(`bench results: ${file}`);
    });
}
