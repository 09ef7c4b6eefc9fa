// The HTTP/2 downstream path of a terminating gateway: each stream is one request, routed and balanced on its own.
// Per request, as Envoy runs it: the filter chain (filterChain.ts: 421, identity headers, 400, route selection), a
// least-request host from the route's cluster (a lease, upstreamCluster.ts), the router with Istio's default retry
// policy (another host, up to 3 attempts, on connect failure, refused stream or reset before headers), and the
// route timeout (routeTimeout.ts).
import { randomUUID } from 'node:crypto';
import http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { KUBE_APISERVER_MAX_REQUEST_BODY_BYTES } from '../../webhook/constants.ts';
import { applyIdentityHeaders, runFilterChain } from './filterChain.ts';
import { sniOf } from './luaFilters.ts';
import {
  countLocalReply,
  MAX_ATTEMPTS,
  upstreamFailureText,
  type ControlPlaneRoutes,
  type ForwarderStats,
  type Route,
  isRetriable,
  type UpstreamFailure,
} from './route.ts';
import type { RouteTimeouts } from './routeTimeout.ts';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'host', 'http2-settings']);

export interface H2ForwarderContext {
  planeFor(sni: string): ControlPlaneRoutes | undefined;
  stats: ForwarderStats;
  timeouts: RouteTimeouts;
}

export function localReply(stream: http2.ServerHttp2Stream, status: number, body: string, stats: ForwarderStats): void {
  countLocalReply(stats, status);
  if (stream.destroyed || stream.closed) return;
  if (!stream.headersSent)
    stream.respond({ ':status': status, 'content-type': 'text/plain', server: 'istio-envoy', 'content-length': Buffer.byteLength(body) });
  stream.end(body);
}

export function forwardH2Stream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, context: H2ForwarderContext): void {
  const { stats } = context;
  stats.downstreamStreams++;
  stream.on('error', () => undefined);
  const socket = stream.session?.socket as TLSSocket | undefined;
  const sni = sniOf(socket);
  const plane = context.planeFor(sni);
  if (!plane) return localReply(stream, 404, 'route_not_found', stats);
  const decision = runFilterChain({ sni, authority: headers[':authority'], upgrade: false }, socket);
  if (decision.action === 'reply') return localReply(stream, decision.status, decision.body, stats);

  const out: http2.OutgoingHttpHeaders = {};
  // for...in, not Object.entries: no array of pairs per request on the hot path (header objects have no prototype).
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = value;
  }
  applyIdentityHeaders(out, decision.identity);
  const remote = socket?.remoteAddress ?? '';
  out['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']},${remote}` : remote;
  out['x-forwarded-proto'] = 'https';
  out['x-request-id'] = randomUUID();
  const route = plane.routes[decision.route];

  if ((flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0) {
    dispatch(stream, out, undefined, route, context);
    return;
  }
  // Buffer the (small) request body so a retry can resend it, as Envoy's router buffers for retries.
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > KUBE_APISERVER_MAX_REQUEST_BODY_BYTES) {
      localReply(stream, 413, 'Payload Too Large', stats);
      stream.close(http2.constants.NGHTTP2_CANCEL);
    } else chunks.push(chunk);
  });
  stream.on('end', () => {
    if (size <= KUBE_APISERVER_MAX_REQUEST_BODY_BYTES) dispatch(stream, out, Buffer.concat(chunks), route, context);
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

function dispatch(
  downstream: http2.ServerHttp2Stream,
  headers: http2.OutgoingHttpHeaders,
  body: Buffer | undefined,
  route: Route,
  context: H2ForwarderContext,
): void {
  const { stats } = context;
  const tried = new Set<string>();
  let upstream: http2.ClientHttp2Stream | undefined;
  const stopTimeout = context.timeouts.track(() => {
    upstream?.close(http2.constants.NGHTTP2_CANCEL);
    if (downstream.headersSent) downstream.close(http2.constants.NGHTTP2_CANCEL);
    else localReply(downstream, 504, 'upstream request timeout', stats);
  });
  downstream.once('close', () => {
    stopTimeout();
    if (upstream && !upstream.closed) upstream.close(http2.constants.NGHTTP2_CANCEL);
  });

  const attempt = (n: number) => {
    if (downstream.destroyed || downstream.closed) return;
    const lease = route.cluster.acquire(tried);
    if (!lease) return localReply(downstream, 503, 'no healthy upstream', stats);
    tried.add(lease.host.name);
    const started = performance.now();
    let current: http2.ClientHttp2Stream;
    try {
      current = route.pool.request(lease.host, headers, !body || body.length === 0);
    } catch {
      lease.release();
      return retryOrFail(n, 'connection failure');
    }
    upstream = current;
    let responded = false;
    // 'ready': the stream has its id on a connected session, i.e. the request went out.
    let sent = false;
    current.once('ready', () => (sent = true));
    current.on('response', (responseHeaders) => {
      responded = true;
      if (downstream.destroyed || downstream.closed) return current.close(http2.constants.NGHTTP2_CANCEL);
      const out: http2.OutgoingHttpHeaders = { ':status': responseHeaders[':status'] };
      for (const name in responseHeaders) {
        const value = responseHeaders[name];
        if (name.startsWith(':') || HOP_BY_HOP.has(name) || value === undefined) continue;
        out[name] = value;
      }
      out.server = 'istio-envoy';
      out['x-envoy-upstream-service-time'] = String(Math.round(performance.now() - started));
      downstream.respond(out);
      relayBody(current, downstream);
    });
    // A stream error of its own (ERR_HTTP2_STREAM_ERROR) is the peer's RST_STREAM; anything else came with the connection.
    let streamError: string | undefined;
    current.on('error', (error: NodeJS.ErrnoException) => (streamError = error.code));
    current.on('close', () => {
      lease.release();
      if (responded) {
        if (!downstream.writableEnded && !downstream.destroyed) downstream.end();
        return;
      }
      // Closed before any response: a refused stream (GOAWAY) or a connection that never came up is retried
      // elsewhere; a request lost after it was sent is not (route.ts isRetriable).
      const code = current.rstCode;
      const failure: UpstreamFailure = code === http2.constants.NGHTTP2_REFUSED_STREAM ? 'refused-stream' : sent ? 'reset' : 'connect-failure';
      const reason =
        failure === 'refused-stream'
          ? 'refused stream'
          : failure === 'reset'
            ? streamError === 'ERR_HTTP2_STREAM_ERROR'
              ? 'remote reset'
              : 'connection termination'
            : 'connection failure';
      if (isRetriable(failure)) retryOrFail(n, reason);
      else if (!downstream.destroyed && !downstream.closed) localReply(downstream, 503, upstreamFailureText(reason), stats);
    });
    if (body && body.length > 0) current.end(body);
  };
  const retryOrFail = (n: number, reason: string) => {
    if (downstream.destroyed || downstream.closed) return;
    if (n + 1 < MAX_ATTEMPTS) {
      stats.retries++;
      attempt(n + 1);
    } else {
      localReply(downstream, 503, upstreamFailureText(reason), stats);
    }
  };
  attempt(0);
}
