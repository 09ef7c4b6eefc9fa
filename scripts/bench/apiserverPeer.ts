// The real kube-apiserver as the peer of the simulated replica (docs/performance.md#kube-apiserver-peer): one
// kube-apiserver v1.34 (`npm run binaries`) on etcd 3.6 on loopback, with envtest's minimum flags (controller-runtime
// pkg/internal/testing/controlplane/apiserver.go; the same ones the binary target's seed uses) and API Priority and
// Fairness on (its default), driven by h2load (the bench's load generator) at saturation:
//   get    GET of one small ConfigMap,
//   list   LIST of a namespace holding 500 small ConfigMaps (served from the watch cache, kube-apiserver's default
//          for a LIST without resourceVersion=""... since 1.31: consistent reads from cache, KEP-2340),
//   watch  fan-out: W watches on the namespace, U updates of one ConfigMap; events delivered per second.
// Each figure is req/s (or events/s) and per CPU-second of the kube-apiserver process (utime + stime from
// /proc/<pid>/stat, proc(5)), so the machine's other load does not hide the cost; next to it, the capacity the
// simulated replica is configured with in the library scenarios (workers / service time, sim/apiserver), which is
// what the scenarios' 429s depend on.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { locateBinary, missingBinaryMessage } from '../binaries/locate.ts';
import { ETCD_VERSION, KUBERNETES_VERSION } from '../binaries/versions.ts';
import { startEtcd } from '../targets/binary/etcdMember.ts';
import { freePort } from '../targets/binary/freePort.ts';
import { startKubeApiserver, type KubeApiserverProcess } from '../targets/binary/kubeApiserverProcess.ts';
import { parsePrometheusText, sumOf } from '../measure/promText.ts';
import { pollUntil } from '../core/poll.ts';
import { h2loadArgs, runH2load, type H2loadSummary } from './h2load.ts';
import { round } from './stats.ts';

const TOKEN = 'bench-peer-token';
const NAMESPACE = 'bench';
const HOST = '127.0.0.1';

export interface ApiserverPeerOptions {
  h2loadPath: string;
  log?: (message: string) => void;
  durationSeconds?: number;
  /** ConfigMaps in the listed namespace (default 500). */
  objects?: number;
  watchers?: number;
  updates?: number;
}

export interface PeerFigure {
  perSecond: number;
  cpuSeconds: number;
  perCpuSecond: number;
  p50Ms?: number;
  p99Ms?: number;
  failed?: number;
}

export interface ApiserverPeerResult {
  what: string;
  versions: { kubeApiserver: string; etcd: string };
  get: PeerFigure;
  list: PeerFigure & { objects: number };
  watch: PeerFigure & { watchers: number; updates: number; delivered: number };
}

