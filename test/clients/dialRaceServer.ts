// A small HTTP/2 TLS server for the dial-race tests (test/clients/dialRace.test.ts, goClientDials.test.ts): it holds
// each accepted TCP connection before its TLS handshake, until the test releases it or a fixed delay passes, so a
// test decides when dials finish; it answers every request like a minimal kube-apiserver (201 for a create, a list
// with a resourceVersion, a SelfSubjectReview), can send a graceful GOAWAY after the n-th request of a connection
// (as kube-apiserver's --goaway-chance filter does, with Go's `Connection: close` → GOAWAY), holds answers or lets
// the first connections through at once when a test needs that, and records which
// connections carried requests and which were closed without any.
import http2 from 'node:http2';
import net from 'node:net';
import { createCertificateAuthority, issueCertificate } from '../../webhook/x509.ts';

export interface DialRaceServerOptions {
  /** 'hold': connections wait for release(); a number: each waits that many ms, then handshakes. */
  handshake: 'hold' | number;
  /** Graceful GOAWAY after this many requests on one connection (undefined: never). */
  goawayAfter?: number;
  /** Only the first this many connections get that GOAWAY (default: all). */
  goawayConnections?: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS the server announces. */
  maxConcurrentStreams?: number;
  /** Requests whose answer waits for answerHeld() (a stream the test keeps open). */
  holdAnswers?: boolean;
  /** The first this many connections handshake at once and are answered at once (a client's warm-up). */
  passFirst?: number;
}

export interface ConnectionRecord {
  remotePort: number;
  requests: number;
  closed: boolean;
  /** The client acknowledged the server's SETTINGS (so it knows SETTINGS_MAX_CONCURRENT_STREAMS). */
  settingsAcked: boolean;
}

export class DialRaceServer {
  readonly accepted: net.Socket[] = [];
  /** Accepted, not yet handed to TLS. */
  readonly held: net.Socket[] = [];
  /** One per TLS connection that became an HTTP/2 session. */
  readonly connections: ConnectionRecord[] = [];
  goawaysSent = 0;
  private readonly heldAnswers: { stream: http2.ServerHttp2Stream; headers: http2.IncomingHttpHeaders }[] = [];
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  private constructor(
    private readonly tcp: net.Server,
    private readonly h2: http2.Http2SecureServer,
    readonly port: number,
    readonly caPem: string,
    private readonly options: DialRaceServerOptions,
  ) {}

  static async start(options: DialRaceServerOptions): Promise<DialRaceServer> {
    const ca = await createCertificateAuthority('dial race test CA');
    const serving = await issueCertificate(ca, { commonName: 'kube-apiserver', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usage: 'server' });
    const h2 = http2.createSecureServer({
      key: serving.keyPem,
      cert: serving.certPem,
      settings: options.maxConcurrentStreams ? { maxConcurrentStreams: options.maxConcurrentStreams } : {},
    });
    h2.on('tlsClientError', () => undefined); // connections the client closes or resets mid-handshake
    const tcp = net.createServer();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const server = new DialRaceServer(tcp, h2, (tcp.address() as net.AddressInfo).port, ca.certPem, options);
    tcp.on('connection', (socket) => server.accept(socket));
    h2.on('session', (session) => server.track(session));
    return server;
  }

  /** Hands the first `count` held connections to TLS, in arrival order. */
  release(count = this.held.length): void {
    for (const socket of this.held.splice(0, count)) this.h2.emit('connection', socket);
  }

  /** Resets the first held connection (its dial fails after the TCP connect). */
  resetHeld(): void {
    this.held.shift()!.resetAndDestroy();
  }

  /** Sends a graceful GOAWAY on every open connection. */
  goawayAll(): void {
    for (const session of this.sessions) this.goaway(session);
  }

  /** Answers every request held so far and holds no more. */
  answerAll(): void {
    this.options.holdAnswers = false;
    this.answerHeld();
  }

  /** Answers every request held so far (holdAnswers). */
  answerHeld(): void {
    for (const held of this.heldAnswers.splice(0)) if (!held.stream.destroyed) answer(held.stream, held.headers);
  }

  /** Connections that carried at least one request. */
  get used(): ConnectionRecord[] {
    return this.connections.filter((c) => c.requests > 0);
  }

  /** Connections closed without any request (the losers of a dial race). */
  get closedUnused(): ConnectionRecord[] {
    return this.connections.filter((c) => c.closed && c.requests === 0);
  }

  async close(): Promise<void> {
    for (const socket of this.accepted) socket.destroy();
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => undefined);
    this.accepted.push(socket);
    if (this.accepted.length <= (this.options.passFirst ?? 0)) this.h2.emit('connection', socket);
    else if (this.options.handshake === 'hold') this.held.push(socket);
    else setTimeout(() => this.h2.emit('connection', socket), this.options.handshake);
  }

  private track(session: http2.ServerHttp2Session): void {
    const record: ConnectionRecord = { remotePort: session.socket.remotePort ?? 0, requests: 0, closed: false, settingsAcked: false };
    this.connections.push(record);
    this.sessions.add(session);
    session.on('error', () => undefined);
    session.on('localSettings', () => (record.settingsAcked = true));
    session.on('close', () => {
      record.closed = true;
      this.sessions.delete(session);
    });
    session.on('stream', (stream, headers) => {
      record.requests++;
      stream.on('error', () => undefined);
      if (this.options.holdAnswers && this.connections.indexOf(record) >= (this.options.passFirst ?? 0)) this.heldAnswers.push({ stream, headers });
      else answer(stream, headers);
      const goawayApplies = this.connections.indexOf(record) < (this.options.goawayConnections ?? Infinity);
      if (goawayApplies && record.requests === this.options.goawayAfter) this.goaway(session);
    });
  }

  /** Graceful: GOAWAY with the last stream id received; streams in flight finish, then the connection closes. */
  private goaway(session: http2.ServerHttp2Session): void {
    if (session.closed) return;
    this.goawaysSent++;
    session.close();
  }
}

let auditIds = 0;

/** A minimal kube-apiserver answer: 201 for a create, a SelfSubjectReview, a list or an object. */
function answer(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const method = headers[':method'];
  const path = String(headers[':path'] ?? '');
  let body: object = { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { name: 'x', resourceVersion: '1' } };
  if (path.includes('selfsubjectreviews')) body = { kind: 'SelfSubjectReview', status: { userInfo: { username: 'test', groups: [] } } };
  else if (method === 'GET' && path.includes('?')) body = { kind: 'List', metadata: { resourceVersion: '1' }, items: [] };
  // Audit-Id: kube-apiserver sets it on every answer; the clients count an answer without it as the gateway's.
  stream.respond({ ':status': method === 'POST' ? 201 : 200, 'content-type': 'application/json', 'audit-id': `dial-race-${++auditIds}` });
  stream.end(JSON.stringify(body));
}
