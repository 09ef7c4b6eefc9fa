// The kube-apiserver control plane of one shoot: N replicas sharing one object store (the "etcd"), each with its
// own listener, capacity model and /metrics. Replicas can be added, removed, killed, stopped gracefully and started
// again while load runs, as the pods of a kube-apiserver Deployment are (docs/architecture.md#a-cluster-that-changes).
// A replica that starts answers /readyz with 500 until its readiness delay has passed, which is what the local
// target's readiness probe waits for before the endpoint goes back to kube-proxy and the gateways.
//
// The measured shoot control plane runs in its own worker (the default export); the seed kube-apiserver runs
// in-process through `startControlPlane(config, hooks)` with the MutatingAdmissionWebhook plugin attached.
//
// API Priority and Fairness (`apf`, docs/apf.md): each replica process runs its own PriorityAndFairness with the
// bootstrap configuration plus the scenario's objects and a server concurrency limit of --max-requests-inflight +
// --max-mutating-requests-inflight; the configuration objects are stored once in the shared store, so every replica
// serves them (flowcontrol.apiserver.k8s.io/v1). Without `apf` (or with enabled: false) the replicas use the
// max-inflight filter, as kube-apiserver does with --enable-priority-and-fairness=false; scenarios turn APF on by
// default (scenarios/apfSchema.ts), as Kubernetes has since 1.29.
import type { Endpoint } from '../../scripts/core/endpoint.ts';
import { Rng } from '../../scripts/core/random.ts';
import { defineComponent } from '../runtime/component.ts';
import type { AdmitFunction, StoreReader } from './admissionHook.ts';
import { ApfConfigurationError, resolveConfiguration } from './apf/configuration.ts';
import { apfOptionsOf, ReplicaApf, type ControlPlaneApfConfig } from './apfFilter.ts';
import { Authenticator } from './authn.ts';
import { ReplicaCapacity, type CapacityConfig } from './capacity.ts';
import { ReplicaMetrics } from './metrics.ts';
import { findResource } from './resources.ts';
import { startReplicaServer, type ReplicaServer, type StopMode } from './replica.ts';
import type { ReplicaContext } from './restHandler.ts';
import { ObjectStore } from './store.ts';
import type { KubeObject } from '../../scripts/core/kubeObject.ts';

/** kube-apiserver --goaway-chance range (0 = off, max 0.02 = 1/50 requests), docs/kube-apiserver.md#goaway-chance. */
export const MAX_GOAWAY_CHANCE = 0.02;

export interface ControlPlaneConfig {
  namespace: string;
  replicas: Endpoint[];
  tls: { certPem: string; keyPem: string };
  clientCaPem?: string;
  frontProxyCaPem?: string;
  tokens: Record<string, { user: string; groups: string[] }>;
  randomSeed: number;
  capacity: CapacityConfig;
  goawayChance: number;
  /** Test-only escape hatch for goaway-chance above the real flag's 0.02 maximum (makes GOAWAY tests fast). */
  allowGoawayChanceAboveFlagMaximum?: boolean;
  http2MaxStreamsPerConnection: number;
  /** How long a replica that (re)starts answers /readyz with 500 (kube-apiserver's start-up before it is ready). */
  readinessDelayMs?: number;
  /** API Priority and Fairness; absent = off (the max-inflight filter), see the header comment. */
  apf?: ControlPlaneApfConfig;
}

export interface ReplicaInfo extends Endpoint {
  url: string;
}

export interface ControlPlaneInfo {
  replicas: ReplicaInfo[];
}

export interface ReplicaState {
  replica: string;
  running: boolean;
  ready: boolean;
  connections: number;
  inflight: { readOnly: number; mutating: number };
  queued: number;
}

/**
 * The last /metrics of a replica process that ended (a kill, a graceful stop, a deletion), taken once every request
 * it was handling has been recorded. A restarted replica is a new process whose counters start from zero, so a
 * runner adds these final counts to what it scraped before; a real cluster loses what happened after the last scrape.
 */
export interface FinalMetrics {
  replica: string;
  text: string;
}

/** How long a stopped replica's unfinished requests may take to be recorded before its final metrics are taken. */
const FINAL_METRICS_SETTLE_MS = 2000;

export interface ControlPlaneHooks {
  /** Builds the admission chain from read access to the store (the MutatingAdmissionWebhook plugin). */
  admitFactory?: (store: StoreReader) => AdmitFunction;
}

/** The APF server concurrency limit: --max-requests-inflight + --max-mutating-requests-inflight (server/config.go). */
export function serverConcurrencyLimit(config: Pick<ControlPlaneConfig, 'capacity'>): number {
  return config.capacity.maxRequestsInflight + config.capacity.maxMutatingRequestsInflight;
}