/** utime + stime of a process, seconds (proc(5): fields 14 and 15, in clock ticks of 1/100 s on Linux). */
export function cpuSecondsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export async function runApiserverPeerBench(options: ApiserverPeerOptions): Promise<ApiserverPeerResult | { skipped: string }> {
  const apiserverBin = locateBinary('kube-apiserver');
  const etcdBin = locateBinary('etcd');
  if (!apiserverBin || !etcdBin) return { skipped: missingBinaryMessage(apiserverBin ? 'etcd' : 'kube-apiserver') };
  const log = options.log ?? (() => undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apiserver-peer-'));
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const etcd = await startEtcd({
      binary: etcdBin,
      name: 'bench-etcd',
      host: HOST,
      clientPort: await freePort(),
      peerPort: await freePort(),
      dataDir: path.join(dir, 'etcd'),
      logFile: path.join(dir, 'etcd.log'),
    });
    stops.push(() => etcd.process.stop(5_000));
    const apiserver = await startApiserver(apiserverBin, etcd.clientUrl, dir);
    stops.push(() => apiserver.close());
    const pid = apiserver.process.pid!;
    const objects = options.objects ?? 500;
    await seedObjects(apiserver.url, objects);
    log(`kube-apiserver ${KUBERNETES_VERSION} at ${apiserver.url}, ${objects} ConfigMaps in ${NAMESPACE}`);
    const duration = options.durationSeconds ?? 5;
    const h2 = (uri: string, streams: number) => saturate(options.h2loadPath, apiserver, uri, streams, duration, dir);
    const get = await h2(`/api/v1/namespaces/${NAMESPACE}/configmaps/cm-0`, 32);
    log(`GET: ${get.perSecond} req/s, ${get.perCpuSecond} per CPU-second`);
    const list = await h2(`/api/v1/namespaces/${NAMESPACE}/configmaps`, 4);
    log(`LIST of ${objects}: ${list.perSecond} req/s, ${list.perCpuSecond} per CPU-second`);
    const watch = await watchFanOut(apiserver.url, pid, options.watchers ?? 200, options.updates ?? 50);
    log(`WATCH fan-out: ${watch.delivered} events in ${watch.perSecond} events/s, ${watch.perCpuSecond} per CPU-second`);
    return {
      what: `one kube-apiserver on one etcd on loopback, h2load -c4 closed loop ${duration} s (GET -m32, LIST -m4), bearer token of system:masters; CPU of the kube-apiserver process`,
      versions: { kubeApiserver: KUBERNETES_VERSION, etcd: ETCD_VERSION },
      get,
      list: { ...list, objects },
      watch,
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function startApiserver(binary: string, etcdUrl: string, dir: string): Promise<KubeApiserverProcess> {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
    return path.join(dir, name);
  };
  const port = await freePort();
  return startKubeApiserver({
    name: 'bench-kube-apiserver',
    binary,
    url: `https://${HOST}:${port}`,
    logFile: path.join(dir, 'kube-apiserver.log'),
    headers: { authorization: `Bearer ${TOKEN}` },
    args: [
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${HOST}`,
      `--secure-port=${port}`,
      `--cert-dir=${path.join(dir, 'certs')}`,
      `--token-auth-file=${file('tokens.csv', `${TOKEN},bench-admin,bench-admin,"system:masters"\n`)}`,
      '--authorization-mode=RBAC',
      '--disable-admission-plugins=ServiceAccount',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${file('sa.pub', publicKey.export({ type: 'spki', format: 'pem' }).toString())}`,
      `--service-account-signing-key-file=${file('sa.key', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())}`,
      '--profiling=false',
    ],
  });
}

/** Requests over one HTTP/2 session to the bench server (self-signed: not verified, as h2load does not verify). */
function session(url: string): http2.ClientHttp2Session {
  return http2.connect(url, { rejectUnauthorized: false });
}

function request(
  s: http2.ClientHttp2Session,
  method: string,
  pathName: string,
  body?: object,
  contentType = 'application/json',
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const stream = s.request({ ':method': method, ':path': pathName, authorization: `Bearer ${TOKEN}`, 'content-type': contentType });
    let status = 0;
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => resolve({ status, text }));
    stream.on('error', reject);
    stream.end(body ? JSON.stringify(body) : undefined);
  });
}

