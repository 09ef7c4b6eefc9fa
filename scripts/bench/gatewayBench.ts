// Benchmark of the simulated Istio ingress gateway (docs/performance.md#gateway): small GETs driven by h2load
// (Debian nghttp2-client) through four paths on the same testbed replicas (testbed.ts), measured in the same run:
//   direct              h2load -> one kube-apiserver replica: the ceiling (what the replica itself costs),
//   gateway             h2load -> our gateway pod (TLS termination, LEAST_REQUEST over pooled upstream HTTP/2, one
//                       worker thread like one Envoy worker) -> 3 replicas,
//   haproxy-random2     h2load -> HAProxy (Debian haproxy) as an HTTP/2 L7 balancer, `balance random(2)`: its
//                       power-of-two-choices mode, the same rule as Envoy's LEAST_REQUEST with choice_count 2,
//   haproxy-roundrobin  the same HAProxy with `balance roundrobin`,
//   envoy               h2load -> real Envoy (the binaries' envoy, the version Istio's gateway embeds) with
//                       LEAST_REQUEST, one worker, configured as the gateway (envoyPeer.ts); skipped without it.
// At fixed total rates (h2load --rps over 4 connections) the p99 difference to `direct` is a balancer's added p99;
// closed loop gives saturation. Per-backend request counts come from each replica's own /metrics, so every balancer
// is counted by the same code. Peers that are missing are installed with apt (peers.ts) or skipped with a message.
// Every h2load run is bounded in time; HAProxy and the workers are stopped on success, failure and Ctrl-C.
// Targets (issue #12): gateway >= 0.5x HAProxy's saturated req/s; added p99 < 5 ms at 2,500 req/s.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onInterrupt } from '../runner/interrupts.ts';
import { h2loadArgs, h2loadVersion, runH2load, type H2loadSummary } from './h2load.ts';
import { findEnvoyPeer, startEnvoyOnTestbed } from './envoyPeer.ts';
import { startHaproxy, type HaproxyBalance } from './haproxy.ts';
import { ensurePeer } from './peers.ts';
import { round } from './stats.ts';
import { benchGetShape, GATEWAY_PORT, REPLICA_PORT, Testbed, totalsDelta, type LoadRate } from './testbed.ts';

export const TARGET_RATIO = 0.5;
export const TARGET_ADDED_P99_MS = 5;
export const TARGET_ADDED_P99_AT = 2500;

export interface GatewayBenchOptions {
  log?: (message: string) => void;
  /** Measured seconds per run; default 5. */
  durationSeconds?: number;
  warmupSeconds?: number;
  /** Fixed total rates of the latency runs; default 1,000, 2,500 and 5,000 req/s. */
  fixedRates?: number[];
}

export type PathName = 'direct' | 'gateway' | 'haproxy-random2' | 'haproxy-roundrobin' | 'envoy';

export interface PathRun extends H2loadSummary {
  /** Requests each replica counted during the run (warm-up included). */
  perBackend: Record<string, number>;
  /** max/mean of perBackend (1 = even). */
  backendMaxOverMean: number;
}

export interface GatewayBenchResult {
  what: string;
  target: string;
  tools: { h2load: string; haproxy?: string; envoy?: string };
  skipped: string[];
  paths: PathName[];
  /** Per fixed rate: each path's run and its p99 minus the direct p99 at that rate (ms). */
  fixedRates: { rate: number; runs: Partial<Record<PathName, PathRun>>; addedP99Ms: Partial<Record<PathName, number>> }[];
  saturation: Partial<Record<PathName, PathRun>>;
  ratios: {
    gatewayOverHaproxyRandom2SaturatedRps?: number;
    gatewayOverHaproxyRoundrobinSaturatedRps?: number;
    gatewayOverDirectSaturatedRps: number;
    gatewayOverEnvoySaturatedRps?: number;
    envoyOverHaproxyRandom2SaturatedRps?: number;
  };
  meetsTarget: { saturatedRatio?: boolean; addedP99: boolean };
}

const HAPROXY_PATHS: Record<'haproxy-random2' | 'haproxy-roundrobin', { balance: HaproxyBalance; index: number }> = {
  'haproxy-random2': { balance: 'random(2)', index: 1 },
  'haproxy-roundrobin': { balance: 'roundrobin', index: 2 },
};

