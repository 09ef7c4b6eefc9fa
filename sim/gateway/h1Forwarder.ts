// The HTTP/1.1 downstream path of a terminating gateway (clients with HTTP/2 disabled, DISABLE_HTTP2). It goes
// through http-proxy-3, the maintained TypeScript rewrite of http-proxy's API: http-proxy 1.18 is unmaintained
// since 2020, throws on HTTP/2 pseudo-headers and warns on Node 22+ (reference/dependencies.md §1). The target is
// chosen per request by the same balancer and counters as the HTTP/2 path; upstream stays HTTP/1.1 over keep-alive
// TLS agents, as Gardener's DestinationRule `useClientProtocol: true` gives for HTTP/1.1 clients.
// Upgrades (`Connection: Upgrade`) take the `-connection-upgrade` route; http-proxy-3 proxies websocket upgrades
// (kubectl exec/port-forward use websockets since Kubernetes 1.31); SPDY upgrades are not proxied (documented).
import https from 'node:https';
import type http from 'node:http';
import type net from 'node:net';
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { createProxyServer } from 'http-proxy-3';
import type { UpstreamCluster } from './cluster.ts';
import type { UpstreamEndpoint } from './endpoint.ts';
import { clientCertIdentity, isMisdirected, REMOTE_IDENTITY_HEADERS, sniOf } from './luaFilters.ts';
import type { ForwarderStats } from './h2Forwarder.ts';
import type { UpstreamTls } from './upstreamPool.ts';

export interface H1RouteTarget {
  cluster: UpstreamCluster;
  tls: UpstreamTls;
}

export interface H1ControlPlaneRoutes {
  hosts: string[];
  routes: Record<'default' | 'mtls' | 'connection-upgrade', H1RouteTarget>;
}

const MAX_ATTEMPTS = 3;
const MAX_BODY = 3 * 1024 * 1024;
const ROUTE_TIMEOUT_MS = 86_400_000;

export class H1Forwarder {
  private readonly proxy = createProxyServer({ xfwd: true, secure: true, proxyTimeout: ROUTE_TIMEOUT_MS });
  private readonly agents = new Map<string, https.Agent>();

  constructor(private readonly planeFor: (sni: string) => H1ControlPlaneRoutes | undefined, private readonly localAddress: string, private readonly stats: ForwarderStats) {
    this.proxy.on('proxyRes', (proxyRes: http.IncomingMessage) => {
      proxyRes.headers.server = 'istio-envoy';
    });
    this.proxy.on('error', () => undefined);
  }

  handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.stats.downstreamStreams++;
    const socket = req.socket as TLSSocket;
    const sni = sniOf(socket);
    const plane = this.planeFor(sni);
    if (!plane) return this.reply(res, 404, 'route_not_found');
    if (isMisdirected(sni, req.headers.host)) return this.reply(res, 421, 'Misdirected Request');
    const routeKind = this.applyIdentity(req, socket);
    if (routeKind === 'invalid') return this.reply(res, 400, 'Invalid certificate subject');
    const target = plane.routes[routeKind];

    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return this.reply(res, 413, 'Payload Too Large');
      this.dispatch(req, res, target, Buffer.concat(chunks));
    });
  }

  /** Upgrade requests go to the connection-upgrade cluster (HTTP/1.1 upstream ALPN). */
  upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const tlsSocket = req.socket as TLSSocket;
    const plane = this.planeFor(sniOf(tlsSocket));
    if (!plane || isMisdirected(sniOf(tlsSocket), req.headers.host) || this.applyIdentity(req, tlsSocket) === 'invalid') {
      socket.end('HTTP/1.1 400 Bad Request\r\nserver: istio-envoy\r\n\r\n');
      return;
    }
    const target = plane.routes['connection-upgrade'];
    const host = target.cluster.pick();
    if (!host) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nserver: istio-envoy\r\n\r\nno healthy upstream');
      return;
    }
    host.active++;
    host.total++;
    socket.once('close', () => host.active--);
    this.proxy.ws(req, socket, head, { target: { protocol: 'https:', host: host.ip, port: host.port }, agent: this.agentFor(target.tls, host, false) }, () => socket.destroy());
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.proxy.close();
  }

  private applyIdentity(req: http.IncomingMessage, socket: TLSSocket): 'default' | 'mtls' | 'invalid' {
    for (const name of REMOTE_IDENTITY_HEADERS) delete req.headers[name];
    const identity = clientCertIdentity(socket);
    if (!identity) return 'default';
    if (identity.commonName === '') return 'invalid';
    req.headers['x-remote-user'] = identity.commonName;
    if (identity.organizations.length > 0) req.headers['x-remote-group'] = identity.organizations.join(', ');
    return 'mtls';
  }

  private dispatch(req: http.IncomingMessage, res: http.ServerResponse, target: H1RouteTarget, body: Buffer): void {
    const tried = new Set<string>();
    const attempt = (n: number) => {
      const host = target.cluster.pick(tried);
      if (!host) return this.reply(res, 503, 'no healthy upstream');
      tried.add(host.name);
      host.active++;
      host.total++;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        host.active--;
      };
      res.once('close', finish);
      this.proxy.web(req, res, {
        target: { protocol: 'https:', host: host.ip, port: host.port },
        agent: this.agentFor(target.tls, host, true),
        buffer: Readable.from(body.length > 0 ? [body] : []),
      }, (error: Error) => {
        finish();
        if (res.headersSent) {
          res.destroy();
        } else if (n + 1 < MAX_ATTEMPTS) {
          this.stats.retries++;
          attempt(n + 1);
        } else {
          this.reply(res, 503, `upstream connect error or disconnect/reset before headers. reset reason: ${error.message}`);
        }
      });
    };
    attempt(0);
  }

  private agentFor(tls: UpstreamTls, host: UpstreamEndpoint, keepAlive: boolean): https.Agent {
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

  private reply(res: http.ServerResponse, status: number, body: string): void {
    this.stats.localReplies[status] = (this.stats.localReplies[status] ?? 0) + 1;
    if (res.headersSent) return void res.destroy();
    res.writeHead(status, { 'content-type': 'text/plain', server: 'istio-envoy', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
}