export function validateControlPlaneConfig(config: ControlPlaneConfig): void {
  if (config.replicas.length === 0) throw new Error('control plane needs at least one replica');
  const limit = config.allowGoawayChanceAboveFlagMaximum ? 1 : MAX_GOAWAY_CHANCE;
  if (!(config.goawayChance >= 0 && config.goawayChance <= limit)) {
    throw new Error(`goawayChance must be between 0 and ${MAX_GOAWAY_CHANCE} (kube-apiserver --goaway-chance), got ${config.goawayChance}`);
  }
}

interface ReplicaRuntime {
  endpoint: Endpoint;
  ctx: ReplicaContext;
  server: ReplicaServer;
  /** performance.now() from which /readyz answers 200. */
  readyAt: number;
}

/** What every replica process of one control plane shares: the store ("etcd"), authentication, admission, the RNG. */
interface SharedPlane {
  config: ControlPlaneConfig;
  rng: Rng;
  store: ObjectStore;
  authn: Authenticator;
  admit?: AdmitFunction;
  /** APF when it is enabled, else undefined (the max-inflight filter). */
  apfConfig?: ControlPlaneApfConfig;
}

/** A replica process's metrics and, with APF on, its own PriorityAndFairness on that registry. */
function newProcess(shared: SharedPlane): Pick<ReplicaContext, 'metrics' | 'apf'> {
  const metrics = new ReplicaMetrics({ apf: shared.apfConfig !== undefined });
  const apf = shared.apfConfig ? new ReplicaApf(shared.apfConfig, serverConcurrencyLimit(shared.config), metrics.apf) : undefined;
  return { metrics, apf };
}

/** Starts one replica pod's server on its endpoint; it answers /readyz with 200 after `delayMs`. */
async function startReplica(shared: SharedPlane, endpoint: Endpoint, delayMs: number): Promise<ReplicaRuntime> {
  const { config, rng } = shared;
  const runtime = { endpoint, readyAt: performance.now() + delayMs } as ReplicaRuntime;
  runtime.ctx = {
    name: endpoint.name,
    store: shared.store,
    authn: shared.authn,
    capacity: new ReplicaCapacity(config.capacity, rng.fork(`${endpoint.name}/capacity`)),
    ...newProcess(shared),
    rng: rng.fork(`${endpoint.name}/requests`),
    goawayChance: config.goawayChance,
    isReady: () => runtime.server.running && performance.now() >= runtime.readyAt,
    serverAddress: `${endpoint.ip}:${endpoint.port}`,
    admit: shared.admit,
    activeRequests: 0,
  };
  runtime.server = await startReplicaServer(
    {
      name: endpoint.name,
      ip: endpoint.ip,
      port: endpoint.port,
      tls: config.tls,
      trustedClientCas: [config.clientCaPem, config.frontProxyCaPem].filter((pem): pem is string => pem !== undefined),
      http2MaxStreamsPerConnection: config.http2MaxStreamsPerConnection,
    },
    runtime.ctx,
  );
  return runtime;
}

