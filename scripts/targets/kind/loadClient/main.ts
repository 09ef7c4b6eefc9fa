// The load client: what runs inside a client pod on a real cluster (docs/kind.md#the-load-client). It is the
// simulator's client-go profile (sim/clients/clientGoPod.ts; http1-pool with sim/clients/http1PoolPod.ts) with the
// system's network view (systemPodNetwork: the pod's /etc/hosts, where the kubelet wrote the webhook's hostAliases,
// then cluster DNS), driven over an HTTP control port (protocol.ts). It reads the generic token kubeconfig from the
// projected volume, exactly as a Gardener control-plane component does (docs/gardener.md#pod-wiring).
// This is the one module of the kind target that loads simulator code: it runs in the pod, not in the runner.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ClientGoPod } from '../../../../sim/clients/clientGoPod.ts';
import { systemPodNetwork } from '../../../../sim/clients/podNetwork.ts';
import type { ClientPodSpec, ClientRunResult, PodPrepared } from '../../../../sim/clients/types.ts';
import { GENERIC_KUBECONFIG_MOUNT_PATH } from '../../../cluster/gardener.ts';
import { parseKubeconfig } from '../../../cluster/kubeconfig.ts';
import { Rng } from '../../../cluster/random.ts';
import { CONTROL_PATHS, CONTROL_PORT, LOAD_CLIENT_ENV, parseLoadClientSpec, parseRunRequest, type LoadClientSpec } from './protocol.ts';
import { clientBehaviour } from '../../../cluster/clientPod.ts';

/** Between warm-up attempts while the path to the apiservers is not up yet. */
const PREPARE_RETRY_MS = 1_000;

interface Pod {
  prepare(): Promise<PodPrepared>;
  run(options: { durationMs: number; maxRequests: number; drainTimeoutMs?: number }, epoch: number): Promise<ClientRunResult>;
  change(change: { rate?: number; qps?: number; burst?: number }): void;
  stop(): void;
  close(): void;
}

