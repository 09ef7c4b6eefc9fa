// npm run bench: the performance figures of the project, measured on this machine, with peers measured in the same
// run where one exists (h2load direct to a backend, HAProxy as the reference L7 balancer). Nothing here is asserted
// in tests; results go to stdout and results/bench-<time>.json.
//
//   npm run bench                       # everything
//   npm run bench -- --only gateway,webhook,startup,scenario
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { MODES } from './cluster/modes.ts';
import { planCluster } from './cluster/plan.ts';
import { LocalCluster } from './targets/local/localCluster.ts';
import { localTarget } from './targets/local/localTarget.ts';
import { loadScenarioFile } from '../scenarios/loader.ts';
import { runScenario } from './runner/runScenario.ts';
import { exitWhenDone, onInterrupt } from './runner/interrupts.ts';
import { runGatewayBench } from './bench/gatewayBench.ts';
import { runWebhookBench } from './bench/webhookBench.ts';

const PARTS = ['startup', 'scenario', 'gateway', 'webhook'] as const;
type Part = (typeof PARTS)[number];

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

const program = new Command('npm run bench --')
  .description('measure startup, the hot-client wall time, the gateway (vs h2load direct and HAProxy) and the webhook')
  .addOption(new Option('--only <parts>', `comma-separated subset of ${PARTS.join(', ')}`).default(PARTS.join(',')))
  .option('--out <dir>', 'where to write the JSON', 'results')
  .action(async (opts) => {
    const parts = String(opts.only)
      .split(',')
      .map((p) => p.trim()) as Part[];
    for (const part of parts) {
      if (!PARTS.includes(part)) {
        console.error(`--only: unknown part "${part}" (known: ${PARTS.join(', ')})`);
        process.exitCode = 2;
        return;
      }
    }
    const report: Record<string, unknown> = {
      startedAt: new Date().toISOString(),
      machine: { node: process.version, cpus: os.cpus().length, model: os.cpus()[0]?.model },
    };
    for (const part of parts) {
      console.error(`== ${part}`);
      try {
        if (part === 'startup') report.startup = await benchStartup(5);
        if (part === 'scenario') report.scenario = await benchScenario();
        if (part === 'gateway') report.gateway = await runGatewayBench({ log: (m: string) => console.error(m) });
        if (part === 'webhook') report.webhook = await runWebhookBench({ log: (m: string) => console.error(m) });
      } catch (error) {
        report[part] = { error: (error as Error).message };
        process.exitCode = 3;
      }
      console.log(JSON.stringify({ [part]: report[part] }, null, 2));
    }
    fs.mkdirSync(opts.out, { recursive: true });
    const file = path.join(opts.out, `bench-${String(report.startedAt).replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.error(`bench results: ${file}`);
  });

await program.parseAsync(process.argv);
exitWhenDone();
