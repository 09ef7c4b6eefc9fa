// The contract between the kind target and a load-client pod (docs/kind.md#the-load-client): the environment the pod
// starts with, and the HTTP control port the target reaches through the seed API server's pod proxy
// (GET /api/v1/namespaces/<ns>/pods/<pod>:8080/proxy/<path>). Plain data and pure functions, loaded on both sides.
import type { ClientBehaviour } from '../../../core/clientPod.ts';

export const CONTROL_PORT = 8080;

export const LOAD_CLIENT_ENV = {
  /** JSON of LoadClientSpec. */
  spec: 'LOAD_CLIENT_SPEC',
  podName: 'POD_NAME',
  podNamespace: 'POD_NAMESPACE',
  podIp: 'POD_IP',
} as const;

/** A client group's settings, as the pod needs them (the kubeconfig comes from the projected volume). */
export interface LoadClientSpec extends ClientBehaviour {
  group: string;
  randomSeed: number;
}

/** The control endpoints. Everything is a GET with query parameters (the pod proxy forwards them as they are). */
export const CONTROL_PATHS = {
  /** 200 once the pod serves (the readiness probe). */
  healthz: '/healthz',
  /** Warm-up (retryForMs: keep trying that long while it fails): 200 with PodPrepared {answered, error?}. */
  prepare: '/prepare',
  /** Starts the load phase: durationMs, maxRequests, drainTimeoutMs, epochUnixMs (a shared wall-clock start); 202. */
  run: '/run',
  /** 202 while the run is under way, 200 with the ClientRunResult JSON when it ended, 500 {error} if it failed. */
  result: '/result',
  /** A new offered rate and/or QPS/Burst while running (ClientFleet.setGroup): rate, qps, burst. */
  set: '/set',
  /** Ends the pod's load for good (ClientFleet.stopPods); /result still reports what it did. */
  stop: '/stop',
} as const;

export interface RunRequest {
  durationMs: number;
  maxRequests: number;
  drainTimeoutMs?: number;
  /** Date.now() at which the load phase starts, the same for every pod of a fleet. */
  epochUnixMs: number;
}

/** The path (with its query) of a control call. */
export function controlPath(path: string, query: Record<string, number | undefined> = {}): string {
  const params = Object.entries(query)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return params.length > 0 ? `${path}?${params.join('&')}` : path;
}

/** The pod-proxy path of a control call on a pod. */
export function podProxyPath(namespace: string, pod: string, path: string): string {
  return `/api/v1/namespaces/${namespace}/pods/${pod}:${CONTROL_PORT}/proxy${path}`;
}

/** Reads a run request from a query string; throws with what is wrong. */
export function parseRunRequest(query: URLSearchParams): RunRequest {
  const number = (name: string, required: boolean): number | undefined => {
    const raw = query.get(name);
    if (raw === null) {
      if (required) throw new Error(`missing ${name}`);
      return undefined;
    }
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
    return value;
  };
  const durationMs = number('durationMs', true)!;
  if (durationMs <= 0) throw new Error('durationMs must be > 0');
  return {
    durationMs,
    maxRequests: Math.max(1, Math.floor(number('maxRequests', true)!)),
    drainTimeoutMs: number('drainTimeoutMs', false),
    epochUnixMs: number('epochUnixMs', true)!,
  };
}

export function parseLoadClientSpec(json: string | undefined): LoadClientSpec {
  if (!json) throw new Error(`${LOAD_CLIENT_ENV.spec} is not set`);
  const spec = JSON.parse(json) as LoadClientSpec;
  for (const key of ['group', 'profile', 'qps', 'burst', 'rate', 'arrival', 'mix', 'maxRetries', 'randomSeed'] as const) {
    if (spec[key] === undefined) throw new Error(`${LOAD_CLIENT_ENV.spec} has no "${key}"`);
  }
  return { ...spec, watches: spec.watches ?? [], http1: spec.http1 ?? { connections: 25 } };
}
