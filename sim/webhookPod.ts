// gardener-resource-manager's webhook server as a simulator component in its own worker thread: the same server
// as the deployable one (webhook/cli.ts serve), reading the simulated seed kube-apiserver through
// @kubernetes/client-node. The simulator uses webhook/, never the reverse (docs/architecture.md#layers).
import v8 from 'node:v8';
import vm from 'node:vm';
import type { LogLevel } from '../webhook/logger.ts';
import { defineComponent } from './runtime/component.ts';

export interface WebhookPodConfig {
  /** Loopback address to bind (the webhook pod's IP in the address plan). */
  host: string;
  /** 0 picks a free port. */
  port: number;
  tls: { certPem: string; keyPem: string };
  /** The CA that signed tls.certPem; when given, info.caBundle carries it base64-encoded for a webhook configuration. */
  caPem?: string;
  /** The kube-apiserver the webhook reads ConfigMaps and Services from. */
  kube: { server: string; caPem: string; token: string; tlsServerName?: string };
  /** Default 'warn' (a run admits many pods). */
  logLevel?: LogLevel;
  /** Read-through cache TTL (ms); default 0 = every admission reads the apiserver. */
  cacheTtlMs?: number;
  /** Per-read timeout (ms); default 3000. */
  readTimeoutMs?: number;
  maxBodyBytes?: number;
}

export interface WebhookPodInfo {
  url: string;
  caBundle?: string;
}

async function startWebhookPod(config: WebhookPodConfig) {
  // Loaded here, not at the top: hosts import this module for its descriptor, and @kubernetes/client-node alone
  // takes more than a second to load (sim/runtime/component.ts).
  const [{ KubeReader }, { startWebhookServer }] = await Promise.all([import('../webhook/kubeReads.ts'), import('../webhook/server.ts')]);
  const reader = new KubeReader({ source: { kind: 'inline', ...config.kube }, cacheTtlMs: config.cacheTtlMs ?? 0, timeoutMs: config.readTimeoutMs });
  try {
    const server = await startWebhookServer({
      host: config.host,
      port: config.port,
      tls: config.tls,
      reader,
      logLevel: config.logLevel ?? 'warn',
      maxBodyBytes: config.maxBodyBytes,
    });
    let closed: Promise<void> | undefined;
    return {
      info: {
        url: server.url,
        ...(config.caPem ? { caBundle: Buffer.from(config.caPem, 'utf8').toString('base64') } : {}),
      } satisfies WebhookPodInfo as WebhookPodInfo,
      methods: {
        /** Reads sent to the apiserver, cache hits, coalesced reads and open sockets. */
        readerStats: () => ({ ...reader.stats, sockets: reader.socketCount() }),
        /** Memory of this worker: its own V8 heap, and the RSS of the whole process (shared by all threads). */
        memory: () => {
          const heap = v8.getHeapStatistics();
          return { heapUsedBytes: heap.used_heap_size, heapTotalBytes: heap.total_heap_size, processRssBytes: process.memoryUsage.rss() };
        },
        /** Runs a full GC in this worker's isolate so "memory at rest" is not inflated by garbage. */
        gc: () => {
          v8.setFlagsFromString('--expose-gc');
          (vm.runInNewContext('gc') as () => void)();
          return true;
        },
        metricsText: () => server.metrics.registry.metrics(),
      },
      close: () =>
        (closed ??= (async () => {
          await server.close();
          reader.close();
        })()),
    };
  } catch (error) {
    reader.close();
    throw error;
  }
}

export default defineComponent({ kind: 'webhook-pod', entry: new URL(import.meta.url), start: startWebhookPod });
