// `npm run sim`: start the simulated cluster and keep it up until Ctrl-C (or SIGINT/SIGTERM from a script, also sent to
// the npm process: README.md#a-standing-testbed-npm-run-sim), so you can point kubectl, curl, h2load or your own
// controller at it. Writes kubeconfigs for the ClusterIP path and the gateway path and prints a per-replica
// load line every few seconds, read from each replica's /metrics (the same numbers the scenarios use), and serves a
// live dashboard of the same numbers on 127.0.0.1 (docs/report.md#live-dashboard).
import path from 'node:path';
import { Command, Option } from 'commander';
import { MODES } from '../cluster/modes.ts';
import { planCluster } from '../cluster/plan.ts';
import { loadScenarioFile, ScenarioError } from '../../scenarios/loader.ts';
import type { ModeName, Scenario } from '../../scenarios/schema.ts';
import { MODE_NAMES } from '../../scenarios/vocabulary.ts';
import { MetricsScraper, snapshotDelta, type ReplicaSnapshot } from '../measure/scrape.ts';
import { onInterrupt } from '../runner/interrupts.ts';
import { startDashboard, type Dashboard } from '../report/dashboard.ts';
import { LocalCluster } from '../targets/local/localCluster.ts';
import { localTarget } from '../targets/local/localTarget.ts';
import { TOOL_GROUP, writeToolAccess, type PodProxyHandle, type WrittenAccess } from '../targets/local/toolAccess.ts';
import { EXIT_BAD_INPUT, EXIT_RUNTIME } from '../core/exitCodes.ts';
import { durationParser, integerParser, parseSeed } from './flags.ts';
import { validateRun } from './validateRun.ts';

interface SimFlags {
  mode?: ModeName;
  scenario: string;
  out: string;
  duration?: number;
  interval: number;
  seed?: number;
  dashboard: boolean;
  dashboardPort: number;
}

export function simCommand(): Command {
  return new Command('sim')
    .description('start the simulated cluster and keep it running until Ctrl-C or SIGINT/SIGTERM (a testbed for your own clients)')
    .addOption(
      new Option(
        '--mode <mode>',
        "which mode the cluster is set up for (ConfigMap, gateway TLS handling, goaway-chance); one of the scenario's modes (default l7 when it has it, else its first)",
      ).choices([...MODE_NAMES]),
    )
    .option('--scenario <name>', 'take the topology (replicas, capacity, gateway, kube-proxy) from this scenario', 'hot-client')
    .option('--out <dir>', 'where to write kubeconfigs', '.sim')
    .addOption(new Option('--duration <d>', 'stop by itself after this long (default: run until Ctrl-C)').argParser(durationParser(1)))
    .addOption(new Option('--interval <d>', 'how often to print the per-replica line').default(2000).argParser(durationParser(200)))
    .addOption(new Option('--seed <n>', 'seed for random choices (default 1)').argParser(parseSeed))
    .addOption(
      new Option('--dashboard-port <port>', 'port of the live dashboard on 127.0.0.1 (0: any free port)').default(0).argParser(integerParser(0, 65535)),
    )
    .option('--no-dashboard', 'do not serve the live dashboard')
    .action(async (opts: SimFlags) => {
      let scenario: Scenario;
      try {
        scenario = loadScenarioFile(opts.scenario).scenario;
      } catch (error) {
        if (!(error instanceof ScenarioError)) throw error;
        console.error(error.message);
        process.exitCode = EXIT_BAD_INPUT;
        return;
      }
      const modeName: ModeName = opts.mode ?? (scenario.modes.includes('l7') ? 'l7' : scenario.modes[0]!);
      const problems = await validateRun([{ scenario, options: { modes: [modeName], modesFlag: '--mode' } }], localTarget);
      if (problems.length > 0) {
        for (const line of problems) console.error(line);
        process.exitCode = EXIT_BAD_INPUT;
        return;
      }
      await runSim(scenario, modeName, opts);
    });
}

