import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startInProcessComponent, startWorkerComponent } from '../../sim/runtime/startComponent.ts';
import { startEcho } from '../fixtures/echoComponent.ts';

const entry = new URL('../fixtures/echoComponent.ts', import.meta.url);

function connectable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
}

describe('component runtime', () => {
  it('runs a component in a worker thread: info, calls, events, errors, close', async () => {
    const events: unknown[] = [];
    const handle = await startWorkerComponent<{ port: number }>({
      name: 'echo', entry, config: { host: '127.0.0.1' }, onEvent: (_n, event, data) => events.push([event, data]),
    });
    expect(await connectable('127.0.0.1', handle.info.port)).toBe(true);
    expect(await handle.call('add', 2, 3)).toBe(5);
    expect(await handle.call('shout', 'hi')).toBe('HI');
    await expect(handle.call('boom')).rejects.toThrow(/echo: boom/);
    await expect(handle.call('nope')).rejects.toThrow(/no method "nope"/);
    await handle.close();
    expect(events).toContainEqual(['shouted', 'hi']);
    expect(await connectable('127.0.0.1', handle.info.port)).toBe(false);
    await expect(handle.call('add', 1, 1)).rejects.toThrow(/not running/);
  });

  it('reports a start failure with the component name and leaves no thread behind', async () => {
    await expect(startWorkerComponent({ name: 'echo', entry, config: { host: '127.0.0.1', failOnStart: true } }))
      .rejects.toThrow(/echo failed to start: asked to fail/);
  });

  it('runs the same factory in-process', async () => {
    const handle = await startInProcessComponent('echo', startEcho, { host: '127.0.0.1' });
    expect(await handle.call('add', 1, 2)).toBe(3);
    await handle.close();
    expect(await connectable('127.0.0.1', handle.info.port)).toBe(false);
  });
});
