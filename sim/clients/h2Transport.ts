// The HTTP/2 side of client-go's transport: golang.org/x/net/http2 Transport behind client-go's shared
// tlsTransportCache, so one process has ONE connection per host (docs/client-go.md#one-http2-connection-per-host):
// - a request uses an existing connection while it has fewer streams in flight than the server's
//   SETTINGS_MAX_CONCURRENT_STREAMS (100 assumed until the server's SETTINGS arrive, initialMaxConcurrentStreams);
//   only beyond that a second connection is dialled (StrictMaxConcurrentStreams=false);
// - concurrent requests wait for one dial instead of each dialling (the transport's dialCall de-duplication);
// - after GOAWAY a connection takes no new streams; its in-flight streams finish; streams the server refused
//   (above the GOAWAY's last stream id, or REFUSED_STREAM) are retried on a new connection, which goes through
//   kube-proxy again — the whole point of --goaway-chance.
import http2 from 'node:http2';
import type tls from 'node:tls';
import { DialError } from './podDialer.ts';
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

export interface StreamHandlers {
  onResponse(headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void;
  onData?(chunk: Buffer): void;
}

export class ClientGoTransport {
  private readonly connections: Connection[] = [];
  private dialing: Promise<Connection> | undefined;
  private closed = false;

  constructor(
    private readonly dial: () => Promise<tls.TLSSocket>,
    private readonly origin: string,
    private readonly counters: TransportCounters,
  ) {}

  /**
   * Sends one request and resolves with the status once the response has fully arrived (or, for streams such as
   * watches, when the stream ends). Rejects with a TransportError whose `kind` tells retry logic what happened.
   */
  async request(headers: http2.OutgoingHttpHeaders, body: string | undefined, handlers: StreamHandlers, signal?: AbortSignal): Promise<void> {
    for (let tries = 0; ; tries++) {
      const connection = await this.connection();
      let stream: http2.ClientHttp2Stream;
      try {
        stream = connection.session.request(headers, { endStream: body === undefined, signal } as http2.ClientSessionRequestOptions);
      } catch (error) {
        // The session went away between picking and using it (GOAWAY just arrived): the request was never sent.
        connection.usable = false;
        if (tries < 5) continue;
        throw new TransportError('refused', (error as Error).message, false);
      }
      connection.active++;
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
      let responded = false;
      let settled = false;
      const settle = (error?: TransportError) => {
        if (settled) return;
        settled = true;
        connection.active--;
        if (error) reject(error);
        else resolve();
      };
      stream.on('response', (headers) => {
        responded = true;
        handlers.onResponse(headers);
      });
      stream.on('data', (chunk: Buffer) => handlers.onData?.(chunk));
      stream.on('error', () => undefined);
      stream.on('close', () => {
        if (settled) return;
        if (signal?.aborted) return settle(new TransportError('cancelled', 'request cancelled', true));
        if (responded) return settle(new TransportError('reset', `stream reset after the response started (code ${stream.rstCode})`, true));
        if (stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) {
          return settle(new TransportError('refused', 'stream refused by the server (GOAWAY)', false));
        }
        settle(new TransportError('reset', `connection reset before the response (code ${stream.rstCode})`, true));
      });
      stream.on('end', () => settle());
      if (body !== undefined) stream.end(body);
    });
  }

  private async connection(): Promise<Connection> {
    for (;;) {
      if (this.closed) throw new TransportError('cancelled', 'transport closed', false);
      const available = this.connections.find((c) => c.usable && c.active < maxStreams(c));
      if (available) return available;
      if (!this.dialing) {
        this.dialing = this.open().finally(() => {
          this.dialing = undefined;
        });
      }
      await this.dialing;
    }
  }

  private async open(): Promise<Connection> {
    let socket: tls.TLSSocket;
    try {
      socket = await this.dial();
    } catch (error) {
      if (error instanceof DialError) throw new TransportError(error.kind, error.message, false);
      throw new TransportError('connect', (error as Error).message, false);
    }
    if (socket.alpnProtocol !== 'h2') {
      socket.destroy();
      throw new TransportError('protocol', `server did not negotiate h2 (ALPN: ${socket.alpnProtocol || 'none'})`, false);
    }
    const session = http2.connect(this.origin, { createConnection: () => socket });
    this.counters.opened++;
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
    return connection;
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

function maxStreams(connection: Connection): number {
  const remote = connection.session.remoteSettings?.maxConcurrentStreams;
  return connection.session.connecting || remote === undefined ? INITIAL_MAX_CONCURRENT_STREAMS : Math.min(remote, 2 ** 31 - 1);
}
