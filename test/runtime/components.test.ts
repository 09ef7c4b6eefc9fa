// The component runtime (sim/runtime/): a descriptor runs in a worker thread or in-process behind the same typed
// handle; calls, events, errors, health and close behave the same.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startInProcessComponent, startWorkerComponent } from '../../sim/runtime/startComponent.ts';
import { pollUntil } from '../../scripts/core/poll.ts';
import echo from '../fixtures/echoComponent.ts';

function connectable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe('component runtime', () => {
  it('runs a component in a worker thread: info, typed calls, events, errors, close', async () => {
    const events: unknown[] = [];
    const handle = await startWorkerComponent(echo, { name: 'echo', config: { host: '127.0.0.1' }, onEvent: (_n, event, data) => events.push([event, data]) });
    expect(await connectable('127.0.0.1', handle.info.port)).toBe(true);
    expect(await handle.remote.add(2, 3)).toBe(5);
    expect(await handle.remote.shout('hi')).toBe('HI');
    await expect(handle.remote.boom()).rejects.toThrow(/echo: boom/);
    await handle.close();
    expect(events).toContainEqual(['shouted', 'hi']);
    expect(await connectable('127.0.0.1', handle.info.port)).toBe(false);
    await expect(handle.remote.add(1, 1)).rejects.toThrow(/echo is not running/);
  });

  it('offers exactly the methods the component has', async () => {
    const handle = await startWorkerComponent(echo, { name: 'echo', config: { host: '127.0.0.1' } });
    try {
      expect(Object.keys(handle.remote).sort()).toEqual(['add', 'block', 'boom', 'shout']);
    } finally {
      await handle.close();
    }
  });

  it('reports a start failure with the component name and leaves no thread behind', async () => {
    await expect(startWorkerComponent(echo, { name: 'echo', config: { host: '127.0.0.1', failOnStart: true } })).rejects.toThrow(
      /echo failed to start: asked to fail/,
    );
  });

  it('runs the same descriptor in-process', async () => {
    const handle = await startInProcessComponent(echo, { name: 'echo', config: { host: '127.0.0.1' } });
    expect(await handle.remote.add(1, 2)).toBe(3);
    await handle.close();
    expect(await connectable('127.0.0.1', handle.info.port)).toBe(false);
  });

  it("measures a worker's event-loop delay and CPU time (the self-check)", async () => {
    const handle = await startWorkerComponent(echo, { name: 'echo', config: { host: '127.0.0.1' } });
    try {
      await handle.health(true);
      await handle.remote.block(300);
      // One stall of 300 ms of CPU time: the loop was late by at least that much, and the thread's CPU time shows it.
      const health = await pollUntil(
        () => handle.health(),
        (h) => h.loopDelayMaxMs > 250,
        { timeoutMs: 2000, what: 'the stall in the loop delay' },
      );
      expect(health.cpuMs).toBeGreaterThanOrEqual(250);
      expect(health.utilization).toBeGreaterThan(0.3);
    } finally {
      await handle.close();
    }
  });
});
