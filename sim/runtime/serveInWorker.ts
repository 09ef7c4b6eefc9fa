// Worker side of the component protocol: start the factory with the config the host sent, answer calls, and
// close on request. A component module ends with `serveInWorker(factory)` guarded by `isMainWorkerModule`.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Component, ComponentFactory } from './component.ts';
import { serializeError, type HostMessage, type WorkerMessage } from './protocol.ts';

/**
 * Lets sockets and servers finish closing inside the worker's own event loop before it exits. A worker that exits
 * while handles are still closing can spin forever in Node's exit-time handle clean-up (seen on Node 20 with TLS and
 * HTTP/2 sockets), taking its host thread with it.
 */
async function settleHandles(timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const busy = process.getActiveResourcesInfo().filter((r) => r !== 'MessagePort' && r !== 'Timeout' && r !== 'Immediate');
    if (busy.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const left = process.getActiveResourcesInfo().filter((r) => r !== 'MessagePort');
  if (left.length > 0) process.stderr.write(`[${componentName()}] still closing after ${timeoutMs} ms: ${left.join(', ')}\n`);
}

function componentName(): string {
  return String(workerData?.entry ?? 'worker').split('/').slice(-2).join('/');
}

export function serveInWorker<Config, Info>(factory: ComponentFactory<Config, Info>): void {
  if (isMainThread || !parentPort) throw new Error('serveInWorker must run inside a worker thread');
  const port = parentPort;
  const send = (message: WorkerMessage) => port.postMessage(message);
  let component: Component<Info> | undefined;
  let closing: Promise<void> | undefined;

  const close = async () => {
    closing ??= (async () => {
      try {
        await component?.close();
        await settleHandles();
      } finally {
        send({ type: 'closed' });
        port.close();
      }
    })();
    return closing;
  };

  port.on('message', async (message: HostMessage) => {
    if (message.type === 'close') {
      await close().catch(() => undefined);
      return;
    }
    if (message.type === 'call') {
      const method = component?.methods?.[message.method];
      try {
        if (!method) throw new Error(`component has no method "${message.method}"`);
        const value = await method(...message.args);
        send({ type: 'result', id: message.id, value });
      } catch (error) {
        send({ type: 'result', id: message.id, error: serializeError(error) });
      }
    }
  });

  factory(workerData.config as Config, { emit: (event, data) => send({ type: 'event', event, data }) }).then(
    (started) => {
      component = started;
      send({ type: 'ready', info: started.info });
    },
    (error) => {
      send({ type: 'failed', error: serializeError(error) });
      port.close();
    },
  );
}
