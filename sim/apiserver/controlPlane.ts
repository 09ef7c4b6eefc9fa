// The kube-apiserver control plane of one shoot: N replicas sharing one object store, each with its own listener,
// capacity model and /metrics. `startControlPlane` is a component factory: the measured shoot control plane runs it
// in its own worker (worker.ts); the seed kube-apiserver runs it in-process with admission plugins attached.
import { Rng } from '../random.ts';
import type { ComponentFactory } from '../runtime/component.ts';
import type { AdmitFunction, StoreReader } from './admissionHook.ts';
import { Authenticator } from './authn.ts';
import { ReplicaCapacity, type CapacityConfig } from './capacity.ts';
import { ReplicaMetrics } from './metrics.ts';
import { startReplicaServer, type ReplicaServer } from './replica.ts';
import type { ReplicaContext } from './restHandler.ts';
import { ObjectStore } from './store.ts';

/** kube-apiserver --goaway-chance range (0 = off, max 0.02 = 1/50 requests). */
export const MAX_GOAWAY_CHANCE = 0.02;

export interface ControlPlaneConfig {
  namespace: string;
  replicas: { name: string; ip: string; port: number }[];
  tls: { certPem: string; keyPem: string };
  clientCaPem: string;
  frontProxyCaPem: string;
  tokens: Record<string, { user: string; groups: string[] }>;
  seed: number;
  capacity: CapacityConfig;
  goawayChance: number;
  /** Test-only escape hatch for goaway-chance above the real flag's 0.02 maximum (makes GOAWAY tests fast). */
  allowGoawayChanceAboveFlagMaximum?: boolean;
  http2MaxStreamsPerConnection: number;
}

export interface ControlPlaneInfo {
  replicas: { name: string; ip: string; port: number; url: string }[];
}

export interface ControlPlaneHooks {
  /** Builds the admission chain from read access to the store (the MutatingAdmissionWebhook plugin). */
  admitFactory?: (store: StoreReader) => AdmitFunction;
}

export function validateControlPlaneConfig(config: ControlPlaneConfig): void {
  if (config.replicas.length === 0) throw new Error('control plane needs at least one replica');
  const limit = config.allowGoawayChanceAboveFlagMaximum ? 1 : MAX_GOAWAY_CHANCE;
  if (!(config.goawayChance >= 0 && config.goawayChance <= limit)) {
    throw new Error(`goawayChance must be between 0 and ${MAX_GOAWAY_CHANCE} (kube-apiserver --goaway-chance), got ${config.goawayChance}`);
  }
}

export async function startControlPlane(config: ControlPlaneConfig, hooks: ControlPlaneHooks = {}) {
  validateControlPlaneConfig(config);
  const rng = new Rng(config.seed);
  const store = new ObjectStore();
  const authn = new Authenticator({ clientCaPem: config.clientCaPem, frontProxyCaPem: config.frontProxyCaPem, tokens: config.tokens });
  const reader: StoreReader = { get: (r, ns, n) => store.get(r, ns, n), list: (r, ns) => store.list(r, ns) };
  const admit = hooks.admitFactory?.(reader);
  const ready = new Map(config.replicas.map((r) => [r.name, true]));
  const contexts: ReplicaContext[] = [];
  const servers = new Map<string, ReplicaServer>();

  const closeAll = async () => {
    clearInterval(watermarkTimer);
    await Promise.all([...servers.values()].map((s) => s.close()));
  };

  // maxinflight.go publishes the per-second high-water mark of inflight requests.
  const watermarkTimer = setInterval(() => {
    for (const ctx of contexts) {
      const w = ctx.capacity.takeWatermark();
      ctx.metrics.setInflightWatermark(w.readOnly, w.mutating);
    }
  }, 1000);
  watermarkTimer.unref();

  try {
    for (const replica of config.replicas) {
      const ctx: ReplicaContext = {
        name: replica.name,
        store,
        authn,
        capacity: new ReplicaCapacity(config.capacity, rng.fork(`${replica.name}/capacity`)),
        metrics: new ReplicaMetrics(),
        rng: rng.fork(`${replica.name}/requests`),
        goawayChance: config.goawayChance,
        isReady: () => ready.get(replica.name) === true,
        serverAddress: `${replica.ip}:${replica.port}`,
        admit,
      };
      contexts.push(ctx);
      servers.set(replica.name, await startReplicaServer({
        name: replica.name,
        ip: replica.ip,
        port: replica.port,
        tls: config.tls,
        trustedClientCas: [config.clientCaPem, config.frontProxyCaPem],
        http2MaxStreamsPerConnection: config.http2MaxStreamsPerConnection,
      }, ctx));
    }
  } catch (error) {
    await closeAll();
    throw error;
  }

  const info: ControlPlaneInfo = { replicas: config.replicas.map((r) => ({ ...r, url: servers.get(r.name)!.url })) };
  const known = (name: string) => {
    const server = servers.get(name);
    if (!server) throw new Error(`unknown replica "${name}" (known: ${[...servers.keys()].join(', ')})`);
    return server;
  };
  let closing: Promise<void> | undefined;
  return {
    info,
    store,
    methods: {
      setReady(name: string, value: boolean) {
        known(name);
        ready.set(name, value);
      },
      async restart(name: string) {
        await known(name).restart();
      },
      inflight() {
        return contexts.map((c) => ({ replica: c.name, ...c.capacity.inflight, queued: c.capacity.queued }));
      },
    },
    close: () => (closing ??= closeAll()),
  };
}

/** The same factory in the component shape (no hooks), for worker threads. */
export const controlPlaneComponent: ComponentFactory<ControlPlaneConfig, ControlPlaneInfo> = (config) => startControlPlane(config);
