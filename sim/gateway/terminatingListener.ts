// The listener of a gateway pod in `terminate` mode (Gardener L7, docs/gardener.md#gateway-and-virtualservice): TLS
// with each control plane's own serving certificate chosen by SNI, an optional client certificate verified against
// that control plane's ca-client (Gateway tls.mode OPTIONAL_MUTUAL), then HTTP/2 streams to the node:http2 forwarder
// and HTTP/1.1 to http-proxy-3, on the same filter chain and upstream clusters. Gardener's envoy-filter settings:
// max_concurrent_streams 100 (configurable), a 1 MiB initial connection window and a 64 KiB stream window downstream.
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import tls from 'node:tls';
import type { GatewayPodConfig } from './gatewayPod.ts';
import { forwardH2Stream } from './h2Forwarder.ts';
import { H1Forwarder } from './h1Forwarder.ts';
import type { ControlPlaneRoutes, ForwarderStats } from './route.ts';
import type { RouteTimeouts } from './routeTimeout.ts';

export interface TerminatingListener {
  server: tls.Server;
  h1: H1Forwarder;
}

/**
 * The TLS server of a terminating pod; `onDownstream` sees every accepted connection (accounting), before the
 * client certificate check.
 */
export function terminatingListener(
  config: GatewayPodConfig,
  planeFor: (sni: string) => ControlPlaneRoutes | undefined,
  stats: ForwarderStats,
  timeouts: RouteTimeouts,
  onDownstream: (socket: net.Socket) => void,
): TerminatingListener {
  const contexts = new Map<string, tls.SecureContext>();
  for (const cp of config.controlPlanes) {
    const context = tls.createSecureContext({ key: cp.servingTls.keyPem, cert: cp.servingTls.certPem, ca: cp.clientCaPem });
    for (const host of cp.hosts) contexts.set(host.toLowerCase(), context);
  }
  const h2server = http2.createServer({
    settings: { maxConcurrentStreams: config.maxConcurrentStreams, initialWindowSize: 65_536 },
    maxSessionMemory: 64,
  });
  h2server.on('session', (session) => {
    session.on('error', () => undefined);
    // Gardener: initial_connection_window_size 1 MiB on the gateway's downstream HTTP/2.
    session.on('connect', () => session.setLocalWindowSize(1 << 20));
  });
  const h2context = { planeFor, stats, timeouts };
  h2server.on('stream', (stream, headers, flags) => forwardH2Stream(stream, headers, flags, h2context));
  const h1 = new H1Forwarder(planeFor, config.ip, stats, timeouts);
  const h1server = http.createServer((req, res) => h1.handle(req, res));
  h1server.on('upgrade', (req, socket, head) => h1.upgrade(req, socket as net.Socket, head));
  h1server.on('clientError', (_error, socket) => socket.destroy());
  const server = tls.createServer(
    {
      ALPNProtocols: ['h2', 'http/1.1'],
      requestCert: true,
      rejectUnauthorized: false,
      SNICallback: (servername, callback) => {
        const context = contexts.get(servername.toLowerCase());
        if (context) callback(null, context);
        else callback(new Error(`no filter chain for server name "${servername}"`));
      },
    },
    (socket) => {
      onDownstream(socket);
      socket.setNoDelay(true);
      // OPTIONAL_MUTUAL: no client certificate is fine, an invalid one ends the connection.
      const peer = socket.getPeerCertificate();
      if (peer && Object.keys(peer).length > 0 && !socket.authorized) return socket.destroy();
      if (socket.alpnProtocol === 'h2') h2server.emit('connection', socket);
      else h1server.emit('connection', socket);
    },
  );
  server.on('tlsClientError', () => undefined);
  return { server, h1 };
}
