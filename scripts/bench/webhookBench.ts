// Benchmark of the pod-kube-apiserver-load-balancing webhook: the real server in its own worker thread (as in the
// simulator) reading a fixture apiserver through @kubernetes/client-node with a warm read-through cache, driven by
// h2load (HTTP/2, and HTTP/1.1 with --h1, which is what kube-apiserver uses for webhooks) with a valid selected-pod
// AdmissionReview. Per-request latencies come from h2load's --log-file (p50/p99); memory at rest is the webhook
// worker's V8 heap after a full GC, plus the process RSS. Every run is bounded in time. Targets (issues #4, #12):
// >= 3,000 admissions/s with p99 < 5 ms.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { H2LOAD, h2loadVersion, requireH2load, summarizeH2load } from './h2load.ts';
import { startWorkerComponent } from '../../sim/runtime/startComponent.ts';
import { startFixtureApiserver, type FixtureApiserver } from '../webhookRig/fixtureApiserver.ts';
import { applyResponsePatch, pod, projectedKubeconfigVolume, review, SHOOT_NS, ISTIO_NS } from '../webhookRig/pods.ts';
import { h2Client } from '../webhookRig/webhookClient.ts';
import { startServeProcess, writeFixtureKubeconfig } from '../webhookRig/serveProcess.ts';
import { generateWebhookCertificates, type WebhookCertificates } from '../../webhook/certs.ts';
import { WEBHOOK_PATH } from '../../webhook/constants.ts';
import webhookPod, { type WebhookPodConfig } from '../../sim/webhookPod.ts';
import type { HandleOf } from '../../sim/runtime/component.ts';

export interface WebhookBenchOptions {
  log?: (message: string) => void;
  /** Measured seconds per run (h2load -D); default 10. */
  durationSeconds?: number;
  /** Warm-up seconds per run (h2load --warm-up-time); default 2. */
  warmupSeconds?: number;
  /** Runs to make; default DEFAULT_RUNS. */
  runs?: RunPlan[];
  /** Read-through cache TTL of the webhook (ms); default 60 s, so the measured admissions hit a warm cache. */
  cacheTtlMs?: number;
  h2loadPath?: string;
}

export interface RunPlan {
  protocol: 'h2' | 'http/1.1';
  /** h2load -c */
  connections: number;
  /** h2load -m (1 for HTTP/1.1) */
  streams: number;
  purpose: 'target' | 'saturation';
}

/** Concurrency levels: 1, 8 and 32 in flight over one h2 connection, 8 HTTP/1.1 connections, then 4x32 (saturation). */
export const DEFAULT_RUNS: RunPlan[] = [
  { protocol: 'h2', connections: 1, streams: 1, purpose: 'target' },
  { protocol: 'h2', connections: 1, streams: 8, purpose: 'target' },
  { protocol: 'h2', connections: 1, streams: 32, purpose: 'target' },
  { protocol: 'http/1.1', connections: 8, streams: 1, purpose: 'target' },
  { protocol: 'h2', connections: 4, streams: 32, purpose: 'saturation' },
];

export interface RunResult {
  protocol: 'h2' | 'http/1.1';
  purpose: 'target' | 'saturation';
  connections: number;
  streamsPerConnection: number;
  requests: number;
  succeeded: number;
  failed: number;
  admissionsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  meetsTarget: boolean;
}

export interface WebhookBenchResult {
  what: string;
  target: string;
  tool: string;
  runs: RunResult[];
  /** The worker's own V8 heap after a full GC (RSS there is the whole test process), and a standalone `serve` process. */
  memoryAtRest: { workerBeforeLoad: Memory; workerAfterLoad: Memory; standaloneServe: { rssMiB: number; heapUsedMiB?: number } };
  apiserverReads: { reads: number; cacheHits: number; coalesced: number; sockets: number };
  serverCounted: { mutated: number; errored: number };
}

interface Memory {
  heapUsedMiB: number;
  heapTotalMiB: number;
  processRssMiB: number;
}

const TARGET_RPS = 3000;
const TARGET_P99_MS = 5;