/** Waits until the stopped process has recorded everything it handled, then renders its metrics. */
async function finalMetrics(replica: ReplicaRuntime): Promise<FinalMetrics> {
  const deadline = performance.now() + FINAL_METRICS_SETTLE_MS;
  while (replica.ctx.activeRequests > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  const text = await replica.ctx.metrics.registry.metrics();
  // The process is over: its APF stops (timers; a request still queued is rejected).
  replica.ctx.apf?.close();
  return { replica: replica.endpoint.name, text };
}

/** maxinflight.go publishes the per-second high-water mark of inflight requests. */
function publishInflightWatermarks(replicas: Map<string, ReplicaRuntime>): NodeJS.Timeout {
  const timer = setInterval(() => {
    for (const { ctx } of replicas.values()) {
      const w = ctx.capacity.takeWatermark();
      ctx.metrics.setInflightWatermark(w.readOnly, w.mutating);
    }
  }, 1000);
  return timer.unref();
}

function replicaState({ endpoint, ctx, server }: ReplicaRuntime): ReplicaState {
  return {
    replica: endpoint.name,
    running: server.running,
    ready: ctx.isReady(),
    connections: server.connections,
    inflight: { ...ctx.capacity.inflight },
    queued: ctx.capacity.queued,
  };
}

export async function startControlPlane(config: ControlPlaneConfig, hooks: ControlPlaneHooks = {}) {
  validateControlPlaneConfig(config);
  const store = new ObjectStore();
  const reader: StoreReader = { get: (r, ns, n) => store.get(r, ns, n), list: (r, ns) => store.list(r, ns) };
  const shared: SharedPlane = {
    config,
    rng: new Rng(config.randomSeed),
    store,
    authn: new Authenticator({ clientCaPem: config.clientCaPem, frontProxyCaPem: config.frontProxyCaPem, tokens: config.tokens }),
    admit: hooks.admitFactory?.(reader),
    apfConfig: config.apf?.enabled ? config.apf : undefined,
  };
  const replicas = new Map<string, ReplicaRuntime>();
  const readinessDelayMs = config.readinessDelayMs ?? 0;
  if (shared.apfConfig) storeApfConfiguration(store, shared.apfConfig);
  const watermarkTimer = publishInflightWatermarks(replicas);

  const closeAll = async () => {
    clearInterval(watermarkTimer);
    await Promise.all([...replicas.values()].map((r) => r.server.close()));
    for (const r of replicas.values()) r.ctx.apf?.close();
  };
  const addReplica = async (endpoint: Endpoint, delayMs: number): Promise<ReplicaInfo> => {
    if (replicas.has(endpoint.name)) throw new Error(`replica "${endpoint.name}" exists already`);
    const runtime = await startReplica(shared, endpoint, delayMs);
    replicas.set(endpoint.name, runtime);
    return { ...endpoint, url: runtime.server.url };
  };
  const known = (name: string): ReplicaRuntime => {
    const replica = replicas.get(name);
    if (!replica) throw new Error(`unknown replica "${name}" (known: ${[...replicas.keys()].join(', ')})`);
    return replica;
  };

  const infos: ReplicaInfo[] = [];
  try {
    // The initial replicas are ready at once: a run starts from a settled control plane.
    for (const endpoint of config.replicas) infos.push(await addReplica(endpoint, 0));
  } catch (error) {
    await closeAll();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    info: { replicas: infos } satisfies ControlPlaneInfo,
    store,
    methods: {
      /** A new replica pod; it becomes ready after the readiness delay. */
      addReplica: (endpoint: Endpoint) => addReplica(endpoint, readinessDelayMs),
      /** Deletes a replica pod: its connections are reset. Returns the process's final metrics. */
      async removeReplica(name: string): Promise<FinalMetrics> {
        const replica = known(name);
        await replica.server.stop('kill');
        replicas.delete(name);
        return finalMetrics(replica);
      },
      /** Ends a replica's process: `kill` resets every connection, `graceful` sends GOAWAY and drains first. Returns its final metrics. */
      async stopReplica(name: string, mode: StopMode = 'kill', drainMs?: number): Promise<FinalMetrics> {
        const replica = known(name);
        await replica.server.stop(mode, drainMs);
        return finalMetrics(replica);
      },
      /** Starts a stopped replica again: a new process, so its /metrics counters start from zero; ready after the readiness delay. */
      async startReplica(name: string): Promise<void> {
        const replica = known(name);
        if (replica.server.running) return;
        replica.readyAt = performance.now() + readinessDelayMs;
        replica.ctx.apf?.close();
        Object.assign(replica.ctx, newProcess(shared));
        await replica.server.start();
      },
      replicaStates: (): ReplicaState[] => [...replicas.values()].map(replicaState),
    },
    close: () => (closing ??= closeAll()),
  };
}

/**
 * Stores the APF configuration the replicas run with as flowcontrol.apiserver.k8s.io/v1 objects (with the UIDs the
 * X-Kubernetes-PF-* headers carry and the FlowSchemas' Dangling status), or throws ApfConfigurationError.
 */
function storeApfConfiguration(store: ObjectStore, config: ControlPlaneApfConfig): void {
  const options = apfOptionsOf(config, 1);
  const resolved = resolveConfiguration({ flowSchemas: options.flowSchemas, priorityLevels: options.priorityLevels, now: new Date().toISOString() });
  if (resolved.issues.some((i) => i.severity === 'error')) throw new ApfConfigurationError(resolved.issues);
  const fsInfo = findResource('flowcontrol.apiserver.k8s.io', 'v1', 'flowschemas')!;
  const plInfo = findResource('flowcontrol.apiserver.k8s.io', 'v1', 'prioritylevelconfigurations')!;
  for (const pl of resolved.priorityLevels) store.create(plInfo, '', { ...pl, status: pl.status ?? {} } as unknown as KubeObject, false, true);
  for (const fs of [...resolved.flowSchemas, ...resolved.danglingFlowSchemas]) store.create(fsInfo, '', fs as unknown as KubeObject, false, true);
}

export default defineComponent({ kind: 'kube-apiserver', entry: new URL(import.meta.url), start: (config: ControlPlaneConfig) => startControlPlane(config) });
