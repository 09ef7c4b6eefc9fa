// The graceful HTTP/2 GOAWAY shared by the simulated kube-apiserver (--goaway-chance) and the webhook's shutdown:
// Go's behaviour (last-stream-id = highest stream received, later streams not served, in-flight ones finish, then
// the connection closes), without Node's session.close() and its use-after-free window.
import http2 from 'node:http2';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptsStream, startGracefulShutdown } from '../../webhook/gracefulGoaway.ts';
import { waitFor } from '../../scripts/core/poll.ts';

interface Answer {
  status?: number;
  rstCode?: number;
}

function request(session: http2.ClientHttp2Session, path: string): Promise<Answer> {
  return new Promise((resolve) => {
    const answer: Answer = {};
    const stream = session.request({ ':path': path });
    stream.on('response', (headers) => (answer.status = headers[':status']));
    stream.on('error', () => undefined);
    stream.resume();
    stream.on('close', () => resolve({ ...answer, rstCode: stream.rstCode }));
  });
}

describe('graceful GOAWAY', () => {
  let server: http2.Http2Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  async function start(onStream: (stream: http2.ServerHttp2Stream, path: string) => void): Promise<string> {
    server = http2.createServer();
    server.on('stream', (stream, headers) => {
      stream.on('error', () => undefined);
      if (!acceptsStream(stream)) return;
      onStream(stream, String(headers[':path']));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }

  it('names the highest received stream, refuses later ones unserved, lets in-flight ones finish, then closes', async () => {
    const served: number[] = [];
    let markedClosed: boolean | undefined;
    let serverSession: http2.ServerHttp2Session | undefined;
    let answerSlow: (() => void) | undefined;
    const url = await start((stream, path) => {
      served.push(stream.id!);
      serverSession = stream.session as http2.ServerHttp2Session;
      if (path === '/slow') {
        // Held open until the test answers it, after the shutdown has begun.
        answerSlow = () => {
          stream.respond({ ':status': 200 });
          stream.end('slow');
        };
        return;
      }
      stream.respond({ ':status': 200 });
      stream.end();
      if (path === '/trigger') {
        startGracefulShutdown(stream.session!);
        markedClosed = stream.session!.closed;
      }
    });
    const client = http2.connect(url);
    client.on('error', () => undefined);
    const goaway = new Promise<{ code: number; lastStreamID: number }>((resolve) =>
      client.once('goaway', (code, lastStreamID) => resolve({ code, lastStreamID })),
    );
    let clientClosedAt: number | undefined;
    const closed = new Promise<number>((resolve) =>
      client.once('close', () => {
        clientClosedAt = performance.now();
        resolve(clientClosedAt);
      }),
    );

    const slow = request(client, '/slow'); // stream 1, in flight until answerSlow()
    await waitFor(() => answerSlow !== undefined, { timeoutMs: 3000, what: 'the server to hold stream 1' });
    // Streams 3 and 5 leave in one write: the server reads both before it answers 3 and shuts down, so 5 reaches
    // it in exactly the window where Node's session.close() would refuse it from inside nghttp2.
    const trigger = request(client, '/trigger');
    const late = request(client, '/late');

    expect(await trigger).toMatchObject({ status: 200, rstCode: 0 });
    expect(await goaway).toEqual({ code: http2.constants.NGHTTP2_NO_ERROR, lastStreamID: 3 });
    expect(await late).toEqual({ status: undefined, rstCode: http2.constants.NGHTTP2_REFUSED_STREAM });
    // Stream 1 is still in flight, so the connection is still open on both ends.
    expect({ clientClosedAt, serverDestroyed: serverSession?.destroyed }).toEqual({ clientClosedAt: undefined, serverDestroyed: false });
    answerSlow!();
    const slowAnswer = await slow;
    const slowDone = performance.now();
    expect(slowAnswer).toMatchObject({ status: 200, rstCode: 0 });
    expect(served).toEqual([1, 3]); // stream 5 never reached the handler
    // The safety property: Node must never see the session as closed while HEADERS can still arrive, or it refuses
    // them from inside nghttp2 (the use-after-free this module exists to avoid).
    expect(markedClosed).toBe(false);
    expect(await closed).toBeGreaterThanOrEqual(slowDone - 1); // the server closed the connection after the last stream
    await waitFor(() => serverSession?.destroyed === true, { timeoutMs: 3000, what: 'the server session to be destroyed' });
  });

  it('closes at once when nothing is in flight, and a second shutdown is a no-op', async () => {
    const url = await start((stream) => {
      stream.respond({ ':status': 200 });
      stream.end();
      startGracefulShutdown(stream.session!);
      startGracefulShutdown(stream.session!);
    });
    const client = http2.connect(url);
    client.on('error', () => undefined);
    const goaways: number[] = [];
    client.on('goaway', (_code, last) => goaways.push(last));
    expect(await request(client, '/')).toMatchObject({ status: 200 });
    await new Promise((resolve) => client.once('close', resolve));
    expect(goaways[0]).toBe(1);
  });
});