export async function runWebhookBench(options: WebhookBenchOptions = {}): Promise<WebhookBenchResult> {
  const log = options.log ?? (() => undefined);
  const duration = options.durationSeconds ?? 10;
  const warmup = options.warmupSeconds ?? 2;
  const h2load = options.h2loadPath ?? H2LOAD;
  requireH2load(h2load);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-bench-'));
  const api = await startFixtureApiserver();
  let webhook: HandleOf<typeof webhookPod> | undefined;
  try {
    api.setObject('configmaps', SHOOT_NS, 'istio-internal-load-balancing', { data: { hosts: 'api.example.com', 'istio-namespace': ISTIO_NS } });
    api.setObject('services', ISTIO_NS, 'istio-ingressgateway-internal', { spec: { clusterIPs: ['10.10.10.10', '3fff::2'] } });
    const certs = await generateWebhookCertificates({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const config: WebhookPodConfig = {
      host: '127.0.0.1',
      port: 0,
      tls: certs,
      kube: { server: api.url, caPem: api.caPem, token: api.token },
      cacheTtlMs: options.cacheTtlMs ?? 60_000,
      logLevel: 'error',
    };
    webhook = await startWorkerComponent(webhookPod, { name: 'webhook', config });
    const url = `${webhook.info.url}${WEBHOOK_PATH}`;
    log(`webhook worker at ${url} (cache TTL ${config.cacheTtlMs} ms)`);

    // Warm the cache and check that the answer is the right mutation before measuring anything.
    const subject = pod({ volumes: [projectedKubeconfigVolume()] });
    const body = JSON.stringify(review(subject));
    const bodyFile = path.join(dir, 'review.json');
    fs.writeFileSync(bodyFile, body);
    const client = h2Client(webhook.info.url, certs.caPem);
    try {
      for (let i = 0; i < 20; i++) {
        const answer = (await client.post(WEBHOOK_PATH, body)).json();
        const after = applyResponsePatch(subject, answer.response.patch);
        if (after.spec.hostAliases?.length !== 2) throw new Error(`warm-up: unexpected answer ${JSON.stringify(answer).slice(0, 300)}`);
      }
    } finally {
      client.close();
    }
    const beforeLoad = await memoryAtRest(webhook);
    log(`memory at rest before load: ${JSON.stringify(beforeLoad)}`);

    const runs: RunResult[] = [];
    for (const [i, plan] of (options.runs ?? DEFAULT_RUNS).entries()) {
      const logFile = path.join(dir, `latency-${i}.tsv`);
      const args = [
        '-D',
        String(duration),
        '--warm-up-time',
        String(warmup),
        '-c',
        String(plan.connections),
        '-m',
        String(plan.streams),
        '-t',
        '1',
        '-d',
        bodyFile,
        '-H',
        'content-type: application/json',
        '--log-file',
        logFile,
        ...(plan.protocol === 'http/1.1' ? ['--h1'] : []),
        url,
      ];
      log(`h2load ${args.join(' ')}`);
      const result = await execa(h2load, args, { reject: false, timeout: (duration + warmup + 30) * 1000 });
      if (result.exitCode !== 0) throw new Error(`h2load failed (exit ${result.exitCode}): ${result.stderr || result.stdout}`);
      const run = parseRun(plan, String(result.stdout), fs.readFileSync(logFile, 'utf8'), duration);
      log(
        `${plan.protocol} ${plan.connections}x${plan.streams} (${plan.purpose}): ${run.admissionsPerSecond} admissions/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms (${run.succeeded}/${run.requests} ok)`,
      );
      runs.push(run);
    }

    const afterLoad = await memoryAtRest(webhook);
    log(`memory at rest after load: ${JSON.stringify(afterLoad)}`);
    const standaloneServe = await standaloneMemory(dir, api, certs, body, log);
    const apiserverReads = await webhook.remote.readerStats();
    const metrics = await webhook.remote.metricsText();
    const counted = (result: string) =>
      Number(new RegExp(`pod_kube_apiserver_load_balancing_admissions_total\\{result="${result}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    return {
      what: 'pod-kube-apiserver-load-balancing webhook in a worker thread, warm read-through cache, valid selected-pod AdmissionReview (mutation with 2 host aliases + label), driven by h2load',
      target: `>= ${TARGET_RPS} admissions/s with p99 < ${TARGET_P99_MS} ms`,
      tool: await h2loadVersion(h2load),
      runs,
      memoryAtRest: { workerBeforeLoad: beforeLoad, workerAfterLoad: afterLoad, standaloneServe },
      apiserverReads,
      serverCounted: { mutated: counted('mutated'), errored: counted('errored') },
    };
  } finally {
    await webhook?.close();
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * RSS of the deployable server alone: `webhook serve --kubeconfig` as its own process (node + tsx), after 200 warm
 * admissions and 1 s of rest, read from /proc/<pid>/status.
 */
async function standaloneMemory(
  dir: string,
  api: FixtureApiserver,
  certs: WebhookCertificates,
  body: string,
  log: (m: string) => void,
): Promise<{ rssMiB: number }> {
  fs.writeFileSync(path.join(dir, 'tls.crt'), certs.certPem);
  fs.writeFileSync(path.join(dir, 'tls.key'), certs.keyPem, { mode: 0o600 });
  const kubeconfig = writeFixtureKubeconfig(dir, api);
  const { child, url } = await startServeProcess(
    ['--kubeconfig', kubeconfig, '--tls-cert', path.join(dir, 'tls.crt'), '--tls-key', path.join(dir, 'tls.key'), '--port', '0', '--cache-ttl', '60000'],
    60_000,
  );
  try {
    const client = h2Client(url, certs.caPem);
    try {
      for (let i = 0; i < 200; i++) await client.post(WEBHOOK_PATH, body);
    } finally {
      client.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
    const rssMiB = Math.round((rssKb / 1024) * 10) / 10;
    log(`standalone \`webhook serve\` RSS at rest: ${rssMiB} MiB`);
    return { rssMiB };
  } finally {
    child.kill('SIGTERM');
    await child;
  }
}

async function memoryAtRest(webhook: HandleOf<typeof webhookPod>): Promise<Memory> {
  await new Promise((resolve) => setTimeout(resolve, 200));
  await webhook.remote.gc();
  const m = await webhook.remote.memory();
  const mib = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
  return { heapUsedMiB: mib(m.heapUsedBytes), heapTotalMiB: mib(m.heapTotalBytes), processRssMiB: mib(m.processRssBytes) };
}

/** One run's figures in the report's shape. */
export function parseRun(plan: RunPlan, stdout: string, logText: string, durationSeconds: number): RunResult {
  const run = summarizeH2load(stdout, logText, durationSeconds);
  return {
    protocol: plan.protocol,
    purpose: plan.purpose,
    connections: plan.connections,
    streamsPerConnection: plan.streams,
    requests: run.requests,
    succeeded: run.succeeded,
    failed: run.failed,
    admissionsPerSecond: run.perSecond,
    latencyMs: run.latencyMs,
    meetsTarget: run.perSecond >= TARGET_RPS && run.latencyMs.p99 < TARGET_P99_MS,
  };
}

// Standalone: tsx scripts/bench/webhookBench.ts [seconds]
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await runWebhookBench({ log: (m) => console.error(m), durationSeconds: Number(process.argv[2] ?? 10) });
  console.log(JSON.stringify(result, null, 2));
}
