// Host side: start a component from its descriptor in its own worker thread (measured runs) or in this thread
// (unit tests, the seed kube-apiserver with its admission plugin). Both give the same typed ComponentHandle.
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Component, ComponentDescriptor, ComponentEventListener, ComponentHandle, MethodTable, Remote } from './component.ts';
import { deserializeError, type HostMessage, type WorkerMessage } from './protocol.ts';
import { ThreadHealthMonitor, type ThreadHealth } from './threadHealth.ts';

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

export async function startWorkerComponent<Config, Info, Methods extends MethodTable>(
  descriptor: ComponentDescriptor<Config, Info, Methods>,
  options: StartOptions<Config>,
): Promise<ComponentHandle<Info, Methods>> {
  const { name, onEvent } = options;
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const worker = new Worker(BOOT, {
    workerData: { entry: descriptor.entry.href, name, config: options.config },
    resourceLimits: options.resourceLimits,
    stdout: false,
    stderr: false,
    env: process.env,
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let exited = false;
  let closedByHost = false;

  const failPending = (error: Error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  const settle = (id: number, value: unknown, error?: Error) => {
    const waiting = pending.get(id);
    pending.delete(id);
    if (!waiting) return;
    if (error) waiting.reject(error);
    else waiting.resolve(value);
  };

  const ready = await new Promise<{ info: Info; methods: string[] }>((resolve, reject) => {
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
          settle(message.id, message.value, message.error ? deserializeError(message.error, name) : undefined);
          break;
        case 'health':
          settle(message.id, message.value);
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
      failPending(wrapped);
      onEvent?.(name, 'crashed', { message: error.message, stack: error.stack });
    });
    worker.on('exit', (code) => {
      exited = true;
      clearTimeout(timer);
      const error = new Error(`${name} exited (code ${code})`);
      reject(error);
      failPending(error);
      if (!closedByHost) onEvent?.(name, 'exited', { code });
    });
  });

  const send = <T>(message: HostMessage & { id: number }): Promise<T> => {
    if (exited) return Promise.reject(new Error(`${name} is not running`));
    return new Promise<T>((resolve, reject) => {
      pending.set(message.id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage(message);
    });
  };
  const remote = Object.fromEntries(
    ready.methods.map((method) => [method, (...args: unknown[]) => send({ type: 'call', id: nextId++, method, args })]),
  ) as unknown as Remote<Methods>;

  let closing: Promise<void> | undefined;
  return {
    name,
    info: ready.info,
    remote,
    health: (reset = false) => send<ThreadHealth>({ type: 'health', id: nextId++, reset }),
    close(): Promise<void> {
      closing ??= (async () => {
        closedByHost = true;
        if (exited) return;
        const exitedPromise = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.postMessage({ type: 'close' } satisfies HostMessage);
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), options.closeTimeoutMs ?? 5_000).unref());
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
      })();
      return closing;
    },
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
