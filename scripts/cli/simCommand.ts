// `npm run sim`: start the simulated cluster and keep it up until Ctrl-C, so you can point kubectl, curl, h2load or
// your own controller at it. Writes kubeconfigs for the ClusterIP path and the gateway path and prints a per-replica
// load line every few seconds, read from each replica's /metrics (the same numbers the scenarios use), and serves a
// live dashboard of the same numbers on 127.0.0.1 (docs/report.md#live-dashboard).
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { MODES } from '../cluster/modes.ts';
import { planCluster } from '../cluster/plan.ts';
import { loadScenarioFile, ScenarioError } from '../../scenarios/loader.ts';
import { MODE_NAMES, type ModeName } from '../../scenarios/schema.ts';
import { parseDurationMs } from '../../scenarios/duration.ts';
import { MetricsScraper, snapshotDelta, type ReplicaSnapshot } from '../measure/scrape.ts';
import { onInterrupt } from '../runner/interrupts.ts';
import { startDashboard, type Dashboard } from '../report/dashboard.ts';
import { LocalCluster } from '../targets/local/localCluster.ts';
import { TOOL_GROUP, writeToolAccess, type PodProxyHandle, type WrittenAccess } from '../targets/local/toolAccess.ts';

export function simCommand(): Command {
  return new Command('sim')
    .description('start the simulated cluster and keep it running until Ctrl-C (a testbed for your own clients)')
    .addOption(
      new Option('--mode <mode>', 'which mode the cluster is set up for (ConfigMap, gateway TLS handling, goaway-chance)')
        .choices([...MODE_NAMES])
        .default('l7'),
    )
    .option('--scenario <name>', 'take the topology (replicas, capacity, gateway, kube-proxy) from this scenario', 'hot-client')
    .option('--out <dir>', 'where to write kubeconfigs', '.sim')
    .addOption(
      new Option('--duration <d>', 'stop by itself after this long (default: run until Ctrl-C)').argParser((v) => {
        const ms = parseDurationMs(v);
        if (ms === undefined) throw new InvalidArgumentError('a duration such as 30s or 5m');
        return ms;
      }),
    )
    .addOption(
      new Option('--interval <d>', 'how often to print the per-replica line').default(2000).argParser((v) => {
        const ms = parseDurationMs(v);
        if (ms === undefined || ms < 200) throw new InvalidArgumentError('a duration of at least 200ms');
        return ms;
      }),
    )
    .option('--seed <n>', 'seed for random choices', (v) => Number(v))
    .addOption(
      new Option('--dashboard-port <port>', 'port of the live dashboard on 127.0.0.1 (0: any free port)').default(0).argParser((v) => {
        const port = Number(v);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port from 0 to 65535');
        return port;
      }),
    )
    .option('--no-dashboard', 'do not serve the live dashboard')
    .action(async (opts) => {
      let topology;
      try {
        topology = loadScenarioFile(opts.scenario).scenario.topology;
      } catch (error) {
        console.error(error instanceof ScenarioError ? error.message : String(error));
        process.exitCode = 2;
        return;
      }
      const mode = MODES[opts.mode as ModeName];
      const seed = Number.isInteger(opts.seed) ? opts.seed : 1;
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
      const unregister = onInterrupt(async () => {
        await shutdown();
        console.log('simulated cluster stopped; every listener and worker is closed');
      });
      try {
        const started = performance.now();
        cluster = await LocalCluster.start(planCluster(topology, mode, seed, { clientGroups: [{ name: TOOL_GROUP }], gateways: 'always' }));
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
        const intervalMs: number = opts.interval;
        ticker = setInterval(() => {
          scraping = scraper!.scrapeAll().then(
            (now) => {
              console.log(loadLine(now, previous, intervalMs));
              previous = now;
            },
            (error) => console.error(`scrape failed: ${(error as Error).message}`),
          );
        }, intervalMs);
        if (opts.duration) {
          await new Promise((r) => setTimeout(r, opts.duration));
          await shutdown();
          unregister();
          console.log('simulated cluster stopped after --duration; every listener and worker is closed');
        }
      } catch (error) {
        console.error(`sim failed: ${(error as Error).message}`);
        await shutdown().catch(() => undefined);
        unregister();
        process.exitCode = 3;
      }
    });
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
