// The real gateway pod (sim/gateway/gatewayPod.ts) in its worker thread with the bench's instruments added: a CPU
// profile and a sampling heap profile of that thread only (the V8 inspector protocol's Profiler and HeapProfiler
// domains through node:inspector, https://chromedevtools.github.io/devtools-protocol/v8/), and the garbage
// collections it ran (PerformanceObserver entryType 'gc', https://nodejs.org/api/perf_hooks.html). The gateway code is
// unchanged; only the bench starts this wrapper instead of the plain descriptor.
import fs from 'node:fs';
import inspector from 'node:inspector';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import gatewayPod, { type GatewayPodConfig } from '../../sim/gateway/gatewayPod.ts';
import { defineComponent } from '../../sim/runtime/component.ts';

export interface GcSummary {
  count: number;
  totalMs: number;
  maxMs: number;
  /** By kind: scavenge (young generation), mark-sweep-compact (old), incremental marking, weak callbacks. */
  byKind: Record<string, { count: number; totalMs: number; maxMs: number }>;
}

const GC_KINDS: Record<number, string> = {
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-sweep-compact',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental-marking',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};

async function startProfiledGateway(config: GatewayPodConfig, context: Parameters<typeof gatewayPod.start>[1]) {
  const pod = await gatewayPod.start(config, context);
  const session = new inspector.Session();
  session.connect();
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));
  let gc: GcSummary = emptyGc();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = GC_KINDS[(entry.detail as { kind?: number } | undefined)?.kind ?? -1] ?? 'other';
      const k = (gc.byKind[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
      for (const s of [gc, k]) {
        s.count++;
        s.totalMs += entry.duration;
        s.maxMs = Math.max(s.maxMs, entry.duration);
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    info: pod.info,
    methods: {
      ...pod.methods,
      async startCpuProfile(samplingIntervalUs = 200): Promise<void> {
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
        await post('Profiler.start');
      },
      /** Writes the .cpuprofile (Chrome DevTools format) to `file`. */
      async stopCpuProfile(file: string): Promise<void> {
        const { profile } = await post<{ profile: unknown }>('Profiler.stop');
        fs.writeFileSync(file, JSON.stringify(profile));
      },
      async startHeapSampling(samplingIntervalBytes = 4096): Promise<void> {
        await post('HeapProfiler.enable');
        // Collected objects too: the question is what a request allocates, not what stays alive.
        await post('HeapProfiler.startSampling', {
          samplingInterval: samplingIntervalBytes,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
      },
      /** Writes the .heapprofile (allocation sampling, DevTools format) to `file`. */
      async stopHeapSampling(file: string): Promise<void> {
        const { profile } = await post<{ profile: unknown }>('HeapProfiler.stopSampling');
        fs.writeFileSync(file, JSON.stringify(profile));
      },
      /** GC counts and pause times since the last call. */
      gcSince(): GcSummary {
        const out = gc;
        gc = emptyGc();
        return out;
      },
    },
    async close() {
      observer.disconnect();
      session.disconnect();
      await pod.close();
    },
  };
}

function emptyGc(): GcSummary {
  return { count: 0, totalMs: 0, maxMs: 0, byKind: {} };
}

export default defineComponent({ kind: 'gateway-pod', entry: new URL(import.meta.url), start: startProfiledGateway });
