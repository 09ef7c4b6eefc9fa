// The HTTP/1.1 downstream path of a terminating gateway (clients with HTTP/2 disabled, DISABLE_HTTP2). It goes
// through http-proxy-3, the maintained TypeScript rewrite of http-proxy's API: http-proxy 1.18 is unmaintained since
// 2020, throws on HTTP/2 pseudo-headers and warns on Node 22+ (docs/architecture.md#dependencies). Every request runs
// the same filter chain (filterChain.ts), lease (upstreamCluster.ts) and route timeout (routeTimeout.ts) as the
// HTTP/2 path; upstream stays HTTP/1.1 over keep-alive TLS agents, as Gardener's DestinationRule
// `useClientProtocol: true` gives for HTTP/1.1 clients (gardener/gardener#13459).
// Upgrades (`Connection: Upgrade`) take the `-connection-upgrade` route; http-proxy-3 proxies websocket upgrades
// (kubectl exec/port-forward use websockets since Kubernetes 1.31); SPDY upgrades are not proxied (documented).
import https from 'node:https';
import type http from 'node:http';
import type net from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { createProxyServer } from 'http-proxy-3';
import { upstreamFailureText, UPSTREAM_TIMEOUT_TEXT } from '../network/envoyLocalReply.ts';
import { applyIdentityHeaders, runFilterChain } from './filterChain.ts';
import { sniOf } from './luaFilters.ts';
import { fitsRetryBuffer, shouldRetry, type UpstreamFailure } from './retryDecision.ts';
import { countLocalReply, type ControlPlaneRoutes, type ForwarderStats, type Route } from './route.ts';

/** Socket errors of a connection attempt (Envoy's connect-failure): nothing was sent. */
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EADDRNOTAVAIL']);
import type { RouteTimeouts } from './routeTimeout.ts';
import type { UpstreamHost } from './upstreamHost.ts';
import type { UpstreamTls } from './upstreamPool.ts';

export class H1Forwarder {
  // The route timeout is enforced by RouteTimeouts, the same rule as for HTTP/2; http-proxy-3 arms none of its own.
  private readonly proxy = createProxyServer({ xfwd: true, secure: true });
  private readonly agents = new Map<string, https.Agent>();

  constructor(
    private readonly planeFor: (sni: string) => ControlPlaneRoutes | undefined,
    private readonly localAddress: string,
    private readonly stats: ForwarderStats,
    private readonly timeouts: RouteTimeouts,
  ) {
    this.proxy.on('proxyRes', (proxyRes: http.IncomingMessage) => {
      proxyRes.headers.server = 'istio-envoy';
    });
    this.proxy.on('error', () => undefined);
  }

  handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.stats.downstreamStreams++;
    const route = this.route(req);
    if ('status' in route) return this.reply(res, route.status, route.body);

