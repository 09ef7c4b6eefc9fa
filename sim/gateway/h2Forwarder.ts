// The HTTP/2 downstream path of a terminating gateway: each stream is one request, routed and balanced on its own.
// Per request, as Envoy runs it: the filter chain (filterChain.ts: 421, identity headers, 400, route selection), a
// least-request host from the route's cluster (a lease, upstreamCluster.ts), the router with Istio's default retry
// policy (retryDecision.ts: another host, up to 3 attempts, on connect failure or refused stream, while the body fits
// the retry buffer), and the route timeout (routeTimeout.ts).
import { randomUUID } from 'node:crypto';
import http2 from 'node:http2';
import { PassThrough, type Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { upstreamFailureText, UPSTREAM_TIMEOUT_TEXT, type UpstreamResetReason } from '../network/envoyLocalReply.ts';
import { applyIdentityHeaders, runFilterChain } from './filterChain.ts';
import { sniOf } from './luaFilters.ts';
import { fitsRetryBuffer, shouldRetry, type UpstreamFailure } from './retryDecision.ts';
import { countLocalReply, type ControlPlaneRoutes, type ForwarderStats, type Route } from './route.ts';
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

/** What every stream of one downstream connection shares: looked up once per HTTP/2 session, not per request. */
interface DownstreamConnection {
  /** The session's socket as node:http2 exposes it (client certificate, SNI). */
  socket: TLSSocket | undefined;
  sni: string;
  plane: ControlPlaneRoutes | undefined;
  remoteAddress: string;
}

const connections = new WeakMap<http2.Http2Session, DownstreamConnection>();

function downstreamConnection(session: http2.Http2Session | undefined, context: H2ForwarderContext): DownstreamConnection {
  const known = session && connections.get(session);
  if (known) return known;
  const socket = session?.socket as TLSSocket | undefined;
  const sni = sniOf(socket);
  const connection: DownstreamConnection = { socket, sni, plane: context.planeFor(sni), remoteAddress: socket?.remoteAddress ?? '' };
  if (session) connections.set(session, connection);
  return connection;
}

/** Listener for errors that the close paths already handle. */
function ignore(): void {}

export function forwardH2Stream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, context: H2ForwarderContext): void {
  const { stats } = context;
  stats.downstreamStreams++;
  stream.on('error', ignore);
  const connection = downstreamConnection(stream.session, context);
  const plane = connection.plane;
  if (!plane) return localReply(stream, 404, 'route_not_found', stats);
  const decision = runFilterChain({ sni: connection.sni, authority: headers[':authority'], upgrade: false }, connection.socket);
  if (decision.action === 'reply') return localReply(stream, decision.status, decision.body, stats);

  const out: http2.OutgoingHttpHeaders = {};
  // for...in, not Object.entries: no array of pairs per request on the hot path (header objects have no prototype).
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = value;
  }
  applyIdentityHeaders(out, decision.identity);
  const remote = connection.remoteAddress;
  out['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']},${remote}` : remote;
  out['x-forwarded-proto'] = 'https';
  out['x-request-id'] = randomUUID();
  const route = plane.routes[decision.route];

  if ((flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0) {
    new ProxiedStream(stream, out, undefined, route, context).attempt(0);
    return;
  }
  // Buffer the request body so a retry can resend it, as Envoy's router buffers for retries; a body that outgrows the
  // retry buffer is streamed to a single attempt instead (retryDecision.ts).
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    chunks.push(chunk);
    if (fitsRetryBuffer(size, 'h2')) return;
    stream.off('data', onData);
    stream.off('end', onEnd);
    const body = new PassThrough();
    for (const buffered of chunks) body.write(buffered);
    stream.pipe(body);
    new ProxiedStream(stream, out, body, route, context).attempt(0);
  };
  const onEnd = () => new ProxiedStream(stream, out, Buffer.concat(chunks), route, context).attempt(0);
  stream.on('data', onData);
  stream.on('end', onEnd);
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

/**
 * One downstream request on its way through the router: attempts on hosts from the route's cluster, the route
 * timeout, and the answer relayed back. A class rather than closures: one object per request instead of a closure
 * per step (each named closure also costs a name definition under the tsx loader, docs/performance.md#gateway).
 */
class ProxiedStream {
  private upstream: http2.ClientHttp2Stream | undefined;
  /** Hosts this request was sent to (Envoy's previous_hosts retry predicate); created on the first retry. */
  private tried: Set<string> | undefined;
  private firstHost: string | undefined;
  private readonly stopTimeout: () => void;

  constructor(
    private readonly downstream: http2.ServerHttp2Stream,
    private readonly headers: http2.OutgoingHttpHeaders,
    /** Buffered (retries possible), or streamed because it outgrew the retry buffer (no retries). */
    private readonly body: Buffer | Readable | undefined,
    private readonly route: Route,
    private readonly context: H2ForwarderContext,
  ) {
    this.stopTimeout = context.timeouts.track(() => this.expire());
    downstream.once('close', () => {
      this.stopTimeout();
      if (this.upstream && !this.upstream.closed) this.upstream.close(http2.constants.NGHTTP2_CANCEL);
    });
  }

  private expire(): void {
    this.upstream?.close(http2.constants.NGHTTP2_CANCEL);
    if (this.downstream.headersSent) this.downstream.close(http2.constants.NGHTTP2_CANCEL);
    else localReply(this.downstream, 504, UPSTREAM_TIMEOUT_TEXT, this.context.stats);
  }

  attempt(n: number): void {
    const { downstream, route, body } = this;
    if (downstream.destroyed || downstream.closed) return;
    if (this.firstHost !== undefined) this.tried ??= new Set([this.firstHost]);
    const lease = route.cluster.acquire(this.tried);
    if (!lease) return localReply(downstream, 503, 'no healthy upstream', this.context.stats);
    if (this.firstHost === undefined) this.firstHost = lease.host.name;
    else this.tried!.add(lease.host.name);
    const started = performance.now();
    let current: http2.ClientHttp2Stream;
    try {
      current = route.pool.request(lease.host, this.headers, !body || (Buffer.isBuffer(body) && body.length === 0));
    } catch {
      lease.release();
      return this.retryOrFail(n, 'connect-failure', 'connection failure');
    }
    this.upstream = current;
    let responded = false;
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
        this.stopUnfinishedBody();
        return;
      }
      // Closed before any response: a refused stream (GOAWAY) or a connection that never came up is retried
      // elsewhere; a request lost after it was sent is not (retryDecision.ts). A stream that got its id on a
      // connected session (no longer `pending`, node:http2 emits 'ready' then) was sent.
      const code = current.rstCode;
      const failure: UpstreamFailure = code === http2.constants.NGHTTP2_REFUSED_STREAM ? 'refused-stream' : !current.pending ? 'reset' : 'connect-failure';
      const reason: UpstreamResetReason =
        failure === 'refused-stream'
          ? 'refused stream'
          : failure === 'reset'
            ? streamError === 'ERR_HTTP2_STREAM_ERROR'
              ? 'remote reset'
              : 'connection termination'
            : 'connection failure';
      this.retryOrFail(n, failure, reason);
    });
    if (Buffer.isBuffer(body)) {
      if (body.length > 0) current.end(body);
    } else body?.pipe(current);
  }

  private retryOrFail(n: number, failure: UpstreamFailure, reason: UpstreamResetReason): void {
    const { downstream, body } = this;
    if (downstream.destroyed || downstream.closed) return;
    if (shouldRetry({ attempt: n, failure, retriesAbandoned: body !== undefined && !Buffer.isBuffer(body) })) {
      this.context.stats.retries++;
      this.attempt(n + 1);
      return;
    }
    localReply(downstream, 503, upstreamFailureText(reason), this.context.stats);
    this.stopUnfinishedBody();
  }

  /**
   * Answered while a streamed body still arrives: stop it without error once the answer is out (RFC 9113 section
   * 8.1), as Envoy resets a stream whose request is not complete when the response ends (conn_manager_impl.cc
   * doEndStream). Nothing reads the rest, so the client would otherwise stall on flow control.
   */
  private stopUnfinishedBody(): void {
    const { downstream, body } = this;
    if (body && !Buffer.isBuffer(body) && !downstream.readableEnded && !downstream.closed) downstream.close(http2.constants.NGHTTP2_NO_ERROR);
  }
}