/** Runs the simulated cluster until --duration passes or a signal stops it; resolves only then. */
async function runSim(scenario: Scenario, modeName: ModeName, opts: SimFlags): Promise<void> {
  const mode = MODES[modeName];
  const randomSeed = opts.seed ?? 1;
  let cluster: LocalCluster | undefined;
  const proxies: PodProxyHandle[] = [];
  let scraper: MetricsScraper | undefined;
  let dashboard: Dashboard | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let scraping: Promise<void> = Promise.resolve();
  const shutdown = async () => {
    clearInterval(ticker);
    await scraping; // a scrape under way finishes before its connections close
    await dashboard?.close(); // stops its sampler, waits for its scrape, closes its listener and connections
    for (const p of proxies) await p.close();
    await cluster?.close();
  };
  // The action must not return while the simulator runs: the command's caller would then treat the run as done.
  let stopped!: () => void;
  const untilStopped = new Promise<void>((resolve) => (stopped = resolve));
  const unregister = onInterrupt(async () => {
    await shutdown();
    console.log('simulated cluster stopped; every listener and worker is closed');
    stopped();
  });
  try {
    const started = performance.now();
    cluster = await LocalCluster.start(planCluster(scenario.topology, mode, randomSeed, { clientGroups: [{ name: TOOL_GROUP }], gateways: 'always' }));
    const written = await writeToolAccess(cluster, opts.out, proxies);
    const readyMs = performance.now() - started;
    if (opts.dashboard) {
      try {
        dashboard = await startDashboard({
          metrics: cluster.replicaMetrics(),
          port: opts.dashboardPort,
          subtitle: `npm run sim, mode ${mode.name}: ${mode.summary}`,
        });
      } catch (error) {
        throw new Error(`dashboard on 127.0.0.1:${opts.dashboardPort}: ${(error as Error).message}`, { cause: error });
      }
    }
    printAddresses(cluster, written, readyMs, dashboard?.url);
    scraper = new MetricsScraper(cluster.replicaMetrics());
    let previous = await scraper.scrapeAll();
    ticker = setInterval(() => {
      scraping = scraper!.scrapeAll().then(
        (now) => {
          console.log(loadLine(now, previous, opts.interval));
          previous = now;
        },
        (error) => console.error(`scrape failed: ${(error as Error).message}`),
      );
    }, opts.interval);
    if (opts.duration === undefined) {
      await untilStopped; // the interrupt handler exits the process once the clean-up is done
      return;
    }
    const ended = await Promise.race([new Promise<'duration'>((r) => setTimeout(() => r('duration'), opts.duration)), untilStopped.then(() => 'signal')]);
    if (ended === 'signal') return; // the interrupt handler cleaned up and exits
    unregister();
    await shutdown();
    console.log('simulated cluster stopped after --duration; every listener and worker is closed');
  } catch (error) {
    console.error(`sim failed: ${(error as Error).message}`);
    unregister();
    await shutdown().catch(() => undefined);
    process.exitCode = EXIT_RUNTIME;
  }
}

function printAddresses(cluster: LocalCluster, access: WrittenAccess, readyMs: number, dashboardUrl?: string): void {
  const plan = cluster.plan;
  const gatewayVip = plan.services.gatewayInternal;
  const lines = [
    `simulated cluster up in ${Math.round(readyMs)} ms (mode ${plan.mode.name}: ${plan.mode.summary})`,
    '',
    'addresses:',
    ...plan.replicas.map((r) => `  ${r.name.padEnd(26)} https://${r.ip}:${r.port}   (/metrics, /readyz)`),
    ...cluster.kubeProxy.info.listeners.map((l) => `  Service ${l.service.padEnd(42)} ${l.ip}:${l.port} → listens on ${l.listenPort}`),
    ...cluster.gatewayPods.map((g) => `  ${g.name.padEnd(26)} ${g.ip}:${g.port}`),
    ...access.proxies.map((p) => `  pod proxy for ${p.pod}: ${p.url}  (hostAliases ${p.hostAliases})`),
    ...(dashboardUrl ? ['', `live dashboard (per-replica req/s, inflight, 429s; 127.0.0.1 only): ${dashboardUrl}`] : []),
    '',
    `kubeconfigs in ${access.dir}:`,
    ...access.files.map((f) => `  ${path.basename(f.file).padEnd(28)} ${f.what}`),
    '',
    'try:',
    `  kubectl --kubeconfig ${path.join(access.dir, 'gateway.kubeconfig')} get configmaps -n ${plan.namespace}`,
    `  kubectl --kubeconfig ${path.join(access.dir, 'clusterip.kubeconfig')} get leases -A -w`,
    `  curl -x ${access.proxies[0]!.url} --cacert ${path.join(access.dir, 'ca.crt')} -H "Authorization: Bearer $(cat ${path.join(access.dir, 'token')})" https://${plan.publicHost}/version`,
    // --connect-to: the URI's host gives SNI and :authority (the gateway routes on SNI and answers 421 on a mismatch).
    `  h2load -n 20000 -c 4 -m 50 -H "Authorization: Bearer $(cat ${path.join(access.dir, 'token')})" --connect-to ${gatewayVip.clusterIP}:${gatewayVip.listenPort} https://${plan.publicHost}/api/v1/namespaces/${plan.namespace}/configmaps`,
    '',
    "per-replica load (from each replica's /metrics); Ctrl-C stops and cleans up:",
  ];
  console.log(lines.join('\n'));
}

function loadLine(now: ReplicaSnapshot[], previous: ReplicaSnapshot[], intervalMs: number): string {
  const parts = now.map((snap, i) => {
    const d = snapshotDelta(snap, previous[i]!);
    const rate = d.requests / (intervalMs / 1000);
    return `${snap.replica} ${rate.toFixed(1)} req/s inflight ${snap.inflight.readOnly + snap.inflight.mutating}${d.byCode['429'] ? ` 429s ${d.byCode['429']}` : ''}`;
  });
  return `${new Date().toISOString().slice(11, 19)}  ${parts.join(' | ')}`;
}