function log(msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), msg, ...fields })}\n`);
}

/** The pod as the client code sees it: its kubeconfig from the projected volume, its group settings from the env. */
export function podSpecFromEnvironment(env: NodeJS.ProcessEnv, mountPath = GENERIC_KUBECONFIG_MOUNT_PATH): { spec: ClientPodSpec; group: LoadClientSpec } {
  const group = parseLoadClientSpec(env[LOAD_CLIENT_ENV.spec]);
  const kubeconfig = parseKubeconfig(fs.readFileSync(path.join(mountPath, 'kubeconfig'), 'utf8'));
  const tokenFile = kubeconfig.tokenFile ?? path.join(mountPath, 'token');
  const token = kubeconfig.token ?? fs.readFileSync(tokenFile, 'utf8').trim();
  const spec: ClientPodSpec = {
    name: env[LOAD_CLIENT_ENV.podName] ?? 'load-client',
    group: group.group,
    namespace: env[LOAD_CLIENT_ENV.podNamespace] ?? 'default',
    ip: env[LOAD_CLIENT_ENV.podIp] ?? '',
    labels: {},
    hostAliases: [],
    kubeconfig: { server: kubeconfig.server, caPem: kubeconfig.caPem, token, tlsServerName: kubeconfig.tlsServerName },
    ...clientBehaviour(group),
  };
  return { spec, group };
}

async function createPod(spec: ClientPodSpec, randomSeed: number): Promise<Pod> {
  const env = { network: systemPodNetwork(), rng: new Rng(randomSeed).fork(spec.name) };
  if (spec.profile === 'http1-pool') {
    const { Http1PoolPod } = await import('../../../../sim/clients/http1PoolPod.ts');
    return new Http1PoolPod(spec, env);
  }
  return new ClientGoPod(spec, env);
}

/**
 * The warm-up, tried again while it fails and `retryForMs` has not passed: right after the cluster came up, istiod may
 * still be pushing the gateway's routes. Every attempt's answered requests count (the replicas counted them too).
 */
export async function prepareWithRetries(pod: Pick<Pod, 'prepare'>, retryForMs: number, retryMs = PREPARE_RETRY_MS): Promise<PodPrepared> {
  const deadline = Date.now() + retryForMs;
  let answered = 0;
  for (let attempt = 1; ; attempt++) {
    const prepared = await pod.prepare();
    answered += prepared.answered;
    if (prepared.error === undefined || Date.now() >= deadline) return { ...prepared, answered };
    log('warm-up failed, trying again', { attempt, error: prepared.error });
    await new Promise((r) => setTimeout(r, retryMs));
  }
}

export interface ServeOptions {
  /** Default CONTROL_PORT; tests pass 0. */
  port?: number;
  /** Where the projected generic kubeconfig volume is mounted. */
  mountPath?: string;
}

export async function serveLoadClient(env: NodeJS.ProcessEnv = process.env, options: ServeOptions = {}): Promise<http.Server> {
  const { spec, group } = podSpecFromEnvironment(env, options.mountPath);
  const pod = await createPod(spec, group.randomSeed);
  let preparing: Promise<PodPrepared> | undefined;
  let running: Promise<ClientRunResult> | undefined;
  let result: ClientRunResult | undefined;
  let failure: string | undefined;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://load-client');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      switch (url.pathname) {
        case CONTROL_PATHS.healthz:
          return send(200, { ok: true, pod: spec.name });
        case CONTROL_PATHS.prepare:
          preparing ??= prepareWithRetries(pod, Number(url.searchParams.get('retryForMs') ?? 0));
          preparing.then(
            (prepared) => send(200, prepared),
            (error: Error) => send(500, { error: `prepare: ${error.message}` }),
          );
          return;
        case CONTROL_PATHS.run: {
          if (running) return send(409, { error: 'already running' });
          const request = parseRunRequest(url.searchParams);
          // The fleet's shared start, as a wall-clock time; the client code counts on performance.now().
          const epoch = performance.now() + (request.epochUnixMs - Date.now());
          log('run', { ...request });
          running = pod.run(request, epoch);
          running.then(
            (r) => {
              result = r;
              // Its connections close now; the result stays readable until the pod is deleted.
              pod.close();
              log('result', { result: r });
            },
            (error: Error) => {
              failure = error.message;
              log('run failed', { error: failure });
            },
          );
          return send(202, { ok: true });
        }
        case CONTROL_PATHS.result:
          if (failure) return send(500, { error: failure });
          if (result) return send(200, result);
          return send(202, { running: running !== undefined });
        case CONTROL_PATHS.set: {
          const change: { rate?: number; qps?: number; burst?: number } = {};
          for (const key of ['rate', 'qps', 'burst'] as const) {
            const raw = url.searchParams.get(key);
            if (raw !== null) change[key] = Number(raw);
          }
          pod.change(change);
          return send(200, { ok: true, change });
        }
        case CONTROL_PATHS.stop:
          pod.stop();
          return send(200, { ok: true });
        default:
          return send(404, { error: `unknown path ${url.pathname}` });
      }
    } catch (error) {
      return send(400, { error: (error as Error).message });
    }
  });
  const host = env[LOAD_CLIENT_ENV.podIp] || '0.0.0.0';
  await new Promise<void>((resolve) => server.listen(options.port ?? CONTROL_PORT, host, resolve));
  log('serving', { pod: spec.name, group: spec.group, server: spec.kubeconfig.server, control: server.address() });
  const shutdown = () => {
    pod.stop();
    pod.close();
    server.close();
    server.closeAllConnections();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  server.once('close', () => {
    process.off('SIGTERM', shutdown);
    process.off('SIGINT', shutdown);
    pod.stop();
    pod.close();
  });
  return server;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  serveLoadClient().catch((error: Error) => {
    log('fatal', { error: error.message });
    process.exit(1);
  });
}
