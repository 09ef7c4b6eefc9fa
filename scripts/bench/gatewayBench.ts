// Benchmark of the simulated Istio ingress gateway (TLS termination, per-request LEAST_REQUEST over pooled upstream
// HTTP/2): small GETs driven by h2load against three targets measured in the same run on the same replicas:
//   direct   h2load -> one kube-apiserver replica (the baseline: what the apiserver itself costs),
//   gateway  h2load -> gateway pod -> 3 replicas (our Envoy model, one worker thread like one Envoy worker),
//   haproxy  h2load -> HAProxy (mode http, TLS termination, balance leastconn, h2 to the replicas, nbthread 1).
// Two shapes per target: a fixed rate (5,000 req/s over 4 connections, h2load --rps) whose p99 difference to
// `direct` is the gateway's added p99, and a closed-loop saturation run for the maximum rate. Every run is bounded.
// Targets (issue #3): >= 5,000 req/s with an added p99 under 5 ms.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { execa, type ResultPromise } from 'execa';
import controlPlane, { type ControlPlaneConfig } from '../../sim/apiserver/controlPlane.ts';
import gatewayPod, { type GatewayPodConfig } from '../../sim/gateway/gatewayPod.ts';
import { RestClient } from '../../sim/kube/restClient.ts';
import { startWorkerComponent } from '../../sim/runtime/startComponent.ts';
import { gatewayPodIp, replicaIp } from '../cluster/addresses.ts';
import { controlPlaneCertificates, IN_CLUSTER_API_HOST, issueCertificates } from '../cluster/certificates.ts';
import { leaseAddressBlock } from '../targets/local/addressLease.ts';
import { requireTool } from '../tools/externalTools.ts';
import { h2loadVersion, requireH2load, runH2load, type H2loadSummary } from './h2load.ts';

const HOST = 'api.bench.local.gardener.cloud';
const TOKEN = 'bench-token';
const NAMESPACE = 'bench';
const OBJECT_PATH = `/api/v1/namespaces/${NAMESPACE}/configmaps/small`;
const TARGET_RPS = 5000;
const TARGET_ADDED_P99_MS = 5;

export interface GatewayBenchOptions {
  log?: (message: string) => void;
  /** Measured seconds per run; default 10. */
  durationSeconds?: number;
  warmupSeconds?: number;
  /** Fixed total rates of the latency runs; default 5,000 and 2,500 req/s. */
  fixedRates?: number[];
  replicas?: number;
}

type Target = 'direct' | 'gateway' | 'haproxy';

export interface GatewayBenchResult {
  what: string;
  target: string;
  tool: { h2load: string; haproxy: string };
  /** Per fixed rate: the three targets, and the p99 minus the direct p99 at that rate (ms). */
  fixedRates: { rate: number; runs: Record<Target, H2loadSummary>; addedP99Ms: { gateway: number; haproxy: number } }[];
  saturation: Record<Target, H2loadSummary>;
  ratios: { gatewayOverHaproxySaturatedRps: number; gatewayOverHaproxyAddedP99: number; gatewayOverDirectSaturatedRps: number };
  /** Requests per replica as counted by the gateway (its LEAST_REQUEST spread during the runs). */
  gatewayPerReplica: Record<string, number>;
  meetsTarget: boolean;
}

