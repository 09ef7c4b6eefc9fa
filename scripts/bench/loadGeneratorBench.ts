// Benchmark of the load generator (sim/clients) against h2load on the same backend (docs/performance.md#load-generator):
// one kube-apiserver replica with zero service time in its own worker, small GETs, and
//   h2load     -c 1 -m 100 (one connection, 100 streams), closed loop: the peer;
//   transport  our client-go transport model (sim/clients/h2Transport.ts) in its own worker, one connection, 100
//              requests in flight, closed loop (loadGeneratorWorker.ts): the same shape as h2load;
// interleaved, round after round, medians reported. Then the generator as scenarios run it: one client-go pod (the
// clients component, sim/clients/clients.ts: open-loop schedule, token bucket, retries, accounting) on a ladder of
// offered rates, up to the highest rate it still sends on time (send lag p99 under the self-check's threshold), gets
// answered at (>= 98 % of offered) and serves over one connection (client-go opens a second one past 100 streams).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import clientPods from '../../sim/clients/clients.ts';
import { startWorkerComponent } from '../../sim/runtime/startComponent.ts';
import { clientPodIp } from '../cluster/addresses.ts';
import { mergeEncodedHistograms } from '../measure/latency.ts';
import { SELF_CHECK_THRESHOLDS } from '../runner/selfCheck.ts';
import { h2loadArgs, h2loadVersion, runH2load, type H2loadSummary } from './h2load.ts';
import loadGenerator, { type ClosedLoopResult } from './loadGeneratorWorker.ts';
import { ensurePeer } from './peers.ts';
import { median, round } from './stats.ts';
import { BENCH_NAMESPACE, BENCH_TOKEN, OBJECT_PATH, REPLICA_PORT, Testbed } from './testbed.ts';
import type { ClientPodSpec } from '../core/clientPod.ts';

export interface LoadGeneratorBenchOptions {
  log?: (message: string) => void;
  rounds?: number;
  durationSeconds?: number;
  /** Offered rates of the open-loop ladder (req/s). */
  ladder?: number[];
}

export interface OpenLoopStep {
  offered: number;
  achieved: number;
  sendLagP99Ms: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  connections: number;
  cpuUsPerRequest: number;
  ok: boolean;
}

export interface LoadGeneratorBenchResult {
  what: string;
  target: string;
  tool: string;
  rounds: { h2load: H2loadSummary; transport: ClosedLoopResult & { cpuUsPerRequest: number } }[];
  median: { h2loadPerSecond: number; transportPerSecond: number; transportCpuUsPerRequest: number };
  ratioTransportOverH2load: number;
  openLoop: { steps: OpenLoopStep[]; maxSustained: number; stoppedBecause: string; ratioOverH2load: number };
  meetsTarget: boolean;
}

const CONCURRENCY = 100;
const TARGET_RATIO = 0.5;

