// One kube-apiserver replica: a TLS listener on its own loopback address speaking HTTP/2 and HTTP/1.1 (ALPN),
// SETTINGS_MAX_CONCURRENT_STREAMS 100 (docs/kube-apiserver.md#max_concurrent_streams), client certificates requested
// but optional (authn decides), and the shared request pipeline. It tracks its connections so that the pod's
// lifecycle can end them as a real one would:
// - kill: the process dies; every connection is reset at once (RST), in-flight requests fail;
// - graceful: /readyz turns 500, the listener stops accepting, each HTTP/2 connection gets Go's graceful GOAWAY
//   (in-flight streams finish, new ones are refused), and what is still open after the drain time is closed;
// - start: the listener comes back; /readyz answers 200 only after the readiness delay (start-up takes time).
//
// Resetting a TLS connection takes care: only the TCP socket under it can be reset (a TLSSocket refuses
// resetAndDestroy()), and a TCP socket reset while the server's TLS handshake on it is still under way loses the
// reset: Node reports the socket destroyed, but the connection stays open and the peer sees nothing (reproduced on
// Node 20.20 in 30 of 30 tries; it also kept server.close() from ever finishing). So a kill resets each connection
// whose handshake is done at once and the others the moment theirs completes (TLSSocket._parent is the TCP socket).
import http2 from 'node:http2';
import type net from 'node:net';
import type tls from 'node:tls';
import { acceptsStream, startGracefulShutdown } from '../../webhook/gracefulGoaway.ts';
import { resetSocket } from '../network/socketClose.ts';
import { handleRequest, type ReplicaContext } from './restHandler.ts';

export interface ReplicaListenConfig {
  name: string;
  ip: string;
  port: number;
  tls: { certPem: string; keyPem: string };
  trustedClientCas: string[];
  http2MaxStreamsPerConnection: number;
}

export type StopMode = 'kill' | 'graceful';

export interface ReplicaServer {
  url: string;
  readonly running: boolean;
  start(): Promise<void>;
  stop(mode: StopMode, drainMs?: number): Promise<void>;
  /** Open client connections (TLS sockets) right now. */
  readonly connections: number;
  close(): Promise<void>;
}

interface Listener {
  server: http2.Http2SecureServer;
  /** The TCP sockets of every connection, and those whose TLS handshake is done. */
  sockets: Set<net.Socket>;
  secured: WeakSet<net.Socket>;
  killed: boolean;
}

export async function startReplicaServer(config: ReplicaListenConfig, ctx: ReplicaContext): Promise<ReplicaServer> {
  const sessions = new Set<http2.ServerHttp2Session>();
  let listener: Listener | undefined;
  let openSockets = 0;

  const listen = async () => {
    const s = http2.createSecureServer(
      {
        key: config.tls.keyPem,
        cert: config.tls.certPem,
        ca: config.trustedClientCas,
        requestCert: true,
        rejectUnauthorized: false,
        allowHTTP1: true,
        settings: { maxConcurrentStreams: config.http2MaxStreamsPerConnection },
        // 100 concurrent streams with watch buffers must never trip nghttp2's session memory limit (ENHANCE_YOUR_CALM).
        maxSessionMemory: 64,
      },
      (req, res) => {
        // HTTP/2 streams opened after this connection's GOAWAY are not served (webhook/gracefulGoaway.ts).
        if ('stream' in req && !acceptsStream(req.stream)) return;
        ctx.activeRequests++;
        handleRequest(ctx, req, res)
          .catch((error: Error) => {
            if (!res.headersSent) {
              res.writeHead(500, { 'content-type': 'text/plain' });
              res.end(`internal error: ${error.message}`);
            } else if (!res.writableEnded) res.end();
          })
          .finally(() => ctx.activeRequests--);
      },
    );
    const l: Listener = { server: s, sockets: new Set(), secured: new WeakSet(), killed: false };
    s.on('connection', (socket: net.Socket) => {
      socket.setNoDelay(true);
      l.sockets.add(socket);
      openSockets++;
      socket.on('close', () => {
        l.sockets.delete(socket);
        openSockets--;
      });
    });
    s.on('secureConnection', (tlsSocket: tls.TLSSocket) => {
      const tcp = (tlsSocket as tls.TLSSocket & { _parent?: net.Socket })._parent;
      if (!tcp) return;
      l.secured.add(tcp);
      if (l.killed) resetSocket(tcp);
    });
    s.on('session', (session) => {
      sessions.add(session);
      session.on('close', () => sessions.delete(session));
      session.on('error', () => undefined);
    });
    s.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      s.once('error', (error) => reject(new Error(`${config.name}: cannot listen on ${config.ip}:${config.port}: ${error.message}`)));
      s.listen(config.port, config.ip, () => resolve());
    });
    listener = l;
  };

  const stop = async (mode: StopMode, drainMs = 2000) => {
    const l = listener;
    listener = undefined;
    if (!l) return;
    const closed = new Promise<void>((resolve) => l.server.close(() => resolve()));
    if (mode === 'graceful') {
      for (const session of sessions) startGracefulShutdown(session);
      const deadline = Date.now() + drainMs;
      while (l.sockets.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      // What is still open after the drain time is closed (FIN, not a reset).
      for (const session of sessions) session.destroy();
      for (const socket of l.sockets) socket.destroy();
    } else {
      // A killed process sends nothing: no GOAWAY (a session's destroy() would write one), just a reset.
      l.killed = true;
      for (const socket of l.sockets) if (l.secured.has(socket)) resetSocket(socket);
    }
    await closed;
  };

  await listen();
  return {
    url: `https://${config.ip}:${config.port}`,
    get running() {
      return listener !== undefined;
    },
    get connections() {
      return openSockets;
    },
    async start() {
      if (!listener) await listen();
    },
    stop,
    close: () => stop('kill'),
  };
}