export async function runGatewayBench(options: GatewayBenchOptions = {}): Promise<GatewayBenchResult> {
  const log = options.log ?? (() => undefined);
  const duration = options.durationSeconds ?? 10;
  const warmup = options.warmupSeconds ?? 2;
  const rates = options.fixedRates ?? [TARGET_RPS, TARGET_RPS / 2];
  const replicaCount = options.replicas ?? 3;
  requireH2load();
  const haproxyBin = await findHaproxy();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-bench-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const lease = await leaseAddressBlock();
    cleanups.push(() => lease.release());
    const addresses = { block: lease.block, privilegedPortOffset: 10_000 };
    const ips = Array.from({ length: replicaCount }, (_, i) => replicaIp(addresses, i));
    const pki = await issueCertificates(controlPlaneCertificates(NAMESPACE, [HOST], ips));
    const clusterCaPem = pki.authorities.ca.certPem;
    const serving = pki.certificates['kube-apiserver'];

    // Replicas with zero service time, so the figures are the proxies' cost, not a capacity model's.
    const planeConfig: ControlPlaneConfig = {
      namespace: NAMESPACE,
      replicas: ips.map((ip, i) => ({ name: `kube-apiserver-${i}`, ip, port: 10443 })),
      tls: serving,
      clientCaPem: pki.authorities['ca-client'].certPem,
      frontProxyCaPem: pki.authorities['ca-front-proxy'].certPem,
      tokens: { [TOKEN]: { user: 'system:admin', groups: ['system:masters'] } },
      randomSeed: 1,
      capacity: {
        workers: 64,
        serviceTimeMs: { get: 0, list: 0, create: 0, update: 0, patch: 0, delete: 0, watchSetup: 0 },
        distribution: 'constant',
        maxRequestsInflight: 4000,
        maxMutatingRequestsInflight: 2000,
        retryAfterSeconds: 1,
      },
      goawayChance: 0,
      http2MaxStreamsPerConnection: 100,
    };
    const plane = await startWorkerComponent(controlPlane, { name: 'apiserver', config: planeConfig });
    cleanups.push(() => plane.close());
    await createSmallConfigMap(plane.info.replicas[0]!.url, clusterCaPem);

    const gatewayIp = gatewayPodIp(addresses, 0);
    const gatewayConfig: GatewayPodConfig = {
      name: 'istio-ingressgateway-bench',
      ip: gatewayIp,
      port: 9443,
      mode: 'terminate',
      lbPolicy: 'LEAST_REQUEST',
      choiceCount: 2,
      randomSeed: 1,
      maxConcurrentStreams: 100,
      upstreamConnectionsPerEndpoint: 1,
      controlPlanes: [
        {
          hosts: [HOST],
          servingTls: serving,
          clientCaPem: pki.authorities['ca-client'].certPem,
          upstream: {
            endpoints: plane.info.replicas.map((r) => ({ name: r.name, ip: r.ip, port: r.port })),
            caPem: clusterCaPem,
            sni: IN_CLUSTER_API_HOST,
            frontProxyClient: pki.certificates['istio-gateway-client'],
          },
        },
      ],
    };
    const gateway = await startWorkerComponent(gatewayPod, { name: 'gateway', config: gatewayConfig });
    cleanups.push(() => gateway.close());

    const haproxyIp = gatewayPodIp(addresses, 1);
    const haproxy = await startHaproxy(haproxyBin, dir, haproxyIp, plane.info.replicas, serving, clusterCaPem);
    cleanups.push(() => haproxy.stop());
    log(`replicas ${ips.join(', ')}; gateway ${gatewayIp}:9443; haproxy ${haproxyIp}:9443`);

    const connectTo: Record<Target, string> = {
      direct: `${ips[0]}:10443`,
      gateway: `${gatewayIp}:9443`,
      haproxy: `${haproxyIp}:9443`,
    };
    const h2loadRun = async (target: Target, rate: number | 'saturation'): Promise<H2loadSummary> => {
      const shape = rate === 'saturation' ? rate : `${rate}/s`;
      const logFile = path.join(dir, `${target}-${shape.replace('/', '')}.tsv`);
      const load = rate === 'saturation' ? ['-c', '4', '-m', '32'] : ['-c', '4', '-m', '16', '--rps', String(Math.ceil(rate / 4))];
      // --connect-to picks the target while the URI gives SNI and :authority (the gateway routes and checks both).
      const args = [
        '-t',
        '1',
        ...load,
        '-D',
        String(duration),
        '--warm-up-time',
        String(warmup),
        '-H',
        `authorization: Bearer ${TOKEN}`,
        '--log-file',
        logFile,
        '--connect-to',
        connectTo[target],
        `https://${HOST}${OBJECT_PATH}`,
      ];
      const run = await runH2load(args, logFile, duration);
      log(
        `${target.padEnd(7)} ${shape.padEnd(10)} ${run.perSecond} req/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms (${run.succeeded}/${run.requests} ok)`,
      );
      if (run.succeeded === 0 || run.failed > run.requests * 0.01) throw new Error(`${target} ${shape}: ${run.failed} of ${run.requests} requests failed`);
      return run;
    };
    const targets: Target[] = ['direct', 'gateway', 'haproxy'];
    const fixedRates: GatewayBenchResult['fixedRates'] = [];
    for (const rate of rates) {
      const runs = {} as Record<Target, H2loadSummary>;
      for (const target of targets) runs[target] = await h2loadRun(target, rate);
      const added = (t: Target) => round(runs[t].latencyMs.p99 - runs.direct.latencyMs.p99);
      fixedRates.push({ rate, runs, addedP99Ms: { gateway: added('gateway'), haproxy: added('haproxy') } });
    }
    const saturation = {} as Record<Target, H2loadSummary>;
    for (const target of targets) saturation[target] = await h2loadRun(target, 'saturation');

    const stats = await gateway.remote.stats();
    const gatewayPerReplica = Object.fromEntries(Object.entries(stats.clusters.default ?? {}).map(([host, h]) => [host, h.requests]));
    const atTarget = fixedRates[0]!;
    return {
      what: `small GETs (${OBJECT_PATH}, bearer token) over TLS+HTTP/2 at fixed rates (${rates.join(', ')} req/s) and closed-loop; replicas with zero service time in one worker; the gateway pod in one worker; h2load -t 1`,
      target: `gateway >= ${TARGET_RPS} req/s with added p99 < ${TARGET_ADDED_P99_MS} ms`,
      tool: { h2load: await h2loadVersion(), haproxy: haproxy.version },
      fixedRates,
      saturation,
      ratios: {
        gatewayOverHaproxySaturatedRps: round(saturation.gateway.perSecond / saturation.haproxy.perSecond),
        gatewayOverHaproxyAddedP99: round(atTarget.addedP99Ms.gateway / Math.max(atTarget.addedP99Ms.haproxy, 0.001)),
        gatewayOverDirectSaturatedRps: round(saturation.gateway.perSecond / saturation.direct.perSecond),
      },
      gatewayPerReplica,
      meetsTarget: atTarget.rate >= TARGET_RPS && atTarget.runs.gateway.perSecond >= TARGET_RPS * 0.98 && atTarget.addedP99Ms.gateway < TARGET_ADDED_P99_MS,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function createSmallConfigMap(replicaUrl: string, caPem: string): Promise<void> {
  const client = new RestClient({ server: replicaUrl, caPem, token: TOKEN, servername: 'kube-apiserver' });
  try {
    await client.apply('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    await client.apply(`/api/v1/namespaces/${NAMESPACE}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'small', namespace: NAMESPACE },
      data: { key: 'value' },
    });
  } finally {
    client.close();
  }
}

async function findHaproxy(): Promise<string> {
  return requireTool('haproxy');
}

/** HAProxy as the reference L7 balancer: same certificate, same upstream TLS and SNI, one thread like the gateway pod. */
async function startHaproxy(
  bin: string,
  dir: string,
  ip: string,
  replicas: { ip: string; port: number }[],
  serving: { certPem: string; keyPem: string },
  caPem: string,
): Promise<{ version: string; stop(): Promise<void> }> {
  fs.writeFileSync(path.join(dir, 'haproxy.pem'), `${serving.certPem}\n${serving.keyPem}\n`, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'ca.pem'), caPem);
  const config = [
    'global',
    '  nbthread 1',
    '  maxconn 4000',
    'defaults',
    '  mode http',
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    'frontend gateway',
    `  bind ${ip}:9443 ssl crt ${path.join(dir, 'haproxy.pem')} alpn h2,http/1.1`,
    '  default_backend apiservers',
    'backend apiservers',
    '  balance leastconn',
    '  http-reuse always',
    ...replicas.map(
      (r, i) => `  server r${i} ${r.ip}:${r.port} ssl verify required ca-file ${path.join(dir, 'ca.pem')} sni str(${IN_CLUSTER_API_HOST}) alpn h2`,
    ),
    '',
  ].join('\n');
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, config);
  const check = await execa(bin, ['-c', '-f', file], { reject: false });
  if (check.exitCode !== 0) throw new Error(`haproxy rejected its config: ${check.stderr || check.stdout}`);
  const version = String((await execa(bin, ['-v'], { reject: false })).stdout).split('\n')[0] ?? '';
  const child: ResultPromise = execa(bin, ['-db', '-f', file], { reject: false, cleanup: true });
  await waitForPort(ip, 9443, child);
  return {
    version,
    async stop() {
      child.kill('SIGTERM');
      await child;
    },
  };
}

async function waitForPort(ip: string, port: number, child: ResultPromise): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${String((await child).stderr)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: ip, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`haproxy did not listen on ${ip}:${port} within 10 s`);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

// Standalone: tsx scripts/bench/gatewayBench.ts [seconds]
if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const result = await runGatewayBench({ log: (m) => console.error(m), durationSeconds: Number(process.argv[2] ?? 10) });
  console.log(JSON.stringify(result, null, 2));
}
