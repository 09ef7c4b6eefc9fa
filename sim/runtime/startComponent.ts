// Host side: start a component from its descriptor in its own worker thread (measured runs) or in this thread
// (unit tests, the seed kube-apiserver with its admission plugin). Both give the same typed ComponentHandle.
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Component, ComponentDescriptor, ComponentEventListener, ComponentHandle, MethodTable, Remote } from './component.ts';
import { deserializeError, type HostMessage, type WorkerMessage } from './protocol.ts';
import { ThreadHealthMonitor } from './threadHealth.ts';
import type { ThreadHealth } from '../../scripts/core/componentStats.ts';

const BOOT = new URL('./workerBoot.mjs', import.meta.url);

export interface StartOptions<Config> {
  /** Instance name for messages and events, e.g. "apiserver" or "istio-ingressgateway-0". */
  name: string;
  config: Config;
  onEvent?: ComponentEventListener;
  /** How long start-up may take before the worker is terminated (ms). */
  startTimeoutMs?: number;
  /** How long close() waits for a graceful shutdown before terminating the thread (ms). */
  closeTimeoutMs?: number;
  resourceLimits?: ResourceLimits;
}

/**
 * The host's half of the call protocol (protocol.ts): numbered calls to the worker, each waiting for its result; all
 * of them fail when the thread crashes or exits.
 */
class WorkerCalls {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** The thread has exited: calls fail at once. */
  exited = false;
  /** close() was called: the exit is expected, not an 'exited' event. */
  closedByHost = false;

  constructor(
    private readonly worker: Worker,
    private readonly name: string,
  ) {}

  call<T>(message: DistributiveOmit<Exclude<HostMessage, { type: 'close' }>, 'id'>): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  settle(id: number, value: unknown, error?: Error): void {
    const waiting = this.pending.get(id);
    this.pending.delete(id);
    if (!waiting) return;
    if (error) waiting.reject(error);
    else waiting.resolve(value);
  }

  failAll(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Routes the worker's messages (results, health, events) for its whole life and resolves with its 'ready' message,
 * or rejects when it fails, crashes or exits first, or does not start within `startTimeoutMs`.
 */
function routeWorkerMessages<Info>(
  worker: Worker,
  calls: WorkerCalls,
  name: string,
  startTimeoutMs: number,
  onEvent?: ComponentEventListener,
): Promise<{ info: Info; methods: string[] }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${name}: did not start within ${startTimeoutMs} ms`));
      void worker.terminate();
    }, startTimeoutMs);
    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'ready':
          clearTimeout(timer);
          resolve({ info: message.info as Info, methods: message.methods });
          break;
        case 'failed':
          clearTimeout(timer);
          reject(deserializeError(message.error, `${name} failed to start`));
          void worker.terminate();
          break;
        case 'result':
          calls.settle(message.id, message.value, message.error ? deserializeError(message.error, name) : undefined);
          break;
        case 'health':
          calls.settle(message.id, message.value);
          break;
        case 'event':
          onEvent?.(name, message.event, message.data);
          break;
        case 'closed':
          break;
      }
    });
    worker.on('error', (error) => {
      clearTimeout(timer);
      const wrapped = new Error(`${name} crashed: ${error.message}`, { cause: error });
      reject(wrapped);
      calls.failAll(wrapped);
      onEvent?.(name, 'crashed', { message: error.message, stack: error.stack });
    });
    worker.on('exit', (code) => {
      calls.exited = true;
      clearTimeout(timer);
      const error = new Error(`${name} exited (code ${code})`);
      reject(error);
      calls.failAll(error);
      if (!calls.closedByHost) onEvent?.(name, 'exited', { code });
    });
  });
}

/** Asks the worker to close; terminates it after `closeTimeoutMs`, and reports a thread that will not even terminate. */
async function closeWorker(worker: Worker, calls: WorkerCalls, name: string, closeTimeoutMs: number, onEvent?: ComponentEventListener): Promise<void> {
  calls.closedByHost = true;
  if (calls.exited) return;
  const exitedPromise = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.postMessage({ type: 'close' } satisfies HostMessage);
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), closeTimeoutMs).unref());
  if ((await Promise.race([exitedPromise, timeout])) !== 'timeout') return;
  // terminate() itself never settles for a thread stuck in its exit-time handle clean-up; bound it, report it.
  const terminated = await Promise.race([
    worker.terminate().then(() => 'terminated' as const),
    new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 5_000).unref()),
  ]);
  if (terminated === 'stuck') {
    const message = `${name}: worker thread did not exit; the process will exit without it`;
    process.stderr.write(`warning: ${message}\n`);
    onEvent?.(name, 'stuck', { message });
  }
}

export async function startWorkerComponent<Config, Info, Methods extends MethodTable>(
  descriptor: ComponentDescriptor<Config, Info, Methods>,
  options: StartOptions<Config>,
): Promise<ComponentHandle<Info, Methods>> {
  const { name, onEvent } = options;
  const worker = new Worker(BOOT, {
    workerData: { entry: descriptor.entry.href, name, config: options.config },
    resourceLimits: options.resourceLimits,
    stdout: false,
    stderr: false,
    env: process.env,
  });
  const calls = new WorkerCalls(worker, name);
  const ready = await routeWorkerMessages<Info>(worker, calls, name, options.startTimeoutMs ?? 20_000, onEvent);
  const remote = Object.fromEntries(
    ready.methods.map((method) => [method, (...args: unknown[]) => calls.call({ type: 'call', method, args })]),
  ) as unknown as Remote<Methods>;
  let closing: Promise<void> | undefined;
  return {
    name,
    info: ready.info,
    remote,
    health: (reset = false) => calls.call<ThreadHealth>({ type: 'health', reset }),
    close: () => (closing ??= closeWorker(worker, calls, name, options.closeTimeoutMs ?? 5_000, onEvent)),
  };
}

/** Runs a descriptor's factory in this thread and wraps it in the same handle shape. */
export async function startInProcessComponent<Config, Info, Methods extends MethodTable>(
  descriptor: ComponentDescriptor<Config, Info, Methods>,
  options: StartOptions<Config>,
): Promise<ComponentHandle<Info, Methods>> {
  // Round-trip the config through structured clone so in-process runs catch what a worker would reject.
  const component = await descriptor.start(structuredClone(options.config), { emit: (event, data) => options.onEvent?.(options.name, event, data) });
  return inProcessHandle(options.name, component);
}

/** The handle of a component already started in this thread (one whose factory needs more than a config). */
export function inProcessHandle<Info, Methods extends MethodTable>(name: string, component: Component<Info, Methods>): ComponentHandle<Info, Methods> {
  const monitor = new ThreadHealthMonitor();
  const remote = Object.fromEntries(
    Object.entries(component.methods).map(([method, fn]) => [method, async (...args: unknown[]) => structuredClone(await fn(...args))]),
  ) as unknown as Remote<Methods>;
  let closing: Promise<void> | undefined;
  return {
    name,
    info: component.info,
    remote,
    health: async (reset = false) => monitor.read(reset),
    close: () => (closing ??= component.close().finally(() => monitor.close())),
  };
}
