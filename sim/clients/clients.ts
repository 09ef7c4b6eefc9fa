// The clients component: a group of client pods in one worker thread. prepare() warms them up, run() drives the
// open-loop load from one shared epoch and returns each pod's accounting.
import { isMainThread } from 'node:worker_threads';
import { Rng } from '../random.ts';
import type { ComponentFactory } from '../runtime/component.ts';
import { serveInWorker } from '../runtime/serveInWorker.ts';
import { ClientGoPod } from './clientGoPod.ts';
import { Http1PoolPod } from './http1PoolPod.ts';
import type { ClientRunResult, ClientsConfig, RunOptions } from './types.ts';

export interface ClientsInfo {
  pods: string[];
}

/** Pods start their schedules together, a moment after run() is called, so that set-up work is not measured. */
const START_DELAY_MS = 50;

export const startClients: ComponentFactory<ClientsConfig, ClientsInfo> = async (config) => {
  const rng = new Rng(config.seed);
  const pods = config.pods.map((spec) => {
    const env = { services: config.services, privilegedPortOffset: config.privilegedPortOffset, rng: rng.fork(spec.name) };
    return spec.profile === 'http1-pool' ? new Http1PoolPod(spec, env) : new ClientGoPod(spec, env);
  });
  let closed = false;
  return {
    info: { pods: config.pods.map((p) => p.name) },
    methods: {
      async prepare(): Promise<void> {
        await Promise.all(pods.map((p) => p.prepare()));
      },
      async run(options: RunOptions): Promise<ClientRunResult[]> {
        if (!(options.durationMs > 0)) throw new Error(`run: durationMs must be > 0, got ${options.durationMs}`);
        const epoch = performance.now() + START_DELAY_MS;
        const perPodMax = Math.max(1, Math.floor(options.maxRequests / Math.max(1, pods.length)));
        return Promise.all(pods.map((p) => p.run({ ...options, maxRequests: perPodMax }, epoch)));
      },
      openConnections(): Record<string, number> {
        return Object.fromEntries(pods.map((p, i) => [config.pods[i]!.name, p instanceof ClientGoPod ? p.openConnections : config.pods[i]!.http1.connections]));
      },
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const p of pods) p.close();
    },
  };
};

if (!isMainThread) serveInWorker(startClients);
