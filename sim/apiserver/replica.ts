// One kube-apiserver replica: a TLS listener on its own loopback address speaking HTTP/2 and HTTP/1.1 (ALPN),
// SETTINGS_MAX_CONCURRENT_STREAMS 100 (secure_serving.go), client certificates requested but optional (authn
// decides), and the shared request pipeline. It tracks its connections so that restart() can drop them all, as a
// replaced pod would.
import http2 from 'node:http2';
import type net from 'node:net';
import { admitStream } from '../network/gracefulGoaway.ts';
import { handleRequest, type ReplicaContext } from './restHandler.ts';

export interface ReplicaListenConfig {
  name: string;
  ip: string;
  port: number;
  tls: { certPem: string; keyPem: string };
  trustedClientCas: string[];
  http2MaxStreamsPerConnection: number;
}

export interface ReplicaServer {
  url: string;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startReplicaServer(config: ReplicaListenConfig, ctx: ReplicaContext): Promise<ReplicaServer> {
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  let server: http2.Http2SecureServer | undefined;

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
        // HTTP/2 streams opened after this connection's GOAWAY are not served (gracefulGoaway.ts).
        if ('stream' in req && !admitStream(req.stream)) return;
        handleRequest(ctx, req, res).catch((error: Error) => {
          if (!res.headersSent) {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(`internal error: ${error.message}`);
          } else if (!res.writableEnded) res.end();
        });
      },
    );
    s.on('secureConnection', (socket: net.Socket) => {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
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
    server = s;
  };

  const stop = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const session of sessions) session.destroy();
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  await listen();
  return {
    url: `https://${config.ip}:${config.port}`,
    async restart() {
      await stop();
      await listen();
    },
    close: stop,
  };
}
