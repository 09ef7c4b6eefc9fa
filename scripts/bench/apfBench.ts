// What API Priority and Fairness costs per request in a simulated kube-apiserver replica, APF on and off, measured in
// the same run on the same machine (nothing here is asserted in tests):
// 1. saturation: closed-loop small GETs straight to one replica (h2load -c 4 -m 32, bearer token of a service
//    account, so each request goes through classification, shuffle sharding and the workload-low queue set), the
//    replica in its own worker with zero service time and 64 workers, so the figure is the pipeline's own cost;
// 2. the seeded hot-client scenario (direct mode only, to keep a run short) with topology.controlPlane.apf.enabled
//    true and false: its wall time and per-replica request counts.
//
//   npx tsx scripts/bench/apfBench.ts [--seconds 5] [--skip-scenario]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import controlPlane, { type ControlPlaneConfig } from '../../sim/apiserver/controlPlane.ts';
import { RestClient } from '../../sim/kube/restClient.ts';
import { startWorkerComponent } from '../../sim/runtime/startComponent.ts';
import { replicaIp } from '../cluster/addresses.ts';
import { controlPlaneCertificates, issueCertificates } from '../cluster/certificates.ts';
import { parsePrometheusText, sumOf } from '../measure/promText.ts';
import { leaseAddressBlock } from '../targets/local/addressLease.ts';
import { h2loadVersion, requireH2load, runH2load, type H2loadSummary } from './h2load.ts';

const ADMIN = 'bench-admin';
const SA = 'bench-sa';
const NAMESPACE = 'bench';
const OBJECT_PATH = `/api/v1/namespaces/${NAMESPACE}/configmaps/small`;

async function saturation(
  apf: boolean,
  seconds: number,
  log: (m: string) => void,
  streams = 32,
  token = SA,
): Promise<H2loadSummary & { apfDispatched: number }> {
  const lease = await leaseAddressBlock();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apf-bench-'));
  try {
    const ip = replicaIp({ block: lease.block, privilegedPortOffset: 10_000 }, 0);
    const pki = await issueCertificates(controlPlaneCertificates(NAMESPACE, [], [ip]));
    const config: ControlPlaneConfig = {
      namespace: NAMESPACE,
      replicas: [{ name: 'kube-apiserver-0', ip, port: 10443 }],
      tls: pki.certificates['kube-apiserver'],
      clientCaPem: pki.authorities['ca-client'].certPem,
      frontProxyCaPem: pki.authorities['ca-front-proxy'].certPem,
      tokens: {
        [ADMIN]: { user: 'system:admin', groups: ['system:masters'] },
        [SA]: { user: `system:serviceaccount:${NAMESPACE}:controller`, groups: ['system:serviceaccounts', `system:serviceaccounts:${NAMESPACE}`] },
      },
      randomSeed: 1,
      capacity: {
        workers: 64,
        serviceTimeMs: { get: 0, list: 0, create: 0, update: 0, patch: 0, delete: 0, watchSetup: 0 },
        distribution: 'constant',
        maxRequestsInflight: 400,
        maxMutatingRequestsInflight: 200,
        retryAfterSeconds: 1,
      },
      goawayChance: 0,
      http2MaxStreamsPerConnection: 100,
      apf: { enabled: apf },
    };
    const plane = await startWorkerComponent(controlPlane, { name: 'apiserver', config });
    try {
      const url = plane.info.replicas[0]!.url;
      const admin = new RestClient({ server: url, caPem: pki.authorities.ca.certPem, token: ADMIN, servername: 'kube-apiserver' });
      await admin.apply(`/api/v1/namespaces/${NAMESPACE}/configmaps`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'small', namespace: NAMESPACE },
        data: { k: 'v' },
      });
      const logFile = path.join(dir, 'h2load.tsv');
      const args = ['-t', '1', '-c', '4', '-m', String(streams), '-D', String(seconds), '--warm-up-time', '1', '-H', `authorization: Bearer ${token}`];
      const run = await runH2load([...args, '--log-file', logFile, '--connect-to', `${ip}:10443`, `https://kube-apiserver${OBJECT_PATH}`], logFile, seconds);
      const metrics = parsePrometheusText((await admin.request('GET', '/metrics', undefined, { accept: 'text/plain' })).text);
      admin.close();
      const apfDispatched = sumOf(metrics, 'apiserver_flowcontrol_dispatched_requests_total', { priority_level: 'workload-low' });
      log(
        `saturation APF ${apf ? 'on ' : 'off'} (4x${streams} streams, ${token === SA ? 'service account' : 'system:masters'}): ${run.perSecond} req/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms (${run.succeeded}/${run.requests} ok; workload-low dispatched ${apfDispatched})`,
      );
      return { ...run, apfDispatched };
    } finally {
      await plane.close();
    }
  } finally {
    await lease.release();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function hotClient(apf: boolean, log: (m: string) => void): Promise<{ wallMs: number; replicas: string[] }> {
  const text = fs.readFileSync(new URL('../../scenarios/hot-client.yaml', import.meta.url), 'utf8');
  const withApf = text.replace('    goawayChance: 0.001', `    goawayChance: 0.001\n    apf: { enabled: ${apf} }`);
  if (withApf === text) throw new Error('cannot place the apf setting in scenarios/hot-client.yaml');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'apf-bench-')), 'hot-client.yaml');
  fs.writeFileSync(file, withApf);
  const started = performance.now();
  const result = await execa('npx', ['tsx', 'scripts/scenario.ts', file, '--modes', 'direct', '--quiet'], { reject: false, timeout: 120_000 });
  const wallMs = performance.now() - started;
  const replicas = String(result.stdout)
    .split('\n')
    .filter((l) => /^kube-apiserver-\d/.test(l))
    .map((l) => l.split(/\s+/).slice(0, 2).join(' '));
  log(`hot-client direct, APF ${apf ? 'on ' : 'off'}: ${Math.round(wallMs)} ms wall (exit ${result.exitCode}); ${replicas.join(', ')}`);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return { wallMs: Math.round(wallMs), replicas };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const seconds = Number(argv[argv.indexOf('--seconds') + 1]) || 5;
  const log = (m: string) => console.log(m);
  requireH2load();
  log(
    `${await h2loadVersion()}; ${os.cpus().length} cores; load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  const out: Record<string, unknown> = {};
  const streams = Number(argv[argv.indexOf('--streams') + 1]) || 32;
  const token = argv.includes('--exempt') ? ADMIN : SA;
  out.saturation = { off: await saturation(false, seconds, log, streams, token), on: await saturation(true, seconds, log, streams, token) };
  if (!argv.includes('--skip-scenario')) out.hotClient = { off: await hotClient(false, log), on: await hotClient(true, log) };
  const sat = out.saturation as { off: H2loadSummary; on: H2loadSummary };
  log(`APF on / off saturation throughput: ${(sat.on.perSecond / sat.off.perSecond).toFixed(3)}`);
}

await main();
