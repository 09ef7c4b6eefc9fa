// The webhook server: HTTPS with ALPN h2 and http/1.1 (kube-apiserver calls webhooks over HTTP/1.1 since
// kubernetes#82090, but either must work), POST /webhooks/pod-kube-apiserver-load-balancing, /healthz, /readyz,
// /metrics. Request handling follows controller-runtime's webhook server (pkg/webhook/admission/http.go): a bad
// request is answered with HTTP 200 and an errored AdmissionReview (response.allowed=false, status.code 400/413), so
// kube-apiserver reports a clear message. The body is bounded in size and time; the server never buffers more than
// the limit and never waits on a slow client forever. A body over the limit is handled as Go's net/http server does
// under controller-runtime (its handler reads up to the limit through an io.LimitedReader, the server then discards
// up to maxPostHandlerReadBytes, 256 KiB, of the rest): when the rest ended there the HTTP/1.1 connection stays
// open; otherwise the answer carries Connection: close and the socket is closed as net/http's closeWriteAndWait does,
// FIN first and the close rstAvoidanceDelay (500 ms) later, so the client reads the answer before any RST that the
// unread rest of its body causes (go/src/net/http/server.go).
import http2 from 'node:http2';
import type net from 'node:net';
import { acceptsStream, startGracefulShutdown } from './gracefulGoaway.ts';
import { allowedResponse, deniedResponse, erroredResponse, parseAdmissionReview, type AdmissionResponseBody, type ReviewVersion } from './admissionReview.ts';
import { KUBE_APISERVER_MAX_REQUEST_BODY_BYTES, WEBHOOK_PATH } from './constants.ts';
import { defaultPod, type TargetReader } from './handler.ts';
import { createLogger, type Logger, type LogLevel } from './logger.ts';
import { WebhookMetrics, type AdmissionOutcome } from './metrics.ts';
import { decodePod } from './podDecoding.ts';

export interface WebhookServerOptions {
  /** Address to bind: a loopback address in the simulator, the pod IP in a cluster (never a wildcard by default). */
  host: string;
  /** 0 picks a free port. */
  port: number;
  tls: { certPem: string; keyPem: string };
  reader: TargetReader;
  logLevel?: LogLevel;
  logger?: Logger;
  /** Largest accepted AdmissionReview body (bytes); default 3 MiB. */
  maxBodyBytes?: number;
  /** How long a client may take to send the body (ms); default 10 s, the webhook's timeoutSeconds. */
  bodyTimeoutMs?: number;
  /** Idle connections are closed after this long (ms); default 120 s. */
  idleTimeoutMs?: number;
  /**
   * close() first keeps serving this long with /readyz at 503 (ms; default 0), so a kubelet probe and the endpoints
   * controller take the pod out of the Service before it stops listening (like kube-apiserver's
   * --shutdown-delay-duration); with failurePolicy Fail, calls that still arrive would otherwise reject pods.
   */
  shutdownDelayMs?: number;
  /** close() then waits this long for in-flight admissions before cutting connections (ms); default 5 s. */
  shutdownGraceMs?: number;
  /** Connections beyond this are refused (bounds what slow or idle clients can hold); default 1000. */
  maxConnections?: number;
}

export interface WebhookServer {
  url: string;
  port: number;
  metrics: WebhookMetrics;
  close(): Promise<void>;
}

type Req = http2.Http2ServerRequest;
type Res = http2.Http2ServerResponse;
type BodyResult = { kind: 'ok'; body: Buffer } | { kind: 'too-large' } | { kind: 'timeout' } | { kind: 'aborted' };

/** net/http's maxPostHandlerReadBytes: what the server reads of a body the handler left unread, to keep the connection. */
export const MAX_POST_HANDLER_READ_BYTES = 256 * 1024;
/** net/http's rstAvoidanceDelay: between the FIN and the close of a connection whose client may still be sending. */
export const RST_AVOIDANCE_DELAY_MS = 500;

/** What answering an admission request needs: the limits, where it reads the target from, where it logs and counts. */
interface AdmissionContext {
  log: Logger;
  metrics: WebhookMetrics;
  reader: TargetReader;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
}

/** The open connections and sessions (closed on shutdown) and the admissions in flight (awaited on shutdown). */
interface ServerState {
  sockets: Set<net.Socket>;
  sessions: Set<http2.ServerHttp2Session>;
  inFlight: number;
  closing: boolean;
  drained?: () => void;
}