    // Buffered so a retry can resend it; a body that outgrows the retry buffer is streamed to one attempt (retryDecision.ts).
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (fitsRetryBuffer(size, 'http/1.1')) return;
      req.off('data', onData);
      req.off('end', onEnd);
      const body = new PassThrough();
      for (const buffered of chunks) body.write(buffered);
      req.pipe(body);
      this.dispatch(req, res, route, body);
    };
    const onEnd = () => this.dispatch(req, res, route, Buffer.concat(chunks));
    req.on('data', onData);
    req.on('end', onEnd);
  }

  /** Upgrade requests: the filter chain routes them to the connection-upgrade cluster (HTTP/1.1 upstream ALPN). */
  upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const route = this.route(req);
    if ('status' in route) {
      socket.end(`HTTP/1.1 ${route.status} ${route.body}\r\nserver: istio-envoy\r\n\r\n`);
      return;
    }
    const lease = route.cluster.acquire();
    if (!lease) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nserver: istio-envoy\r\n\r\nno healthy upstream');
      return;
    }
    socket.once('close', () => lease.release());
    this.proxy.ws(
      req,
      socket,
      head,
      { target: { protocol: 'https:', host: lease.host.ip, port: lease.host.port }, agent: this.agentFor(route.tls, lease.host, false) },
      () => socket.destroy(),
    );
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.proxy.close();
  }

  /** Runs the filter chain; applies its header rules to the request in place. */
  private route(req: http.IncomingMessage): Route | { status: number; body: string } {
    const socket = req.socket as TLSSocket;
    const sni = sniOf(socket);
    const plane = this.planeFor(sni);
    if (!plane) return { status: 404, body: 'route_not_found' };
    const upgrade = /\bupgrade\b/i.test(String(req.headers.connection ?? '')) && req.headers.upgrade !== undefined;
    const decision = runFilterChain({ sni, authority: req.headers.host, upgrade }, socket);
    if (decision.action === 'reply') return { status: decision.status, body: decision.body };
    applyIdentityHeaders(req.headers, decision.identity);
    return plane.routes[decision.route];
  }

  /** `body` is buffered (retries possible) or streamed because it outgrew the retry buffer (no retries). */
  private dispatch(req: http.IncomingMessage, res: http.ServerResponse, route: Route, body: Buffer | Readable): void {
    const streamed = !Buffer.isBuffer(body);
    const tried = new Set<string>();
    const stopTimeout = this.timeouts.track(() => {
      if (res.headersSent) res.destroy();
      else this.reply(res, 504, UPSTREAM_TIMEOUT_TEXT);
    });
    res.once('close', stopTimeout);
    const attempt = (n: number) => {
      const lease = route.cluster.acquire(tried);
      if (!lease) return this.reply(res, 503, 'no healthy upstream');
      tried.add(lease.host.name);
      res.once('close', () => lease.release());
      this.proxy.web(
        req,
        res,
        {
          target: { protocol: 'https:', host: lease.host.ip, port: lease.host.port },
          agent: this.agentFor(route.tls, lease.host, true),
          buffer: streamed ? body : Readable.from(body.length > 0 ? [body] : []),
        },
        (error: Error) => {
          lease.release();
          // A connection that never came up is retried; a request lost on an established connection is not (retryDecision.ts).
          const failure: UpstreamFailure = CONNECT_FAILURES.has((error as NodeJS.ErrnoException).code ?? '') ? 'connect-failure' : 'reset';
          if (res.headersSent || res.destroyed) {
            res.destroy();
          } else if (shouldRetry({ attempt: n, failure, retriesAbandoned: streamed })) {
            this.stats.retries++;
            attempt(n + 1);
          } else {
            // Answered while a streamed body still arrives: the connection closes after the answer, as Envoy's HTTP/1
            // codec does for a stream reset before its request was complete (conn_manager_impl.cc doEndStream).
            const unfinished = streamed && !req.complete;
            this.reply(res, 503, upstreamFailureText(failure === 'connect-failure' ? 'connection failure' : 'connection termination'), unfinished);
          }
        },
      );
    };
    attempt(0);
  }

  private agentFor(tls: UpstreamTls, host: UpstreamHost, keepAlive: boolean): https.Agent {
    const key = `${keepAlive}|${tls.clientCert ? 'mtls' : 'simple'}|${host.ip}:${host.port}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new https.Agent({
        keepAlive,
        ca: tls.caPem,
        servername: tls.sni,
        cert: tls.clientCert?.certPem,
        key: tls.clientCert?.keyPem,
        localAddress: this.localAddress,
        ALPNProtocols: ['http/1.1'],
      } as https.AgentOptions);
      this.agents.set(key, agent);
    }
    return agent;
  }

  private reply(res: http.ServerResponse, status: number, body: string, closeConnection = false): void {
    countLocalReply(this.stats, status);
    if (res.headersSent) return void res.destroy();
    res.writeHead(status, {
      'content-type': 'text/plain',
      server: 'istio-envoy',
      'content-length': Buffer.byteLength(body),
      ...(closeConnection ? { connection: 'close' } : {}),
    });
    res.end(body);
  }
}
