// The HTTP/2 downstream path of a terminating gateway: each stream is one request, routed and balanced on its own.
// Order per request, as Envoy's filter chain runs it: the Lua filters (421, identity headers, 400), route
// selection (connection-upgrade / mTLS / default), least-request host choice, then the router with Istio's default
// retry policy for a route without retries (2 attempts on connect-failure, refused-stream, unavailable, ...).
import { randomUUID } from 'node:crypto';
import http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { ClusterKind, UpstreamCluster } from './cluster.ts';
import { clientCertIdentity, isMisdirected, REMOTE_IDENTITY_HEADERS, sniOf } from './luaFilters.ts';
import type { H2UpstreamPool } from './upstreamPool.ts';

export interface RouteTarget {
  cluster: UpstreamCluster;
  pool: H2UpstreamPool;
}

export interface ControlPlaneRoutes {
  hosts: string[];
  routes: Record<'default' | 'mtls', RouteTarget>;
}

export interface ForwarderStats {
  downstreamStreams: number;
  localReplies: Record<string, number>;
  retries: number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'host', 'http2-settings']);
const MAX_BODY = 3 * 1024 * 1024;
/** Istio's default HTTP retry policy: 2 retries. */
const MAX_ATTEMPTS = 3;
// Gardener sets the route timeout to 1 day (#14061): we arm no per-request timer at all (a timer per stream is
// measurable on the hot path, and no simulated request lives for a day).

export function localReply(stream: http2.ServerHttp2Stream, status: number, body: string, stats: ForwarderStats): void {
  stats.localReplies[status] = (stats.localReplies[status] ?? 0) + 1;
  if (stream.destroyed || stream.closed) return;
  if (!stream.headersSent) stream.respond({ ':status': status, 'content-type': 'text/plain', server: 'istio-envoy', 'content-length': Buffer.byteLength(body) });
  stream.end(body);
}

export function forwardH2Stream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, planeFor: (sni: string) => ControlPlaneRoutes | undefined, stats: ForwarderStats): void {
  stats.downstreamStreams++;
  stream.on('error', () => undefined);
  const socket = stream.session?.socket as TLSSocket | undefined;
  const sni = sniOf(socket);
  const plane = planeFor(sni);
  if (!plane) return localReply(stream, 404, 'route_not_found', stats);
  if (isMisdirected(sni, headers[':authority'])) return localReply(stream, 421, 'Misdirected Request', stats);

  const out: http2.OutgoingHttpHeaders = {};
  // for...in, not Object.entries: no array of pairs per request on the hot path (header objects have no prototype).
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || REMOTE_IDENTITY_HEADERS.includes(name)) continue;
    out[name] = value;
  }
  let route: ClusterKind = 'default';
  const identity = socket ? clientCertIdentity(socket) : undefined;
  if (identity) {
    if (identity.commonName === '') return localReply(stream, 400, 'Invalid certificate subject', stats);
    out['x-remote-user'] = identity.commonName;
    if (identity.organizations.length > 0) out['x-remote-group'] = identity.organizations;
    route = 'mtls';
  }
  const remote = socket?.remoteAddress ?? '';
  out['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']},${remote}` : remote;
  out['x-forwarded-proto'] = 'https';
  out['x-request-id'] = randomUUID();
  const target = plane.routes[route];

  const endStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
  if (endStream) {
    dispatch(stream, out, undefined, target, stats);
    return;
  }
  // Buffer the (small) request body so a retry can resend it, as Envoy's router buffers for retries.
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY) {
      localReply(stream, 413, 'Payload Too Large', stats);
      stream.close(http2.constants.NGHTTP2_CANCEL);
    } else chunks.push(chunk);
  });
  stream.on('end', () => {
    if (size <= MAX_BODY) dispatch(stream, out, Buffer.concat(chunks), target, stats);
  });
}

/** Copies the response body with backpressure; cheaper per stream than Readable.pipe for small bodies. */
function relayBody(upstream: http2.ClientHttp2Stream, downstream: http2.ServerHttp2Stream): void {
  upstream.on('data', (chunk: Buffer) => {
    if (!downstream.write(chunk)) {
      upstream.pause();
      downstream.once('drain', () => upstream.resume());
    }
  });
  upstream.on('end', () => {
    if (!downstream.writableEnded && !downstream.destroyed) downstream.end();
  });
}

function dispatch(downstream: http2.ServerHttp2Stream, headers: http2.OutgoingHttpHeaders, body: Buffer | undefined, target: RouteTarget, stats: ForwarderStats): void {
  const tried = new Set<string>();
  const attempt = (n: number) => {
    if (downstream.destroyed || downstream.closed) return;
    const host = target.cluster.pick(tried);
    if (!host) return localReply(downstream, 503, 'no healthy upstream', stats);
    tried.add(host.name);
    host.active++;
    host.total++;
    const started = performance.now();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      host.active--;
    };
    let upstream: http2.ClientHttp2Stream;
    try {
      upstream = target.pool.request(host, headers, !body || body.length === 0);
    } catch {
      finish();
      return retryOrFail(n, 'connection failure');
    }
    let responded = false;
    upstream.on('response', (responseHeaders) => {
      responded = true;
      if (downstream.destroyed || downstream.closed) return upstream.close(http2.constants.NGHTTP2_CANCEL);
      const out: http2.OutgoingHttpHeaders = { ':status': responseHeaders[':status'] };
      for (const name in responseHeaders) {
        const value = responseHeaders[name];
        if (name.startsWith(':') || HOP_BY_HOP.has(name) || value === undefined) continue;
        out[name] = value;
      }
      out.server = 'istio-envoy';
      out['x-envoy-upstream-service-time'] = String(Math.round(performance.now() - started));
      downstream.respond(out);
      relayBody(upstream, downstream);
    });
    upstream.on('error', () => undefined);
    upstream.on('close', () => {
      finish();
      if (responded) {
        if (!downstream.writableEnded && !downstream.destroyed) downstream.end();
        return;
      }
      // Closed before any response: a refused stream (GOAWAY) or a reset/connect failure. Retry elsewhere.
      const code = upstream.rstCode;
      const reason = code === http2.constants.NGHTTP2_REFUSED_STREAM ? 'refused stream' : code ? `reset (code ${code})` : 'connection failure';
      retryOrFail(n, reason);
    });
    downstream.once('close', () => {
      if (!upstream.closed) upstream.close(http2.constants.NGHTTP2_CANCEL);
    });
    if (body && body.length > 0) upstream.end(body);
  };
  const retryOrFail = (n: number, reason: string) => {
    if (downstream.destroyed || downstream.closed) return;
    if (n + 1 < MAX_ATTEMPTS) {
      stats.retries++;
      attempt(n + 1);
    } else {
      localReply(downstream, 503, `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`, stats);
    }
  };
  attempt(0);
}