async function seedObjects(url: string, count: number): Promise<void> {
  const s = session(url);
  try {
    const ns = await request(s, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    if (ns.status !== 201 && ns.status !== 409) throw new Error(`creating namespace ${NAMESPACE}: HTTP ${ns.status} ${ns.text.slice(0, 200)}`);
    for (let i = 0; i < count; i += 20) {
      const batch = Array.from({ length: Math.min(20, count - i) }, (_, k) =>
        request(s, 'POST', `/api/v1/namespaces/${NAMESPACE}/configmaps`, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `cm-${i + k}` },
          data: { key: 'value' },
        }),
      );
      for (const r of await Promise.all(batch)) if (r.status !== 201) throw new Error(`creating a ConfigMap: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    }
  } finally {
    s.close();
  }
}

/** apiserver_request_total of the server now (all verbs and codes). */
async function requestsCounted(apiserver: KubeApiserverProcess): Promise<number> {
  const metrics = await apiserver.get('/metrics');
  if (metrics.status !== 200) throw new Error(`GET /metrics: HTTP ${metrics.status}`);
  return sumOf(parsePrometheusText(metrics.body), 'apiserver_request_total');
}

async function saturate(h2load: string, apiserver: KubeApiserverProcess, uri: string, streams: number, duration: number, dir: string): Promise<PeerFigure> {
  const url = apiserver.url;
  const pid = apiserver.process.pid!;
  const logFile = path.join(dir, `h2load-${crypto.randomUUID()}.tsv`);
  const counted = await requestsCounted(apiserver);
  const before = cpuSecondsOf(pid);
  const run: H2loadSummary = await runH2load(
    h2loadArgs({
      connectTo: url.replace('https://', ''),
      uri: `${url}${uri}`,
      connections: 4,
      streams,
      durationSeconds: duration,
      warmupSeconds: 1,
      headers: [`authorization: Bearer ${TOKEN}`],
      logFile,
    }),
    logFile,
    duration,
    h2load,
  );
  // CPU and requests over warm-up and measured time together, both read from the server itself.
  const cpuSeconds = cpuSecondsOf(pid) - before;
  const totalRequests = (await requestsCounted(apiserver)) - counted - 1;
  return {
    perSecond: round(run.perSecond, 0),
    cpuSeconds: round(cpuSeconds),
    perCpuSecond: round(totalRequests / Math.max(0.01, cpuSeconds), 0),
    p50Ms: run.latencyMs.p50,
    p99Ms: run.latencyMs.p99,
    failed: run.failed,
  };
}

/**
 * W watches of one ConfigMap (50 per HTTP/2 connection), then U updates of it back to back; done when every watch has
 * seen every update (bounded: 60 s). Events delivered per second of that, and per CPU-second of the server.
 */
async function watchFanOut(
  url: string,
  pid: number,
  watchers: number,
  updates: number,
): Promise<PeerFigure & { watchers: number; updates: number; delivered: number }> {
  const sessions = Array.from({ length: Math.ceil(watchers / 50) }, () => session(url));
  const seen: number[] = Array.from({ length: watchers }, () => 0);
  const streams: http2.ClientHttp2Stream[] = [];
  try {
    const cm = `/api/v1/namespaces/${NAMESPACE}/configmaps/cm-0`;
    const current = JSON.parse((await request(sessions[0]!, 'GET', cm)).text) as { metadata: { resourceVersion: string } };
    const query = `watch=1&fieldSelector=metadata.name%3Dcm-0&resourceVersion=${current.metadata.resourceVersion}`;
    for (let w = 0; w < watchers; w++) {
      const stream = sessions[Math.floor(w / 50)]!.request({
        ':method': 'GET',
        ':path': `/api/v1/namespaces/${NAMESPACE}/configmaps?${query}`,
        authorization: `Bearer ${TOKEN}`,
      });
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (seen[w]! += chunk.split('\n').filter((line) => line.includes('"MODIFIED"')).length));
      stream.on('error', () => undefined);
      streams.push(stream);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = cpuSecondsOf(pid);
    const started = performance.now();
    for (let u = 0; u < updates; u++) {
      const r = await request(sessions[0]!, 'PATCH', cm, { data: { key: `value-${u}` } }, 'application/merge-patch+json');
      if (r.status !== 200) throw new Error(`PATCH ${cm}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    }
    await pollUntil(
      () => Math.min(...seen),
      (min) => min >= updates,
      { timeoutMs: 60_000, intervalMs: 5, what: `${watchers} watches to see ${updates} updates` },
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuSecondsOf(pid) - before;
    const delivered = seen.reduce((a, b) => a + b, 0);
    return {
      watchers,
      updates,
      delivered,
      perSecond: round(delivered / seconds, 0),
      cpuSeconds: round(cpuSeconds),
      perCpuSecond: round(delivered / Math.max(0.01, cpuSeconds), 0),
    };
  } finally {
    for (const stream of streams) stream.close();
    for (const s of sessions) s.close();
  }
}

/** The simulated replica's configured capacity, req/s per replica: workers / service time (sim/apiserver, scenarios/schema.ts). */
export function simulatedCapacity(workers: number, serviceTimeMs: number): number {
  return serviceTimeMs > 0 ? round((workers * 1000) / serviceTimeMs, 0) : Infinity;
}

export function apiserverPeerTable(r: ApiserverPeerResult): string {
  const line = (name: string, f: PeerFigure, sim: string) =>
    `${name.padEnd(26)} ${String(f.perSecond).padStart(8)} /s  ${String(f.perCpuSecond).padStart(8)} per CPU-s  ${f.p99Ms === undefined ? '' : `p99 ${f.p99Ms} ms  `}${sim}`;
  return [
    `kube-apiserver ${r.versions.kubeApiserver}, etcd ${r.versions.etcd}: ${r.what}`,
    line(
      'GET one ConfigMap',
      r.get,
      `simulated replica: ${simulatedCapacity(2, 2)}/s (defaults: 2 workers, get 2 ms), overload.yaml ${simulatedCapacity(2, 8)}/s`,
    ),
    line(
      `LIST of ${r.list.objects} ConfigMaps`,
      r.list,
      `simulated replica: ${simulatedCapacity(2, 8)}/s (defaults: list 8 ms, any size), overload.yaml ${simulatedCapacity(2, 24)}/s`,
    ),
    line(`WATCH fan-out ${r.watch.watchers}x${r.watch.updates}`, r.watch, 'events/s'),
  ].join('\n');
}
