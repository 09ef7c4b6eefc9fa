// The HTTP/2 side of client-go's transport: net/http's http.Transport with golang.org/x/net/http2 configured into it
// (apimachinery util/net SetTransportDefaults → http2.ConfigureTransports), behind client-go's shared
// tlsTransportCache, so one process has ONE connection per host while it has room
// (docs/client-go.md#one-http2-connection-per-host):
// - a request uses an existing connection while it has fewer streams in flight or reserved than the server's
//   SETTINGS_MAX_CONCURRENT_STREAMS (100 assumed until the server's SETTINGS arrive, initialMaxConcurrentStreams); the
//   stream is reserved when the connection is picked (x/net ClientConn.ReserveNewRequest);
// - a request that finds none dials a connection of ITS OWN, and so does every other request that misses while the
//   dials run; the first dial to finish serves every waiting request, and a dial that finishes while a connection
//   can take a stream is closed at once, unused, by x/net's clientConnPool.addConnIfNeeded; a dial that finishes
//   when no connection can take one (all full, or gone away) is kept and joins the pool
//   (docs/client-go.md#dials-after-a-miss-one-per-waiting-request; the race itself is dialRace.ts);
// - `opened` counts every dial whose TCP connection was made, kept or closed, as the Go load client's dialer does
//   (scripts/loadclient/dialer.go: every connection client-go's DialContext returned);
// - after GOAWAY a connection takes no new streams; its in-flight streams finish; streams the server refused
//   (above the GOAWAY's last stream id, or REFUSED_STREAM) are retried on a new connection, which goes through
//   kube-proxy again — the whole point of --goaway-chance.
import http2 from 'node:http2';
import type tls from 'node:tls';
import { DialError } from './podDialer.ts';
import { DialRace } from './dialRace.ts';
import { installLightAsyncBind } from '../network/lightAsyncBind.ts';
import { DEFAULT_STREAM_PRIORITY } from '../network/http2Priority.ts';
import { destroySessionWhenSettled } from '../network/socketClose.ts';

const INITIAL_MAX_CONCURRENT_STREAMS = 100;

export interface TransportCounters {
  opened: number;
  goawaysReceived: number;
  resets: number;
}

export type TransportErrorKind = 'refused' | 'reset' | 'dns' | 'connect' | 'tls' | 'cancelled' | 'timeout' | 'protocol';

export class TransportError extends Error {
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    readonly sent: boolean,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

interface Connection {
  session: http2.ClientHttp2Session;
  active: number;
  usable: boolean;
}

/** Plain callbacks (they are attached as listeners, so `this` is the stream, not this object). */
export interface StreamHandlers {
  onResponse(headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void;
  /** The body reader; looked up once onResponse has run, so onResponse may set it for this answer only. */
  onData?: (chunk: Buffer) => void;
}

export class ClientGoTransport {
  private readonly connections: Connection[] = [];
  private readonly race: DialRace<tls.TLSSocket>;
  private closed = false;

  constructor(
    private readonly dial: () => Promise<tls.TLSSocket>,
    private readonly origin: string,
    private readonly counters: TransportCounters,
  ) {
    // Node 20's session.request() binds an AsyncResource per request; a cheaper bind in a worker thread
    // (sim/network/lightAsyncBind.ts, measured in docs/performance.md#load-generator).
    installLightAsyncBind();
    this.race = new DialRace(
      () => this.dialCounted(),
      (socket) => this.addConnIfNeeded(socket),
    );
  }

  /**
   * Sends one request and resolves with the status once the response has fully arrived (or, for streams such as
   * watches, when the stream ends). Rejects with a TransportError whose `kind` tells retry logic what happened.
   */
  async request(headers: http2.OutgoingHttpHeaders, body: string | undefined, handlers: StreamHandlers, signal?: AbortSignal): Promise<void> {
    for (let tries = 0; ; tries++) {
      const connection = await this.connection();
      let stream: http2.ClientHttp2Stream;
      try {
        stream = connection.session.request(headers, {
          endStream: body === undefined,
          signal,
          ...DEFAULT_STREAM_PRIORITY,
        } as http2.ClientSessionRequestOptions);
      } catch (error) {
        // The session went away between picking and using it (GOAWAY just arrived): the request was never sent.
        connection.active--;
        connection.usable = false;
        if (tries < 5) continue;
        throw new TransportError('refused', (error as Error).message, false);
      }
      return this.run(connection, stream, body, handlers, signal);
    }
  }

