// The socket-closing rules that keep worker threads able to exit (sim/network/socketClose.ts).
import net from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyWhenSettled, resetSocket } from '../../sim/network/socketClose.ts';

describe('socketClose', () => {
  let server: net.Server;
  let port: number;
  beforeAll(async () => {
    server = net.createServer((s) => s.on('error', () => undefined));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const connected = async () => {
    const socket = net.connect({ host: '127.0.0.1', port });
    await once(socket, 'connect');
    return socket;
  };
  const closesWithin = (socket: net.Socket, ms: number) =>
    new Promise<boolean>((resolve) => {
      socket.once('close', () => resolve(true));
      setTimeout(() => resolve(false), ms).unref();
    });

  it('resetSocket right after end() (shutdown still pending) really closes the handle', async () => {
    // Plain resetAndDestroy() here makes libuv refuse the reset while Node marks the handle closing: no 'close' ever.
    const socket = await connected();
    socket.on('error', () => undefined);
    const closed = closesWithin(socket, 1000);
    socket.end();
    resetSocket(socket);
    expect(await closed).toBe(true);
  });

  it('resetSocket on an open socket sends RST: the peer sees ECONNRESET', async () => {
    const accepted = once(server, 'connection');
    const socket = await connected();
    const [peer] = (await accepted) as [net.Socket];
    const peerError = new Promise<string>((resolve) => peer.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')));
    resetSocket(socket);
    expect(await peerError).toBe('ECONNRESET');
  });

  it('destroyWhenSettled on a connecting socket closes it once the attempt settles', async () => {
    const socket = net.connect({ host: '127.0.0.1', port });
    expect(socket.connecting).toBe(true);
    const closed = closesWithin(socket, 1000);
    destroyWhenSettled(socket, true);
    expect(await closed).toBe(true);
    expect(socket.destroyed).toBe(true);
  });
});
