// Worker side of the component protocol: start the descriptor's factory with the config the host sent, answer
// calls and health probes, and close on request. sim/runtime/workerBoot.mjs calls this with the default export of
// the component module it was asked to load; no component module calls it itself.
import { parentPort, workerData } from 'node:worker_threads';
import type { Component, ComponentDescriptor, MethodTable } from './component.ts';
import { serializeError, type HostMessage, type WorkerMessage } from './protocol.ts';
import { ThreadHealthMonitor } from './threadHealth.ts';

/**
 * Lets sockets and servers finish closing inside the worker's own event loop before it exits. A worker that exits
 * while handles are still closing can spin forever in Node's exit-time handle clean-up (seen on Node 20 with TLS and
 * HTTP/2 sockets), taking its host thread with it.
 */
async function settleHandles(name: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const busy = process.getActiveResourcesInfo().filter((r) => r !== 'MessagePort' && r !== 'Timeout' && r !== 'Immediate');
    if (busy.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const left = process.getActiveResourcesInfo().filter((r) => r !== 'MessagePort');
  if (left.length > 0) process.stderr.write(`[${name}] still closing after ${timeoutMs} ms: ${left.join(', ')}\n`);
}

export function serveInWorker<Config, Info, Methods extends MethodTable>(descriptor: ComponentDescriptor<Config, Info, Methods>): void {
  if (!parentPort) throw new Error('serveInWorker must run inside a worker thread');
  const port = parentPort;
  const name = String(workerData?.name ?? descriptor.kind);
  const send = (message: WorkerMessage) => port.postMessage(message);
  const health = new ThreadHealthMonitor();
  let component: Component<Info, Methods> | undefined;
  let closing: Promise<void> | undefined;

  const close = async () => {
    closing ??= (async () => {
      try {
        await component?.close();
        health.close();
        await settleHandles(name);
      } finally {
        send({ type: 'closed' });
        port.close();
      }
    })();
    return closing;
  };

  port.on('message', async (message: HostMessage) => {
    switch (message.type) {
      case 'close':
        await close().catch(() => undefined);
        return;
      case 'health':
        send({ type: 'health', id: message.id, value: health.read(message.reset) });
        return;
      case 'call': {
        const method = component?.methods[message.method];
        try {
          if (!method) throw new Error(`component has no method "${message.method}"`);
          const value = await method(...message.args);
          send({ type: 'result', id: message.id, value });
        } catch (error) {
          send({ type: 'result', id: message.id, error: serializeError(error) });
        }
      }
    }
  });

  descriptor.start(workerData.config as Config, { emit: (event, data) => send({ type: 'event', event, data }) }).then(
    (started) => {
      component = started;
      send({ type: 'ready', info: started.info, methods: Object.keys(started.methods) });
    },
    (error) => {
      send({ type: 'failed', error: serializeError(error) });
      health.close();
      port.close();
    },
  );
}
