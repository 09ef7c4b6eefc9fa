// Host side: start a component in its own worker thread (the default for measured runs) or in this thread
// (unit tests, debugging). Both give the same ComponentHandle.
import { Worker } from 'node:worker_threads';
import type { Component, ComponentEventListener, ComponentFactory, ComponentHandle } from './component.ts';
import { deserializeError, type HostMessage, type WorkerMessage } from './protocol.ts';

const BOOT = new URL('./workerBoot.mjs', import.meta.url);

export interface WorkerStartOptions {
  /** Name for messages and events, e.g. "apiserver" or "gateway-0". */
  name: string;
  /** The component module; it must call serveInWorker(factory) when loaded in a worker. */
  entry: URL;
  config: unknown;
  onEvent?: ComponentEventListener;
  /** How long start-up may take before the worker is terminated (ms). */
  startTimeoutMs?: number;
  /** How long close() waits for a graceful shutdown before terminating the thread (ms). */
  closeTimeoutMs?: number;
  resourceLimits?: import('node:worker_threads').ResourceLimits;
}

export async function startWorkerComponent<Info>(options: WorkerStartOptions): Promise<ComponentHandle<Info>> {
  const { name, onEvent } = options;
  const worker = new Worker(BOOT, {
    workerData: { entry: options.entry.href, config: options.config },
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

  const info = await new Promise<Info>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${name}: did not start within ${options.startTimeoutMs ?? 20_000} ms`));
      void worker.terminate();
    }, options.startTimeoutMs ?? 20_000);
    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'ready':
          clearTimeout(timer);
          resolve(message.info as Info);
          break;
        case 'failed':
          clearTimeout(timer);
          reject(deserializeError(message.error, `${name} failed to start`));
          void worker.terminate();
          break;
        case 'result': {
          const call = pending.get(message.id);
          pending.delete(message.id);
          if (!call) break;
          if (message.error) call.reject(deserializeError(message.error, name));
          else call.resolve(message.value);
          break;
        }
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

  let closing: Promise<void> | undefined;
  return {
    name,
    info,
    call<T>(method: string, ...args: unknown[]): Promise<T> {
      if (exited) return Promise.reject(new Error(`${name} is not running`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        worker.postMessage({ type: 'call', id, method, args } satisfies HostMessage);
      });
    },
    close(): Promise<void> {
      closing ??= (async () => {
        closedByHost = true;
        if (exited) return;
        const exitedPromise = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.postMessage({ type: 'close' } satisfies HostMessage);
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), options.closeTimeoutMs ?? 5_000).unref());
        if ((await Promise.race([exitedPromise, timeout])) !== 'timeout') return;
        // terminate() itself never settles for a thread stuck in its exit-time handle clean-up; bound it, report it.
        const terminated = await Promise.race([worker.terminate().then(() => 'terminated' as const), new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 5_000).unref())]);
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

/** Runs a component factory in this thread and wraps it in the same handle shape. */
export async function startInProcessComponent<Config, Info>(
  name: string,
  factory: ComponentFactory<Config, Info>,
  config: Config,
  onEvent?: ComponentEventListener,
): Promise<ComponentHandle<Info>> {
  // Round-trip the config through structured clone so in-process runs catch what a worker would reject.
  const component: Component<Info> = await factory(structuredClone(config), { emit: (event, data) => onEvent?.(name, event, data) });
  let closing: Promise<void> | undefined;
  return {
    name,
    info: component.info,
    async call<T>(method: string, ...args: unknown[]): Promise<T> {
      const fn = component.methods?.[method];
      if (!fn) throw new Error(`${name}: component has no method "${method}"`);
      return (await fn(...args)) as T;
    },
    close: () => (closing ??= component.close()),
  };
}