export async function runGatewayBench(options: GatewayBenchOptions = {}): Promise<GatewayBenchResult | { skipped: string }> {
  const log = options.log ?? (() => undefined);
  const durationSeconds = options.durationSeconds ?? 5;
  const warmupSeconds = options.warmupSeconds ?? 1;
  const rates = options.fixedRates ?? [1000, TARGET_ADDED_P99_AT, 5000];
  const h2load = await ensurePeer('h2load', log);
  if (!h2load.ok) return { skipped: h2load.message };
  const haproxyBin = await ensurePeer('haproxy', log);
  const envoyPeer = findEnvoyPeer();
  const skipped = [...(haproxyBin.ok ? [] : [haproxyBin.message]), ...(envoyPeer.ok ? [] : [envoyPeer.message])];
  for (const message of skipped) log(message);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-bench-'));
  const bed = await Testbed.start(3);
  const unregister = onInterrupt(() => bed.close());
  try {
    await bed.startGateway({ index: 0 });
    const connectTo: Partial<Record<PathName, string>> = {
      direct: `${bed.replicaIps[0]}:${REPLICA_PORT}`,
      gateway: `${bed.gatewayIp(0)}:${GATEWAY_PORT}`,
    };
    const haproxyVersion = haproxyBin.ok ? await startHaproxyPaths(bed, haproxyBin.path, dir, connectTo) : undefined;
    const envoy = envoyPeer.ok ? await startEnvoyOnTestbed(bed, envoyPeer.binary, dir) : undefined;
    if (envoy) connectTo.envoy = envoy.address;
    const paths = Object.keys(connectTo) as PathName[];
    log(`paths: ${paths.map((p) => `${p} ${connectTo[p]}`).join(', ')}`);

    const measure = async (name: PathName, rate: LoadRate): Promise<PathRun> => {
      const label = rate === 'saturation' ? rate : `${rate}/s`;
      const logFile = path.join(dir, `${name}-${String(rate)}.tsv`);
      const before = await bed.replicaTotals();
      const run = await runH2load(
        h2loadArgs(benchGetShape(connectTo[name]!, rate, { durationSeconds, warmupSeconds, logFile })),
        logFile,
        durationSeconds,
        h2load.path,
      );
      const perBackend = totalsDelta(await bed.replicaTotals(), before);
      const counts = Object.values(perBackend);
      const mean = counts.reduce((s, n) => s + n, 0) / Math.max(1, counts.length);
      const result = { ...run, perBackend, backendMaxOverMean: round(Math.max(...counts) / Math.max(1, mean)) };
      log(
        `${name.padEnd(18)} ${label.padEnd(10)} ${run.perSecond} req/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms (${run.succeeded}/${run.requests} ok); per backend ${counts.join('/')}`,
      );
      if (run.succeeded === 0 || run.failed > run.requests * 0.01) throw new Error(`${name} ${label}: ${run.failed} of ${run.requests} requests failed`);
      return result;
    };

    const fixedRates: GatewayBenchResult['fixedRates'] = [];
    for (const rate of rates) {
      const runs: Partial<Record<PathName, PathRun>> = {};
      for (const name of paths) runs[name] = await measure(name, rate);
      const addedP99Ms = Object.fromEntries(paths.filter((p) => p !== 'direct').map((p) => [p, round(runs[p]!.latencyMs.p99 - runs.direct!.latencyMs.p99)]));
      fixedRates.push({ rate, runs, addedP99Ms });
    }
    const saturation: Partial<Record<PathName, PathRun>> = {};
    for (const name of paths) saturation[name] = await measure(name, 'saturation');
    const over = (p: PathName) => rpsRatio(saturation.gateway, saturation[p]);
    const atTarget = fixedRates.find((f) => f.rate === TARGET_ADDED_P99_AT);
    const ratios = {
      gatewayOverHaproxyRandom2SaturatedRps: over('haproxy-random2'),
      gatewayOverHaproxyRoundrobinSaturatedRps: over('haproxy-roundrobin'),
      gatewayOverDirectSaturatedRps: over('direct')!,
      gatewayOverEnvoySaturatedRps: over('envoy'),
      envoyOverHaproxyRandom2SaturatedRps: rpsRatio(saturation.envoy, saturation['haproxy-random2']),
    };
    return {
      what: `small GETs (bearer token) over TLS + HTTP/2, h2load -t1 -c4 (-m16 --rps at ${rates.join(', ')} req/s; -m32 closed loop at saturation), ${durationSeconds} s measured after ${warmupSeconds} s warm-up per run; 3 replicas with zero service time in one worker; the gateway pod in one worker; HAProxy nbthread 1; Envoy --concurrency 1`,
      target: `gateway >= ${TARGET_RATIO}x HAProxy's saturated req/s; added p99 < ${TARGET_ADDED_P99_MS} ms at ${TARGET_ADDED_P99_AT} req/s`,
      tools: { h2load: await h2loadVersion(h2load.path), haproxy: haproxyVersion, envoy: envoy?.version },
      skipped,
      paths,
      fixedRates,
      saturation,
      ratios,
      meetsTarget: {
        saturatedRatio: ratios.gatewayOverHaproxyRandom2SaturatedRps === undefined ? undefined : ratios.gatewayOverHaproxyRandom2SaturatedRps >= TARGET_RATIO,
        addedP99: atTarget !== undefined && (atTarget.addedP99Ms.gateway ?? Infinity) < TARGET_ADDED_P99_MS,
      },
    };
  } finally {
    unregister();
    await bed.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** a's saturated req/s over b's, when both ran. */
function rpsRatio(a: PathRun | undefined, b: PathRun | undefined): number | undefined {
  return a && b ? round(a.perSecond / b.perSecond) : undefined;
}

/** Both HAProxy peers on the testbed (stopped with it), their addresses added to `connectTo`; HAProxy's version. */
async function startHaproxyPaths(bed: Testbed, bin: string, dir: string, connectTo: Partial<Record<PathName, string>>): Promise<string> {
  let version = '';
  for (const [name, { balance, index }] of Object.entries(HAPROXY_PATHS)) {
    const haproxyDir = fs.mkdtempSync(path.join(dir, 'haproxy-'));
    const running = await startHaproxy({
      bin,
      dir: haproxyDir,
      ip: bed.gatewayIp(index),
      port: GATEWAY_PORT,
      balance,
      threads: 1,
      replicas: bed.replicas,
      serving: bed.serving,
      caPem: bed.caPem,
    });
    bed.onClose(() => running.stop());
    version = running.version;
    connectTo[name as PathName] = `${bed.gatewayIp(index)}:${GATEWAY_PORT}`;
  }
  return version;
}
