// The clients component: a group of client pods in one worker thread. prepare() warms them up, run() drives the
// open-loop load from one shared epoch and returns each pod's accounting.
import { Rng } from '../../scripts/core/random.ts';
import { defineComponent } from '../runtime/component.ts';
import { simulatedPodNetwork } from './podNetwork.ts';
import type { ClientsConfig } from './types.ts';
import type { ClientRunResult, PrepareResult, RunOptions } from '../../scripts/core/clientPod.ts';

export interface ClientsInfo {
  pods: string[];
}

/** Pods start their schedules together, a moment after run() is called, so that set-up work is not measured. */
const START_DELAY_MS = 50;

async function startClients(config: ClientsConfig) {
  const rng = new Rng(config.randomSeed);
  // Loaded here, not at the top (sim/runtime/component.ts): autocannon only when a pod uses the http1-pool profile.
  const { ClientGoPod } = await import('./clientGoPod.ts');
  const { Http1PoolPod } = config.pods.some((p) => p.profile === 'http1-pool') ? await import('./http1PoolPod.ts') : { Http1PoolPod: undefined };
  const network = simulatedPodNetwork(config.services, config.privilegedPortOffset);
  const pods = config.pods.map((spec) => {
    const env = { network, rng: rng.fork(spec.name) };
    return spec.profile === 'http1-pool' && Http1PoolPod ? new Http1PoolPod(spec, env) : new ClientGoPod(spec, env);
  });
  let closed = false;
  return {
    info: { pods: config.pods.map((p) => p.name) } satisfies ClientsInfo,
    methods: {
      /** Warm-up; resolves with the requests an apiserver answered for it (they count on the replicas too) and the pods that failed it. */
      async prepare(): Promise<PrepareResult> {
        const prepared = await Promise.all(pods.map((p) => p.prepare()));
        return {
          answered: prepared.reduce((sum, p) => sum + p.answered, 0),
          failed: prepared.flatMap((p, i) => (p.error !== undefined ? [{ pod: config.pods[i]!.name, error: p.error }] : [])),
        };
      },
      async run(options: RunOptions): Promise<ClientRunResult[]> {
        if (!(options.durationMs > 0)) throw new Error(`run: durationMs must be > 0, got ${options.durationMs}`);
        const epoch = performance.now() + START_DELAY_MS;
        const perPodMax = Math.max(1, Math.floor(options.maxRequests / Math.max(1, pods.length)));
        return Promise.all(pods.map((p) => p.run({ ...options, maxRequests: perPodMax }, epoch)));
      },
      /** A timeline event reconfigured a group's controllers (its pods in this worker). */
      setGroup(group: string, change: { rate?: number; qps?: number; burst?: number }): void {
        pods.forEach((pod, i) => {
          if (config.pods[i]!.group === group) pod.change(change);
        });
      },
      /** These pods are deleted: their load ends; run() still returns what they did. */
      stopPods(names: string[]): void {
        const wanted = new Set(names);
        pods.forEach((pod, i) => {
          if (wanted.has(config.pods[i]!.name)) pod.stop();
        });
      },
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const p of pods) p.close();
    },
  };
}

export default defineComponent({ kind: 'client-pods', entry: new URL(import.meta.url), start: startClients });