export async function runLoadGeneratorBench(options: LoadGeneratorBenchOptions = {}): Promise<LoadGeneratorBenchResult | { skipped: string }> {
  const log = options.log ?? (() => undefined);
  const rounds = options.rounds ?? 3;
  const seconds = options.durationSeconds ?? 6;
  const h2load = await ensurePeer('h2load', log);
  if (!h2load.ok) return { skipped: h2load.message };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadgen-bench-'));
  const bed = await Testbed.start(1);
  try {
    const replica = bed.replicas[0]!;
    const generator = await startWorkerComponent(loadGenerator, {
      name: 'load-generator',
      config: {
        ip: replica.ip,
        port: replica.port,
        servername: 'kube-apiserver',
        caPem: bed.caPem,
        token: BENCH_TOKEN,
        sourceIp: clientPodIp(bed.addresses, 0),
      },
    });
    bed.onClose(() => generator.close());
    const h2loadRun = async (label: string) => {
      const logFile = path.join(dir, `h2load-${label}.tsv`);
      const args = h2loadArgs({
        connectTo: `${replica.ip}:${replica.port}`,
        uri: `https://kube-apiserver:${REPLICA_PORT}${OBJECT_PATH}`,
        connections: 1,
        streams: CONCURRENCY,
        durationSeconds: seconds,
        warmupSeconds: 1,
        headers: [`authorization: Bearer ${BENCH_TOKEN}`],
        logFile,
      });
      return runH2load(args, logFile, seconds, h2load.path);
    };
    const transportRun = async () => {
      await generator.health(true);
      const result = await generator.remote.closedLoop(OBJECT_PATH, CONCURRENCY, seconds);
      const health = await generator.health(true);
      // The thread's CPU covers the warm-up second too: per request over everything it sent.
      const sent = result.requests * ((seconds + 1) / seconds);
      return { ...result, cpuUsPerRequest: Math.round((health.cpuMs * 1000) / Math.max(1, sent)) };
    };
    await h2loadRun('warm');
    const results: LoadGeneratorBenchResult['rounds'] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate who goes first, so a busy moment of the machine does not always hit the same one.
      let peer: H2loadSummary;
      let ours: Awaited<ReturnType<typeof transportRun>>;
      if (r % 2 === 0) {
        peer = await h2loadRun(String(r));
        ours = await transportRun();
      } else {
        ours = await transportRun();
        peer = await h2loadRun(String(r));
      }
      log(
        `round ${r}: h2load -c1 -m${CONCURRENCY} ${peer.perSecond} req/s (p99 ${peer.latencyMs.p99} ms); transport 1x${CONCURRENCY} ${ours.perSecond} req/s (p99 ${ours.latencyMs.p99} ms, ${ours.cpuUsPerRequest} µs CPU/request, ${ours.connectionsOpened} connection)`,
      );
      results.push({ h2load: peer, transport: ours });
    }
    const h2loadMedian = median(results.map((r) => r.h2load.perSecond));
    const transportMedian = median(results.map((r) => r.transport.perSecond));
    const openLoop = await openLoopLadder(bed, options.ladder ?? [2000, 4000, 6000, 8000, 10000, 12000, 14000, 16000], seconds, log);
    const ratio = round(transportMedian / h2loadMedian);
    return {
      what: `GET ${OBJECT_PATH} against one kube-apiserver replica (zero service time, own worker); closed loop over one connection with ${CONCURRENCY} requests in flight: h2load -c1 -m${CONCURRENCY} -t1 vs the client-go transport model in its own worker; then one client-go pod (clients component) on an open-loop ladder`,
      target: `load generator >= ${TARGET_RATIO}x h2load`,
      tool: await h2loadVersion(h2load.path),
      rounds: results,
      median: {
        h2loadPerSecond: h2loadMedian,
        transportPerSecond: transportMedian,
        transportCpuUsPerRequest: median(results.map((r) => r.transport.cpuUsPerRequest)),
      },
      ratioTransportOverH2load: ratio,
      openLoop: { ...openLoop, ratioOverH2load: round(openLoop.maxSustained / h2loadMedian) },
      meetsTarget: ratio >= TARGET_RATIO,
    };
  } finally {
    await bed.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One client-go pod, as a scenario runs it, on rising offered rates until it can no longer keep up. */
async function openLoopLadder(
  bed: Testbed,
  ladder: number[],
  seconds: number,
  log: (m: string) => void,
): Promise<{ steps: OpenLoopStep[]; maxSustained: number; stoppedBecause: string }> {
  const replica = bed.replicas[0]!;
  const spec = (rate: number): ClientPodSpec => ({
    name: 'loadgen-0',
    group: 'loadgen',
    namespace: BENCH_NAMESPACE,
    ip: clientPodIp(bed.addresses, 1),
    labels: {},
    hostAliases: [],
    kubeconfig: { server: `https://${replica.ip}:${replica.port}`, caPem: bed.caPem, token: BENCH_TOKEN, tlsServerName: 'kube-apiserver' },
    profile: 'client-go',
    // Far above the offered rate: the figure is the generator's, not client-go's limiter.
    qps: 1_000_000,
    burst: 1_000_000,
    rate,
    arrival: 'constant',
    mix: [{ verb: 'get', resource: 'configmaps', weight: 1, objects: 1 }],
    watches: [],
    http1: { connections: 1 },
    maxRetries: 0,
  });
  const steps: OpenLoopStep[] = [];
  let stoppedBecause = `the ladder ended at ${ladder.at(-1)} req/s`;
  for (const offered of ladder) {
    // A fresh pod per step: its connection count and send lag start from zero.
    const pods = await startWorkerComponent(clientPods, {
      name: 'clients-loadgen',
      config: { randomSeed: 1, pods: [spec(offered)], services: [], privilegedPortOffset: 10_000, clusterDomain: 'cluster.local' },
    });
    try {
      await pods.remote.prepare();
      await pods.health(true);
      const [result] = await pods.remote.run({ durationMs: seconds * 1000, maxRequests: offered * seconds * 2, drainTimeoutMs: 5_000 });
      const health = await pods.health(true);
      const answered = Object.values(result!.finalByCode).reduce((s, n) => s + n, 0);
      const lag = mergeEncodedHistograms([result!.sendLagHistogram]);
      const latency = mergeEncodedHistograms([result!.latencyHistogram]);
      const step: OpenLoopStep = {
        offered,
        achieved: Math.round(answered / seconds),
        sendLagP99Ms: round(lag.p99Ms),
        latencyP50Ms: round(latency.p50Ms),
        latencyP99Ms: round(latency.p99Ms),
        connections: result!.connections.opened,
        cpuUsPerRequest: Math.round((health.cpuMs * 1000) / Math.max(1, answered)),
        ok: false,
      };
      const why =
        step.sendLagP99Ms > SELF_CHECK_THRESHOLDS.clientSendLagP99Ms
          ? `at ${offered} req/s the schedule sent late (send lag p99 ${step.sendLagP99Ms} ms > ${SELF_CHECK_THRESHOLDS.clientSendLagP99Ms} ms)`
          : step.achieved < offered * 0.98
            ? `at ${offered} req/s only ${step.achieved} req/s were answered`
            : step.connections > 1
              ? `at ${offered} req/s more than 100 requests were in flight and client-go opened a second connection`
              : undefined;
      step.ok = why === undefined;
      steps.push(step);
      log(
        `open loop ${offered} req/s offered: ${step.achieved} answered/s, send lag p99 ${step.sendLagP99Ms} ms, latency p50/p99 ${step.latencyP50Ms}/${step.latencyP99Ms} ms, ${step.connections} connection(s), ${step.cpuUsPerRequest} µs CPU/request`,
      );
      if (why) {
        stoppedBecause = why;
        break;
      }
    } finally {
      await pods.close();
    }
  }
  const sustained = steps.filter((s) => s.ok).map((s) => s.achieved);
  return { steps, maxSustained: sustained.length > 0 ? Math.max(...sustained) : 0, stoppedBecause };
}