  private run(
    connection: Connection,
    stream: http2.ClientHttp2Stream,
    body: string | undefined,
    handlers: StreamHandlers,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending = new PendingStream(connection, stream, signal, resolve, reject);
      stream.on('response', (headers) => {
        pending.responded = true;
        handlers.onResponse(headers);
        // Read after onResponse, which may set a body reader for this answer only. Without one the stream is only
        // drained (flowing mode), with no listener per chunk. No data comes before the response headers.
        const onData = handlers.onData;
        if (onData) stream.on('data', onData);
        else stream.resume();
      });
      stream.on('error', ignore);
      stream.on('close', () => pending.closed());
      stream.on('end', () => pending.settle());
      if (body !== undefined) stream.end(body);
    });
  }

  /** A connection with a stream reserved on it (the caller's), dialling as net/http does on a miss. */
  private async connection(): Promise<Connection> {
    for (;;) {
      if (this.closed) throw new TransportError('cancelled', 'transport closed', false);
      const available = this.takingStreams();
      if (available) {
        available.active++;
        return available;
      }
      await this.race.wait();
    }
  }

  /** The first connection that can take a new stream (x/net ClientConn.idleStateLocked's canTakeNewRequest). */
  private takingStreams(): Connection | undefined {
    return this.connections.find((c) => c.usable && c.active < maxStreams(c));
  }

  /** One dial: counted once its TCP connection is made (as the Go load client's dialer counts), then TLS and ALPN. */
  private async dialCounted(): Promise<tls.TLSSocket> {
    let socket: tls.TLSSocket;
    try {
      socket = await this.dial();
    } catch (error) {
      if (error instanceof DialError) {
        if (error.connected) this.counters.opened++;
        throw new TransportError(error.kind, error.message, false);
      }
      throw new TransportError('connect', (error as Error).message, false);
    }
    this.counters.opened++;
    if (socket.alpnProtocol !== 'h2') {
      socket.destroy();
      throw new TransportError('protocol', `server did not negotiate h2 (ALPN: ${socket.alpnProtocol || 'none'})`, false);
    }
    return socket;
  }

  /**
   * x/net clientConnPool.addConnIfNeeded for a finished dial: if a connection can take a new stream, this one is not
   * needed and is closed unused (configureTransports' upgradeFn: "Turns out we don't need this c" → `go c.Close()`,
   * a TLS close_notify and FIN); otherwise it becomes a connection of the pool.
   */
  private addConnIfNeeded(socket: tls.TLSSocket): void {
    if (this.closed || this.takingStreams()) {
      socket.on('error', ignore); // the server may reset it first; nothing waits for it
      socket.end(() => socket.destroy());
      return;
    }
    this.open(socket);
  }

  private open(socket: tls.TLSSocket): void {
    const session = http2.connect(this.origin, { createConnection: () => socket });
    const connection: Connection = { session, active: 0, usable: true };
    this.connections.push(connection);
    session.on('goaway', () => {
      this.counters.goawaysReceived++;
      connection.usable = false;
    });
    session.on('error', (error: NodeJS.ErrnoException) => {
      connection.usable = false;
      if (/ECONNRESET|EPIPE/.test(error.code ?? '')) this.counters.resets++;
    });
    session.on('close', () => {
      connection.usable = false;
      const index = this.connections.indexOf(connection);
      if (index >= 0) this.connections.splice(index, 1);
    });
  }

  get openConnections(): number {
    return this.connections.length;
  }

  close(): void {
    this.closed = true;
    for (const c of this.connections) destroySessionWhenSettled(c.session);
    this.connections.length = 0;
  }
}

/** Listener for stream errors: the 'close' handler reports them. */
function ignore(): void {}

/**
 * One request's outcome: settled once, by the end of the response or by the stream closing first. A small class, not
 * closures: it runs for every request (docs/performance.md#load-generator).
 */
class PendingStream {
  responded = false;
  private done = false;

  constructor(
    private readonly connection: Connection,
    private readonly stream: http2.ClientHttp2Stream,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: () => void,
    private readonly reject: (error: TransportError) => void,
  ) {}

  settle(error?: TransportError): void {
    if (this.done) return;
    this.done = true;
    this.connection.active--;
    if (error) this.reject(error);
    else this.resolve();
  }

  closed(): void {
    if (this.done) return;
    const stream = this.stream;
    if (this.signal?.aborted) return this.settle(new TransportError('cancelled', 'request cancelled', true));
    if (this.responded) return this.settle(new TransportError('reset', `stream reset after the response started (code ${stream.rstCode})`, true));
    if (stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) {
      return this.settle(new TransportError('refused', 'stream refused by the server (GOAWAY)', false));
    }
    this.settle(new TransportError('reset', `connection reset before the response (code ${stream.rstCode})`, true));
  }
}

function maxStreams(connection: Connection): number {
  const remote = connection.session.remoteSettings?.maxConcurrentStreams;
  return connection.session.connecting || remote === undefined ? INITIAL_MAX_CONCURRENT_STREAMS : Math.min(remote, 2 ** 31 - 1);
}