export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const log = options.logger ?? createLogger(options.logLevel ?? 'info');
  const context: AdmissionContext = {
    log,
    metrics: new WebhookMetrics(),
    reader: options.reader,
    maxBodyBytes: options.maxBodyBytes ?? KUBE_APISERVER_MAX_REQUEST_BODY_BYTES,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 10_000,
  };
  const state: ServerState = { sockets: new Set(), sessions: new Set(), inFlight: 0, closing: false };
  const server = http2.createSecureServer({ key: options.tls.keyPem, cert: options.tls.certPem, allowHTTP1: true }, (req, res) => {
    // HTTP/2 streams opened after the shutdown GOAWAY are refused, not served (gracefulGoaway.ts).
    if ('stream' in req && !acceptsStream(req.stream)) return;
    route(req, res, context, state).catch((error: Error) => {
      log.error('unexpected failure while serving a request', { path: req.url, error: error.message });
      if (!res.headersSent && !res.writableEnded) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      }
    });
  });
  trackConnections(server, state, log);
  // Idle HTTP/2 sessions get a GOAWAY and idle (or header-stalled) HTTP/1.1 sockets are closed after this.
  server.setTimeout(options.idleTimeoutMs ?? 120_000);
  server.maxConnections = options.maxConnections ?? 1000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`webhook: cannot listen on ${options.host}:${options.port}: ${error.message}`)));
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const url = `https://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  log.info('serving', { url: `${url}${WEBHOOK_PATH}` });
  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    metrics: context.metrics,
    close: () => (closed ??= shutDown(server, state, options).then(() => log.info('stopped', { url }))),
  };
}

function trackConnections(server: http2.Http2SecureServer, state: ServerState, log: Logger): void {
  server.on('secureConnection', (socket: net.Socket) => {
    state.sockets.add(socket);
    socket.on('close', () => state.sockets.delete(socket));
  });
  server.on('session', (session: http2.ServerHttp2Session) => {
    state.sessions.add(session);
    session.on('close', () => state.sessions.delete(session));
    session.on('error', (error) => log.debug('HTTP/2 session error', { error: error.message }));
  });
  server.on('tlsClientError', (error) => log.debug('TLS handshake failed', { error: error.message }));
}

/**
 * Graceful shutdown: /readyz fails for shutdownDelayMs, then the listener closes, HTTP/2 sessions get the graceful
 * GOAWAY, admissions in flight get shutdownGraceMs to finish, and the remaining connections are cut.
 */
async function shutDown(server: http2.Http2SecureServer, state: ServerState, options: WebhookServerOptions): Promise<void> {
  state.closing = true;
  if (options.shutdownDelayMs) await new Promise((resolve) => setTimeout(resolve, options.shutdownDelayMs));
  const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const session of state.sessions) startGracefulShutdown(session);
  if (state.inFlight > 0) {
    const grace = new Promise<void>((resolve) => setTimeout(resolve, options.shutdownGraceMs ?? 5_000).unref());
    await Promise.race([new Promise<void>((resolve) => (state.drained = resolve)), grace]);
  }
  for (const socket of state.sockets) socket.destroy();
  await stopped;
}

/** The paths: /healthz, /readyz, /metrics, and POST on the webhook path, which is counted and timed as an admission. */
async function route(req: Req, res: Res, context: AdmissionContext, state: ServerState): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') return text(res, 200, 'ok');
  // Like controller-runtime's readyz with the webhook server's StartedChecker: ready while serving.
  if (req.method === 'GET' && path === '/readyz') return state.closing ? text(res, 503, 'shutting down') : text(res, 200, 'ok');
  if (req.method === 'GET' && path === '/metrics') {
    const body = await context.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': context.metrics.registry.contentType });
    res.end(body);
    return;
  }
  if (path !== WEBHOOK_PATH) return text(res, 404, `404 page not found (the webhook is served at POST ${WEBHOOK_PATH})\n`);
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return text(res, 405, `method ${req.method} not allowed; use POST\n`);
  }
  state.inFlight++;
  const done = context.metrics.start();
  const started = performance.now();
  let outcome: AdmissionOutcome = 'errored';
  try {
    outcome = await admit(req, res, context);
  } finally {
    done();
    context.metrics.admission(outcome);
    context.log.debug('admission', { result: outcome, ms: Math.round((performance.now() - started) * 1000) / 1000 });
    if (--state.inFlight === 0) state.drained?.();
  }
}

/** One AdmissionReview: read the body within its limits, check it, decode the pod, default it, answer. */
async function admit(req: Req, res: Res, context: AdmissionContext): Promise<AdmissionOutcome> {
  const readStarted = performance.now();
  const body = await readBody(req, context.maxBodyBytes, context.bodyTimeoutMs);
  if (body.kind === 'aborted') return 'errored';
  if (body.kind === 'too-large' || body.kind === 'timeout') return answerUnreadBody(req, res, context, body.kind, readStarted);
  const contentType = String(req.headers['content-type'] ?? '');
  if (contentType.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
    return reject(res, context, 'admission.k8s.io/v1', '', `contentType=${contentType}, expected application/json`);
  }
  if (body.body.length === 0) return reject(res, context, 'admission.k8s.io/v1', '', 'request body is empty');
  const parsed = parseAdmissionReview(body.body.toString('utf8'));
  if (!parsed.ok) return reject(res, context, parsed.apiVersion, parsed.uid, parsed.status.message);
  const { request, apiVersion } = parsed;
  // controller-runtime's CustomDefaulter allows DELETE without decoding (there is nothing to default).
  if (request.operation === 'DELETE') {
    send(res, context, allowedResponse(apiVersion, request.uid));
    return 'skipped';
  }
  const decoded = decodePod(request.object, request.kind);
  if (!decoded.ok) return reject(res, context, apiVersion, request.uid, decoded.message);
  try {
    const outcome = await defaultPod(decoded.pod, typeof request.namespace === 'string' ? request.namespace : '', context.reader, context.log);
    if (outcome.kind === 'denied') {
      context.log.info('denied', { uid: request.uid, code: outcome.status.code, message: outcome.status.message });
      send(res, context, deniedResponse(apiVersion, request.uid, outcome.status));
      return 'denied';
    }
    if (outcome.kind === 'mutated') {
      send(res, context, allowedResponse(apiVersion, request.uid, outcome.patch));
      return outcome.patch.length > 0 ? 'mutated' : 'unchanged';
    }
    send(res, context, allowedResponse(apiVersion, request.uid));
    return 'skipped';
  } catch (error) {
    // controller-runtime recovers panics in the handler into Errored(500).
    context.log.error('admission failed', { uid: request.uid, error: (error as Error).message });
    send(res, context, erroredResponse(apiVersion, request.uid, 500, `internal error: ${(error as Error).message}`));
    return 'errored';
  }
}

/** A body over the limit (413) or not received in time (408): answered as net/http under controller-runtime does. */
async function answerUnreadBody(req: Req, res: Res, context: AdmissionContext, kind: 'too-large' | 'timeout', readStarted: number): Promise<AdmissionOutcome> {
  const [code, message] =
    kind === 'too-large'
      ? [413, `request entity is too large; limit is ${context.maxBodyBytes} bytes`]
      : [408, `the request body was not received within ${context.bodyTimeoutMs} ms`];
  context.log.warn('bad admission request', { message });
  // Up to 256 KiB more of an oversized body is read; a rest beyond that (or a stalled body) ends the connection
  // (HTTP/1.1, after the FIN and rstAvoidanceDelay) or the stream (HTTP/2).
  const rest = kind === 'too-large' ? await discard(req, MAX_POST_HANDLER_READ_BYTES, context.bodyTimeoutMs - (performance.now() - readStarted)) : 'more';
  if (rest === 'aborted') return 'errored';
  send(res, context, erroredResponse('admission.k8s.io/v1', '', code, message), rest !== 'ended');
  return 'errored';
}

function reject(res: Res, context: AdmissionContext, apiVersion: ReviewVersion, uid: string, message: string): AdmissionOutcome {
  context.log.warn('bad admission request', { uid, message });
  send(res, context, erroredResponse(apiVersion, uid, 400, message));
  return 'errored';
}

function send(res: Res, context: AdmissionContext, review: AdmissionResponseBody, endConnection = false): void {
  context.metrics.request(200);
  const body = JSON.stringify(review);
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  const h2 = res.stream !== undefined;
  if (endConnection && !h2) {
    headers.connection = 'close';
    closeWriteAndWait(res.socket as net.Socket);
  }
  res.writeHead(200, headers);
  res.end(body);
  // RFC 9113 §8.1: a server that answered before the whole request arrived may send RST_STREAM(NO_ERROR).
  if (endConnection && h2) res.once('finish', () => res.stream.close(http2.constants.NGHTTP2_NO_ERROR));
}

function text(res: Res, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}

/**
 * Node's HTTP/1.1 server closes a Connection: close socket as soon as the answer is written (destroySoon: end, then
 * destroy on finish), which resets the connection while the client may still be sending, and the client can lose
 * the answer to that RST. This socket instead closes as net/http's closeWriteAndWait does: the FIN with the answer,
 * the close rstAvoidanceDelay later.
 */
function closeWriteAndWait(socket: net.Socket): void {
  const lingering = socket as net.Socket & { destroySoon?: () => void };
  lingering.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), RST_AVOIDANCE_DELAY_MS).unref();
  };
}

/** Reads and drops up to `limit` more bytes of a body: 'ended' when it ended within them, 'more' when it did not. */
function discard(req: Req, limit: number, timeoutMs: number): Promise<'ended' | 'more' | 'aborted'> {
  if (req.readableEnded) return Promise.resolve('ended');
  return new Promise((resolve) => {
    let size = 0;
    let settled = false;
    const finish = (result: 'ended' | 'more' | 'aborted') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      if (result !== 'ended') req.pause();
      resolve(result);
    };
    const timer = setTimeout(() => finish('more'), Math.max(0, timeoutMs));
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish('more');
    };
    req.on('data', onData);
    req.on('end', () => finish('ended'));
    req.on('error', () => finish('aborted'));
    req.on('close', () => finish(req.readableEnded ? 'ended' : 'aborted'));
    req.resume();
  });
}

/** Reads the body up to `limit` bytes within `timeoutMs`; past the limit it stops buffering and reports it. */
function readBody(req: Req, limit: number, timeoutMs: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      if (result.kind !== 'ok') req.pause();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish({ kind: 'too-large' });
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish({ kind: 'ok', body: Buffer.concat(chunks) }));
    req.on('error', () => finish({ kind: 'aborted' }));
    req.on('aborted', () => finish({ kind: 'aborted' }));
    req.on('close', () => finish({ kind: 'aborted' }));
  });
}
